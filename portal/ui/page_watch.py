"""One watcher per process for every open signed-in page, instead of timers on every page.

A page left open must stop within seconds once its session ends (signed out elsewhere, password changed, idle or
absolute timeout, account erased, an agent's grant revoked), and a customer's bell shows new notifications without
a reload. Done per page, that was a session check every 10 s (3 s while acting) and an unread count every 5 s on
every open page: with a thousand pages open, 300 database queries a second and most of the server's idle CPU.

Here the database says when it changed (portal/db/change_feed.py: PostgreSQL's LISTEN/NOTIFY, or SQLite's change
counter), whichever process wrote, and the watcher asks only then: once for the standing of every open page's session
and once for the unread counts of every open bell, whatever the number of pages. What no write announces is time
passing, so the watcher keeps the moment each page's session ends by time alone (its idle or absolute timeout, an
agent's grant running out) and looks again then. Pages opened since the last look are looked at together, at most
once a second. A sweep of everything runs at least every `SAFETY_SECONDS` as well, for a change written past the
portal (an operator's SQL on PostgreSQL, which sends no NOTIFY).

It sends pages whose session ended away (the socket guard's `send_away`, the same words and places as a refused
click), updates a bell only when its count changed, and vouches for the pages it found live: their own timers
(exports, consents, …) run without a query of their own while nothing changed and no deadline passed. Events a
person makes (clicks, typing) are still checked against the database one by one: acting is not watching.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime
from math import inf

from nicegui import Client, app

from ..config import Settings
from ..db import get_engine
from ..db.change_feed import open_feed
from ..i18n import using_locale
from ..models import Account, AuthSession, Notification, SupportGrant, SupportSession
from ..models.types import utcnow
from ..services.identity.live_session import Standing, session_checks
from ..services.identity.principal import Principal
from ..services.views.notifications_view import unread_counts
from . import page_changes, socket_guard
from .background import io_bound
from .page_binding import page_locale, principal_of_page

log = logging.getLogger("portal.page_watch")

# How often the watcher looks whether it has anything to do (a flag and a clock: no query). With the feed's own
# half second, a revoked session or grant stops its pages well within the promised 3 s.
TICK_SECONDS = 0.25
# At most one sweep of every page this often, however many changes arrive: under a stream of writes the watcher
# costs what the fixed two-second sweep cost before, and nothing while nothing changes.
SWEEP_GAP_SECONDS = 1.0
# A sweep of everything at least this often, for changes no feed announces (see the module's docstring).
SAFETY_SECONDS = 30.0
# Writes to these tables may end a session or change a bell's count; others (requests, exports, the audit trail)
# do not. Table names come from PostgreSQL's NOTIFY; SQLite's counter cannot name them and counts as all.
_WATCHED = frozenset(
    model.__tablename__ for model in (AuthSession, Account, SupportGrant, SupportSession, Notification)
)

ShowCount = Callable[[int], None]
# The bells of open pages: what to call with the page's unread count, and the last count it was given.
_bells: weakref.WeakKeyDictionary[Client, tuple[ShowCount, list[int | None]]] = weakref.WeakKeyDictionary()
# Pages that connected (or connected again) since the watcher last looked: each is looked at on its own, at once.
_fresh: weakref.WeakSet[Client] = weakref.WeakSet()
_settings: Settings | None = None


class _Due:
    """What the watcher owes: a sweep because the database changed, and when the next page's time runs out."""

    changed = True  # set on the feed's thread; at start nothing is known
    last_sweep = float("-inf")
    last_fresh_look = float("-inf")  # pages opened meanwhile are looked at together: one look serves many views
    next_deadline = float("inf")


_due = _Due()


def install(settings: Settings) -> None:
    """Start the watcher with the app: once per `build()` (a process builds once; NiceGUI's simulated test runs build
    per test, each with its own event loop, where the previous run's timer has ended with its loop)."""
    global _settings
    _settings = settings
    _due.changed, _due.last_sweep, _due.last_fresh_look, _due.next_deadline = True, -inf, -inf, inf
    page_changes.reset()
    feed = open_feed(get_engine())
    if feed is not None:
        app.on_startup(lambda: feed.start(note_change))
        app.on_shutdown(feed.stop)
    app.on_connect(_fresh.add)
    app.timer(TICK_SECONDS, tick)  # an app timer, not a page's: it is the session check itself


def note_change(tables: frozenset[str] | None) -> None:
    """The change feed's listener (on its thread): pages showing what changed refresh; a write that may end sessions
    or change bells asks for a sweep."""
    page_changes.note(tables)
    if tables is None or tables & _WATCHED:
        socket_guard.doubt_all()
        _due.changed = True


def watch_bell(client: Client, show: ShowCount) -> None:
    """Give the page's bell its unread count as soon as the page is looked at, and whenever it changes after."""
    _bells[client] = (show, [None])


async def tick() -> None:
    """Sweep every page when something changed, a deadline passed or the safety interval is over; else look at
    the pages opened since the last look, on their own. Then refresh the pages whose data changed."""
    now = time.monotonic()
    due = _due.changed or now >= _due.next_deadline or now - _due.last_sweep >= SAFETY_SECONDS
    if due and now - _due.last_sweep >= SWEEP_GAP_SECONDS:
        await sweep()
    elif _fresh and now - _due.last_fresh_look >= SWEEP_GAP_SECONDS:
        _due.last_fresh_look = now
        fresh = set(_fresh)
        _fresh.difference_update(fresh)
        await _look_at(_open_pages(fresh), whole=False)
    await page_changes.deliver()  # after the sweep: a page whose session just ended is not refreshed


async def sweep() -> None:
    """Check every open signed-in page once: end those whose session ended, vouch for the rest, update bells."""
    _due.changed = False  # before asking: a change announced while the queries run asks for another sweep
    _due.last_sweep = time.monotonic()
    _fresh.clear()
    await _look_at(_open_pages(Client.instances.values()), whole=True)


async def _look_at(pages: list[tuple[Client, Principal]], *, whole: bool) -> None:
    if not pages or _settings is None:
        if whole:
            _due.next_deadline = float("inf")
        return
    epoch = socket_guard.epoch()  # the word given below is as of this epoch: a change meanwhile voids it
    started, started_at = time.monotonic(), utcnow()
    checks = await io_bound(session_checks, _settings, {(p.session_hash, p.account_id) for _, p in pages})
    if checks is None:  # the app is stopping
        return
    live: list[tuple[Client, Principal]] = []
    next_deadline = float("inf") if whole else _due.next_deadline
    for client, principal in pages:
        check = checks[principal.session_hash]
        if check.standing is Standing.LIVE:
            until = _monotonic(check.live_until, started, started_at)
            socket_guard.vouch(client, until, epoch)
            next_deadline = min(next_deadline, until)
            live.append((client, principal))
        else:
            await socket_guard.send_away(client, principal, check.standing)
    _due.next_deadline = next_deadline
    await _update_bells([(client, principal) for client, principal in live if client in _bells])


def _monotonic(moment: datetime | None, started: float, started_at: datetime) -> float:
    """A wall-clock moment on the monotonic clock the watcher keeps time with (None: no deadline known)."""
    if moment is None:
        return started + SAFETY_SECONDS
    return started + (moment - started_at).total_seconds()


def _open_pages(clients: Iterable[Client]) -> list[tuple[Client, Principal]]:
    """Signed-in pages with a browser attached. A page whose socket has not connected (yet, or again) can neither be
    sent anywhere nor act: its events are checked one by one, and the watcher looks at it once it connects."""
    pages = []
    for client in list(clients):
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
