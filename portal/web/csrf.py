"""Cross-site request protection for the plain POST routes (sign-in, sign-out and later ones).

Double submit: a random value lives in an HttpOnly cookie, and forms carry that value signed with
the server's key (salt "csrf"). A cross-site page can neither read the cookie nor forge the
signature; the Origin check is a second, independent fence.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request

CSRF_COOKIE = "portal_csrf"
FIELD = "csrf"  # the form field carrying the signed token (portal/ui/components/post_form.py writes it)
_MAX_AGE_SECONDS = 12 * 3600


def new_seed() -> str:
    return secrets.token_urlsafe(24)


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="csrf")


def form_token(secret: str, seed: str) -> str:
    return _serializer(secret).dumps(seed)


def token_is_valid(secret: str, seed: str | None, token: str | None) -> bool:
    if not seed or not token:
        return False
    try:
        return bool(_serializer(secret).loads(token, max_age=_MAX_AGE_SECONDS) == seed)
    except (BadSignature, SignatureExpired):
        return False


def form_is_genuine(request: Request, secret: str, form: Mapping[str, Any]) -> bool:
    """The check every POST route makes before anything else: a same-site origin, and the form's token signed
    from the seed in this browser's cookie."""
    return origin_is_same_site(request) and token_is_valid(
        secret, request.cookies.get(CSRF_COOKIE), str(form.get(FIELD, ""))
    )


def origin_is_same_site(request: Request) -> bool:
    """Fetch metadata first (every current browser sends Sec-Fetch-Site), then Origin; a client that
    sends neither (old browsers, scripts) is left to the token check."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and origin.split("://", 1)[-1] == host
