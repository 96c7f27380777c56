"""Which paths exist, who may open them, and where a redirect after sign-in may go."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..catalogue import CATEGORY_KEYS
from ..models import STAFF_ROLES, Role

PUBLIC_PATHS = {
    "/login",
    "/auth/login",
    "/login/verify",  # the second step of a sign-in: a signed cookie, not a session, says whose
    "/auth/login/code",
    "/auth/passkey",
    "/auth/logout",
    "/healthz",
    "/favicon.ico",
    "/confirm-email",
    "/receipts/verify",
    "/forgot-password",
    "/reset-password",
    "/cancel-email-change",
    "/.well-known/portal-signing-keys.json",  # the public keys anyone checks receipts and exports with
    "/.well-known/portal-export-schema.json",  # the schema every export manifest names (`schema`)
}
PUBLIC_PREFIXES = ("/_nicegui", "/assets/")
# Public to the middleware, which wants no session for them; the route authenticates its caller itself (a
# recipient's bearer token). Exact patterns, not a prefix: nothing else under /recipients becomes public by accident.
PUBLIC_PATTERNS = (re.compile(r"^/recipients/notices/[^/]{1,64}/ack$"),)
STAFF_PREFIX = "/staff"

_LOCAL_TARGETS = [
    re.compile(r"^/$"),
    re.compile(rf"^/data/({'|'.join(CATEGORY_KEYS)})$"),
    re.compile(r"^/(consents|exports|requests|support-access|withdraw|notifications|account|activity)$"),
    re.compile(r"^/requests/\d{1,12}$"),
    re.compile(r"^/staff(/customers|/audit|/outbox|/notices|/requests/\d{1,12})?$"),
]


# Pages an agent acting as a customer may not open at all (the services refuse the actions too).
_FORBIDDEN_WHILE_ACTING = ("/withdraw", "/support-access", "/staff", "/account")


def forbidden_while_acting(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in _FORBIDDEN_WHILE_ACTING)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or any(p.match(path) for p in PUBLIC_PATTERNS)


def allowed_roles(path: str) -> set[str]:
    if path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/"):
        return set(STAFF_ROLES)
    return {Role.CUSTOMER.value, *STAFF_ROLES}


def home_for(role: str) -> str:
    return "/" if role == Role.CUSTOMER.value else "/staff"


def safe_next(target: str | None, *, role: str | None = None) -> str | None:
    """A post-sign-in redirect target, only if it is one of our own pages (never another host, never a
    scheme-relative `//evil` path, never a page the role may not open)."""
    if not target or len(target) > 200:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or not target.startswith("/") or target.startswith("//"):
        return None
    if not any(p.match(parts.path) for p in _LOCAL_TARGETS):
        return None
    if role is not None and role not in allowed_roles(parts.path):
        return None
    return parts.path  # the query is dropped: no page needs one after sign-in, and it is unvalidated
