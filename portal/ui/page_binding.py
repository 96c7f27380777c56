"""Which browser and whom a page belongs to: read from the request the page was built with.

The socket guard (socket_guard.py) lets a socket attach to a page only with the cookies the page was built with,
from this portal's own origin; the page watcher (page_watch.py) asks whom an open page is for and in which
language it speaks."""

from __future__ import annotations

import logging
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from nicegui import Client

from ..config import Settings
from ..services.identity.principal import Principal
from ..services.identity.sessions import hash_token
from ..web import csrf

log = logging.getLogger("portal.socket")


def principal_of_page(client: Client) -> Principal | None:
    """Who the page was built for (None: a public page)."""
    return getattr(_request_state(client), "principal", None)


def page_locale(client: Client) -> tuple[str, str | None]:
    """The language and time zone the page was built in (the middleware put them on its request)."""
    state = getattr(client._request, "state", None)  # not .request: that property raises for a page without one
    locale = getattr(state, "locale", None)
    return (locale if isinstance(locale, str) else "en", getattr(state, "time_zone", None))


def may_attach(client: Client | None, environ: dict[str, Any], settings: Settings) -> bool:
    """A socket may attach to a page only with the cookies the page was built with."""
    if client is None:
        return True  # NiceGUI itself refuses an unknown client id
    cookies = _cookies(environ)
    state = _request_state(client)
    seed = getattr(state, "csrf_seed", None)
    if seed is not None and cookies.get(csrf.CSRF_COOKIE) != seed:
        log.info("refused a socket for client %s: another browser's", client.id)
        return False
    principal = principal_of_page(client)
    if principal is not None:
        token = cookies.get(settings.session_cookie)
        if not token or hash_token(token) != principal.session_hash:
            log.info("refused a socket for client %s: not the session the page was built for", client.id)
            return False
    return True


def origin_allowed(environ: dict[str, Any], settings: Settings) -> bool:
    """Browsers send Origin with every websocket; it must be this portal (the Host it was asked for, or the
    public URL behind a proxy). A client without Origin is no browser: it cannot ride someone's cookies."""
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return True
    netloc = urlsplit(origin).netloc
    return bool(netloc) and netloc in {environ.get("HTTP_HOST", ""), urlsplit(settings.base_url).netloc}


def _cookies(environ: dict[str, Any]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _request_state(client: Client) -> Any:
    try:
        return client.request.state
    except RuntimeError:  # a client made without a request (NiceGUI's auto-index page): nothing to bind
        return None
