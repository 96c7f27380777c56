"""Which language and time zone a request is answered in, and the cookies that remember the browser's choice.

Language: `?lang=` in the address (QA pins a page; the choice is then kept in the cookie), else the `portal_lang`
cookie (the language menu's last choice on this browser, signed in or not), else the account's saved choice, else
the browser's Accept-Language, else English. Time zone: the account's, else the `portal_tz` cookie (the browser's own
zone, written by the page's script), else UTC. Cookie and address values are checked against what ships; an unknown
one is ignored, never trusted."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..i18n import DEFAULT_TIME_ZONE, choose, known, valid_time_zone
from ..services.identity.principal import Principal

LANG_COOKIE = "portal_lang"
TZ_COOKIE = "portal_tz"
LANG_PARAMETER = "lang"
_YEAR = 365 * 24 * 3600


def reading_preferences(request: Request, principal: Principal | None) -> tuple[str, str]:
    locale = choose(
        query=request.query_params.get(LANG_PARAMETER),
        cookie=request.cookies.get(LANG_COOKIE),
        saved=principal.locale if principal else None,
        accept_language=request.headers.get("accept-language"),
    )
    zone = (
        valid_time_zone(principal.time_zone if principal else None)
        or valid_time_zone(request.cookies.get(TZ_COOKIE))
        or DEFAULT_TIME_ZONE
    )
    return locale, zone


def remember_pinned_language(request: Request, response: Response, secure: bool) -> None:
    """`?lang=de` in the address: the next pages keep it (QA navigates on without repeating it)."""
    pinned = known(request.query_params.get(LANG_PARAMETER))
    if pinned and pinned != request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, pinned, max_age=_YEAR, samesite="lax", secure=secure, path="/")
