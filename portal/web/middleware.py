"""HTTP middleware: resolves the signed-in principal, guards every route, and sets security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..config import Settings
from ..i18n import _, set_locale
from ..models import STAFF_ROLES
from ..services.access import SECOND_FACTOR_FIRST
from ..services.identity.live_session import request_session
from ..services.identity.session_end import why_token_ended
from ..services.support_access import support_acting
from . import csrf, paths
from .cookies import clear_session_cookie, set_session_cookie
from .locale import reading_preferences, remember_pinned_language

# What NiceGUI 3 needs, and nothing more; each exception is there for a reason:
# - script-src 'unsafe-inline': NiceGUI writes the page's start-up (the element tree, `createApp`) as inline
#   <script> blocks, different on every page view, so neither a hash nor a per-response nonce can be set from here.
# - script-src 'unsafe-eval': NiceGUI ships Vue's full build and its components use string templates, which Vue
#   compiles in the browser with `new Function`; without it no page renders (checked in tests/e2e).
# - style-src 'unsafe-inline': Quasar and Tailwind's browser build inject <style> elements at run time.
# - connect-src 'self': the socket.io websocket to this same origin ('self' covers ws:/wss: of this host in CSP 3);
#   no ws: or wss: to any other host. The socket guard also refuses a handshake from a foreign Origin.
# frame-ancestors 'none' stops click-jacking of the withdraw button.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# Static files and the socket.io transport are fetched in parallel with the page; they must neither
# resolve sessions (cost) nor hand out CSRF seeds (a second seed would overwrite the page's one).
# The favicon too: browsers ask for it on every page view, and as a page it cost a session lookup and could not be
# cached (no-store); it is the portal's own icon, the same for everyone.
_STATIC_PREFIXES = ("/_nicegui/", "/_nicegui_ws", "/assets/", "/favicon.ico")
_FAVICON_CACHE = "public, max-age=86400"

# Renders a page an agent acting for a customer may not open, inside the portal's shell (the banner and its "Stop
# acting" included). Handed in by the composition root (portal.app): the pages live above this layer.
ActingRefusal = Callable[[Request], Awaitable[Response]]


class PortalMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: Any, settings: Settings, acting_refusal: ActingRefusal | None = None) -> None:
        super().__init__(app)
        self.settings = settings
        self.acting_refusal = acting_refusal

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        seed = request.cookies.get(csrf.CSRF_COOKIE)
        new_seed = None if seed or path.startswith(_STATIC_PREFIXES) else csrf.new_seed()
        request.state.csrf_seed = seed or new_seed
        request.state.principal = None
        rotated: str | None = None
        ended: str | None = None
        if not path.startswith(_STATIC_PREFIXES):
            token = request.cookies.get(self.settings.session_cookie)
            # One trip to a thread and one unit of work: if the grant behind an agent's acting session ended, the
            # agent is back on their own session (rotated), and the principal is theirs.
            standing = await run_in_threadpool(request_session, self.settings, token)
            rotated, ended = standing.rotated, standing.ended
            request.state.principal = standing.principal
        # The language and time zone of everything this request shows or says (portal.i18n.context); the page keeps
        # them on its request, where the socket guard finds them for the page's later events.
        if not path.startswith(_STATIC_PREFIXES):
            request.state.locale, request.state.time_zone = reading_preferences(request, request.state.principal)
            set_locale(request.state.locale, request.state.time_zone)
        if ended is not None and request.method == "GET" and request.state.principal is not None:
            response: Response = RedirectResponse(f"/staff/customers?ended={ended}", status_code=303)
        else:
            response = await self._guard(request, call_next)
        if ended is not None:
            if rotated:
                set_session_cookie(response, self.settings, rotated)
            else:
                clear_session_cookie(response, self.settings)
        self._headers(request, response)
        remember_pinned_language(request, response, self.settings.https)
        if new_seed:
            response.set_cookie(
                csrf.CSRF_COOKIE, new_seed, httponly=True, samesite="strict", secure=self.settings.https, path="/"
            )
        return response

    async def _guard(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        principal = request.state.principal
        if paths.is_public(path):
            return await call_next(request)
        if principal is None:
            if request.method != "GET":
                return HTMLResponse(
                    error_page(_("Signed out"), _("Your session has ended. Please sign in again.")), 403
                )
            target = path + (f"?{request.url.query}" if request.url.query else "")
            query = [f"next={quote(target, safe='')}"] if paths.safe_next(target) else []
            # A browser whose session was ended (a password change elsewhere, sign out everywhere) hears why.
            token = request.cookies.get(self.settings.session_cookie)
            reason = await run_in_threadpool(why_token_ended, token) if token else None
            if reason is not None:
                query += ["expired=1", f"reason={reason}"]
            return RedirectResponse("/login" + ("?" + "&".join(query) if query else ""), status_code=303)
        if principal.acting is not None and paths.forbidden_while_acting(path):
            if request.method == "GET" and self.acting_refusal is not None:
                return await self.acting_refusal(request)
            return HTMLResponse(
                error_page(
                    _("Not while acting as a customer"),
                    _("Support staff cannot open this page on a customer's behalf.")
                    + ' <a href="/">'
                    + _("Back")
                    + "</a>",
                ),
                403,
            )
        if principal.role not in paths.allowed_roles(path):
            return HTMLResponse(
                error_page(
                    _("Not allowed"),
                    _("This part of the portal is for staff only.")
                    + ' <a href="/">'
                    + _("Back to your overview")
                    + "</a>",
                ),
                403,
            )
        if principal.needs_second_factor and paths.allowed_roles(path) == set(STAFF_ROLES):
            # Staff must add a second factor before the console opens (PORTAL_STAFF_REQUIRE_2FA): to the account page.
            if request.method == "GET":
                return RedirectResponse("/account?second_factor=required", status_code=303)
            # services.access marks its sentence (N_) and this page says it in the reader's language.
            return HTMLResponse(error_page(_("Second factor needed"), _(SECOND_FACTOR_FIRST)), 403)
        if principal.acting is not None and request.method == "GET" and not path.startswith(("/_nicegui", "/exports/")):
            await run_in_threadpool(support_acting.record_page_view, principal, path)
        return await call_next(request)

    def _headers(self, request: Request, response: Response) -> None:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"  # "no-referrer" would make browsers send Origin: null
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if self.settings.https:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.url.path == "/favicon.ico":
            headers["Cache-Control"] = _FAVICON_CACHE
        elif not request.url.path.startswith(_STATIC_PREFIXES):
            # Pages show personal data: never keep them in a browser or proxy cache.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"


def error_page(title: str, body: str) -> str:
    """`title` and `body` arrive in the reader's language; `body` may hold a link."""
    page_title = _("{title} · Privacy Portal").format(title=title)
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{page_title}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>"
        f"</head><body><h1 data-testid=error-title>{title}</h1><p data-testid=error-message>{body}</p>"
        "</body></html>"
    )
