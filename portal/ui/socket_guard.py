"""The one place where a page's socket traffic is authorised, before NiceGUI acts on any of it.

A NiceGUI page lives longer than the HTTP request that built it: its event handlers and timers keep the
principal the page was built for. Without a check at the moment they run, a page left open after sign-out,
a password change, an idle or absolute expiry or the end of a support grant keeps acting for that principal;
and NiceGUI routes a socket message by the client id written *inside* the message, so any socket that learnt
a page's ids could drive it. This module replaces NiceGUI's socket.io handlers with guarded ones:

* a socket may connect only from this portal's own origin (no cross-site websocket hijacking);
* a socket may attach to a page only with the cookies that page was built with: the browser's CSRF seed
  (every browser gets one on its first response) and, on signed-in pages, the session token whose hash the
  page's principal carries. A socket of another browser, another account, or no cookie at all is refused;
* every message must come from a socket attached to the client it names (socket.io rooms: NiceGUI's handshake
  puts a socket in the room of its client); anything else is dropped;
* every UI event first checks the live session (and the live support grant of an agent acting as a customer).
  Once it has ended, the event is refused, nothing changes, and the page is sent to sign-in (an agent: back to
  the staff console). Timer callbacks (through `live_timer`) run only on a page whose session the process's page
  watcher (page_watch.py) found live with nothing changed since and no deadline passed, or after the same check of
  their own;
* client-sent log lines are written escaped, marked as client-sent and rate-limited, and malformed messages
  are dropped with one short, rate-limited line instead of a traceback each.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import Client, context, core, ui
from nicegui.elements.timer import Timer
from socketio.exceptions import ConnectionRefusedError as Refused

from ..config import Settings
from ..i18n import set_locale
from ..services.identity.live_session import Standing, session_standing
from ..services.identity.principal import Principal
from ..services.identity.session_end import sign_in_address, why_ended
from .background import io_bound
from .line_limit import LineLimit
from .page_binding import may_attach, origin_allowed, principal_of_page

LiveTimer = Timer  # for annotations: what live_timer returns

log = logging.getLogger("portal.socket")

_GUARDED = ("connect", "handshake", "event", "javascript_response", "ack", "log")
_original: dict[str, Callable[..., Any]] = {}
_settings: Settings | None = None

# Per page: events run one at a time in arrival order (the live check awaits the database, and a later click
# must not overtake an earlier one), and a page whose session ended stays ended without asking again.
_locks: weakref.WeakKeyDictionary[Client, asyncio.Lock] = weakref.WeakKeyDictionary()
_ended: weakref.WeakKeyDictionary[Client, bool] = weakref.WeakKeyDictionary()  # True: end quietly (no redirect)
# The page watcher's word that a page's session is live: until when (time.monotonic()), and under which epoch of
# the change feed. Any change announced by the database starts a new epoch, and an older word counts no more.
_vouched: weakref.WeakKeyDictionary[Client, tuple[float, int]] = weakref.WeakKeyDictionary()
_epoch = 0


_malformed_lines = LineLimit(per_minute=10)
_client_log_lines = LineLimit(per_minute=30)


def install(settings: Settings) -> None:
    """Put the guarded handlers in front of NiceGUI's own (once per process; a second call is a no-op)."""
    global _settings
    _settings = settings
    if _original:
        return
    handlers = core.sio.handlers["/"]
    for name in _GUARDED:
        _original[name] = handlers[name]
    core.sio.on("connect", _on_connect)
    core.sio.on("handshake", _on_handshake)
    core.sio.on("event", _on_event)
    core.sio.on("javascript_response", _relay("javascript_response"))
    core.sio.on("ack", _relay("ack"))
    core.sio.on("log", _on_log)


def end_quietly(client: Client) -> None:
    """The page ended its own session on purpose (the withdrawal, which leaves its receipt on screen): from now
    on refuse its events and timers without sending it anywhere."""
    _ended[client] = True


def has_ended(client: Client) -> bool:
    """The page's session ended (or the page ended it on purpose): it acts no more."""
    return client in _ended


def doubt_all() -> None:
    """The database changed (any process, any table that ends sessions): no page's word holds until looked at again.
    Called on the change feed's thread: one assignment, so the event loop sees the old or the new epoch, both sound."""
    global _epoch
    _epoch += 1


def epoch() -> int:
    return _epoch


def vouch(client: Client, live_until: float, as_of_epoch: int) -> None:
    """The page watcher found the page's session live in a check that started in `as_of_epoch`; by time alone it
    stays live until `live_until` (monotonic)."""
    if client not in _ended:
        _vouched[client] = (live_until, as_of_epoch)


def vouched(client: Client) -> bool:
    """Whether the watcher's word for the page still holds: nothing changed since it looked, and no deadline passed."""
    until, as_of = _vouched.get(client, (float("-inf"), -1))
    return as_of == _epoch and time.monotonic() < until


async def allowed(client: Client) -> bool:
    """Whether the page may act now: its session (and grant) is live. Refuses and redirects when it is not."""
    if client in _ended:
        return False
    principal = principal_of_page(client)
    if principal is None:
        return True  # a public page (sign-in, password reset): bound to its browser, no session to end
    assert _settings is not None
    standing = await io_bound(session_standing, _settings, principal.session_hash, principal.account_id)
    if standing is Standing.LIVE:
        return True
    if standing is None:  # the app is stopping: the check did not run, nothing to say
        return False
    await send_away(client, principal, standing)
    return False


