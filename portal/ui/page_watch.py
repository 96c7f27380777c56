"""One watcher per process for every open signed-in page, instead of timers on every page.

A page left open must stop within seconds once its session ends (signed out elsewhere, password changed, idle or
absolute timeout, account erased, an agent's grant revoked), and a customer's bell shows new notifications without
a reload. Done per page, that was a session check every 10 s (3 s while acting) and an unread count every 5 s on
every open page: with a thousand pages open, 300 database queries a second and most of the server's idle CPU.

Here one sweep every `SWEEP_SECONDS` asks the database once for the standing of every open page's session and
once for the unread counts of every open bell, whatever the number of pages. It sends pages whose session ended
away (the socket guard's `send_away`, the same words and places as a refused click), updates a bell only when its
count changed, and vouches for the pages it found live: their own timers (exports, consents, …) then run without a
query of their own while the vouch is fresh (socket_guard.VOUCH_SECONDS). Events a person makes (clicks, typing)
are still checked against the database one by one: acting is not polling.

Why polling the database and not a push (LISTEN/NOTIFY): the sessions end for reasons no code path announces (an
idle or absolute timeout is a time passing), and other processes (workers, other portal processes) change the
same rows; one indexed query per process every two seconds serves every case and every database alike.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable

from nicegui import Client, app

from ..config import Settings
from ..i18n import using_locale
from ..services.identity.live_session import Standing, session_standings
from ..services.identity.principal import Principal
from ..services.views.notifications_view import unread_counts
from . import socket_guard
from .background import io_bound
from .page_binding import page_locale, principal_of_page

log = logging.getLogger("portal.page_watch")

# Two seconds between sweeps keeps "a revoked session or grant stops its pages within 3 s" with a second to spare
# for the sweep's own queries.
SWEEP_SECONDS = 2.0

ShowCount = Callable[[int], None]
# The bells of open pages: what to call with the page's unread count, and the last count it was given.
_bells: weakref.WeakKeyDictionary[Client, tuple[ShowCount, list[int | None]]] = weakref.WeakKeyDictionary()
_settings: Settings | None = None


def install(settings: Settings) -> None:
    """Start the sweep with the app: once per `build()` (a process builds once; NiceGUI's simulated test runs build
    per test, each with its own event loop, where the previous run's timer has ended with its loop)."""
    global _settings
    _settings = settings
    app.timer(SWEEP_SECONDS, sweep)  # an app timer, not a page's: it is the session check itself


def watch_bell(client: Client, show: ShowCount) -> None:
    """Give the page's bell its unread count at the next sweep and whenever the count changes after that."""
    _bells[client] = (show, [None])


async def sweep() -> None:
    """Check every open signed-in page once: end those whose session ended, vouch for the rest, update bells."""
    pages = _open_pages()
    if not pages or _settings is None:
        return
    started = time.monotonic()
    standings = await io_bound(session_standings, _settings, {(p.session_hash, p.account_id) for _, p in pages})
    if standings is None:  # the app is stopping
        return
    live: list[tuple[Client, Principal]] = []
    for client, principal in pages:
        standing = standings.get(principal.session_hash, Standing.ENDED)
        if standing is Standing.LIVE:
            socket_guard.vouch(client, started)
            live.append((client, principal))
        else:
            await socket_guard.send_away(client, principal, standing)
    await _update_bells([(client, principal) for client, principal in live if client in _bells])


def _open_pages() -> list[tuple[Client, Principal]]:
    """Signed-in pages with a browser attached. A page whose socket has not connected (yet, or again) can neither be
    sent anywhere nor act: its events are checked one by one, and the sweep after it connects looks at it."""
    pages = []
    for client in list(Client.instances.values()):
        principal = principal_of_page(client)
        if principal is not None and client.has_socket_connection and not socket_guard.has_ended(client):
            pages.append((client, principal))
    return pages


async def _update_bells(pages: list[tuple[Client, Principal]]) -> None:
    if not pages:
        return
    counts = await io_bound(unread_counts, [principal for _, principal in pages])
    if counts is None:
        return
    for client, principal in pages:
        show, last = _bells[client]
        count = counts.get(principal.account_id, 0)
        if count == last[0]:
            continue  # nothing new: nothing sent to the browser
        last[0] = count
        try:
            with client, using_locale(*page_locale(client)):
                show(count)
        except RuntimeError:  # the page was deleted between the query and now
            log.debug("bell of a closed page skipped (client %s)", client.id)