async def send_away(client: Client, principal: Principal, standing: Standing) -> None:
    """The page's session ended: refuse its events and timers from now on and send it where the person learns
    why (sign-in with the reason, or an agent back to the console)."""
    if client in _ended:
        return
    _ended[client] = False
    _vouched.pop(client, None)
    log.info("a page's session ended: %s (client %s)", standing.value, client.id)
    away = _AWAY.get(standing)
    if away is None:  # ended: say why on the sign-in page (a password change elsewhere, sign out everywhere, …)
        away = sign_in_address(await io_bound(why_ended, principal.session_hash))
    if client.id in Client.instances:  # a page closed meanwhile has nowhere to go
        with client:
            ui.navigate.to(away)


def speak_as_page(client: Client) -> None:
    """An event or timer of a page answers in the page's language and time zone: those its request was built with
    (the middleware put them on it). Handlers NiceGUI starts as tasks inherit them."""
    state = getattr(client._request, "state", None)  # not .request: that property raises for a page without one
    locale = getattr(state, "locale", None)
    if isinstance(locale, str):
        set_locale(locale, getattr(state, "time_zone", None))


_AWAY = {
    Standing.GRANT_ENDED: "/staff/customers?ended=grant_ended",
    Standing.ACCOUNT_GONE: "/login?closed=1",
}


def live_timer(interval: float, callback: Callable[[], Any], **kwargs: Any) -> Timer:
    """`ui.timer` whose callback runs only while the page's session is live (the portal's only page timer)."""

    async def _guarded() -> None:
        client = context.client
        if client in _ended:
            return
        if not vouched(client) and not await allowed(client):  # the watcher has no word for it: ask ourselves
            return
        speak_as_page(context.client)
        result = callback()
        if isinstance(result, Awaitable):
            await result

    return Timer(interval, _guarded, **kwargs)  # the one place that makes a timer (ui.timer is banned elsewhere)


# ------------------------------------------------------------------------------------------- socket.io handlers


async def _on_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> Any:
    assert _settings is not None
    if not origin_allowed(environ, _settings):
        log.info("refused a socket from a foreign origin")
        raise Refused("foreign origin")
    query = dict(part.split("=", 1) for part in environ.get("QUERY_STRING", "").split("&") if "=" in part)
    client_id = query.get("client_id")
    if (
        query.get("implicit_handshake") == "true"
        and client_id is not None
        and not may_attach(Client.instances.get(client_id), environ, _settings)
    ):
        raise Refused("not this page's browser")
    return await _original["connect"](sid, environ, auth)


async def _on_handshake(sid: str, data: Any = None) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("client_id"), str):
        _malformed("handshake")
        return False
    assert _settings is not None
    if not sid.startswith("test-") and not may_attach(
        Client.instances.get(data["client_id"]), core.sio.get_environ(sid) or {}, _settings
    ):
        return False
    try:
        return bool(await _original["handshake"](sid, data))
    except (KeyError, TypeError, ValueError):
        _malformed("handshake")
        return False


async def _on_event(sid: str, msg: Any = None) -> None:
    client = _attached_client(sid, msg, "event")
    if client is None:
        return
    lock = _locks.setdefault(client, asyncio.Lock())
    async with lock:
        if not await allowed(client):
            return
        speak_as_page(client)
        try:
            _original["event"](sid, msg)
        except (KeyError, TypeError, ValueError, AttributeError):  # args that are not JSON, ids of the wrong type
            _malformed("event")


def _relay(name: str) -> Callable[[str, Any], None]:
    def _handler(sid: str, msg: Any = None) -> None:
        if _attached_client(sid, msg, name) is None:
            return
        try:
            _original[name](sid, msg)
        except (KeyError, TypeError, ValueError, AttributeError):
            _malformed(name)

    return _handler


def _on_log(sid: str, msg: Any = None) -> None:
    """NiceGUI writes what the browser sends here as a server log line: an attacker's forged line. Keep it,
    because browser errors matter, but escaped (repr: no line breaks), marked as client-sent and rate-limited."""
    client = _attached_client(sid, msg, "log")
    if client is None:
        return
    allow, suppressed = _client_log_lines.allow()
    if allow:
        text = repr(str(msg.get("message", ""))[:300])
        log.warning(
            "client-sent log (client %s, level %r): %s%s",
            client.id,
            str(msg.get("level"))[:10],
            text,
            f" ({suppressed} more suppressed)" if suppressed else "",
        )


# ---------------------------------------------------------------------------------------------------- helpers


def _attached_client(sid: str, msg: Any, kind: str) -> Client | None:
    """The client a message names, if the socket that sent it is attached to that client; else None."""
    if not isinstance(msg, dict) or not isinstance(msg.get("client_id"), str):
        _malformed(kind)
        return None
    client = Client.instances.get(msg["client_id"])
    if client is None:
        return None
    if sid.startswith("test-") or client.id in core.sio.rooms(sid):
        return client
    log.info("dropped a %s for client %s from a socket not attached to it", kind, client.id)
    return None


def _malformed(kind: str) -> None:
    allow, suppressed = _malformed_lines.allow()
    if allow:
        log.warning("dropped a malformed socket %s%s", kind, f" ({suppressed} more since)" if suppressed else "")
