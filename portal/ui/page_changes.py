"""A page refreshes when the data it shows changed, not on a timer: the change feed says when.

An export becomes ready minutes after it was asked for, perhaps in another process; a page that asked the database
every two seconds whether it was ready cost CPU for as long as it was open. Here a page names the tables its view
reads (`on_change`), the page watcher passes on what the database announced (`note`, on the feed's thread), and at
its next tick calls the pages whose tables changed (`deliver`), at most once every `GAP_SECONDS` (under a stream of
writes a page refreshes no more often than its old timer did), only while the page's session is live: on the
watcher's word, or after the socket guard's own check.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import Client, context

from . import socket_guard

log = logging.getLogger("portal.page_changes")

GAP_SECONDS = 1.0
Refresh = Callable[[], Any]
_subscriptions: weakref.WeakKeyDictionary[Client, list[tuple[frozenset[str], Refresh]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_changed: set[str] = set()
_anything = False  # a change that named no tables (SQLite's counter): every page may have to refresh
_last_delivery = float("-inf")


def on_change(tables: frozenset[str], refresh: Refresh) -> None:
    """Call `refresh` (in the page's context) after a write to any of `tables`, by this process or another."""
    _subscriptions.setdefault(context.client, []).append((tables, refresh))


def note(tables: frozenset[str] | None) -> None:
    """The change feed's word, passed on by the page watcher (on the feed's thread)."""
    global _anything
    with _lock:
        if tables is None:
            _anything = True
        else:
            _changed.update(tables)


def reset() -> None:
    global _anything, _last_delivery
    with _lock:
        _changed.clear()
        _anything = False
    _last_delivery = float("-inf")


async def deliver() -> None:
    """Refresh the pages whose tables changed since the last delivery (the page watcher's tick)."""
    global _anything, _last_delivery
    if time.monotonic() - _last_delivery < GAP_SECONDS:
        return  # what changed meanwhile waits for the next delivery
    with _lock:
        changed, anything = frozenset(_changed), _anything
        _changed.clear()
        _anything = False
    if not changed and not anything:
        return
    _last_delivery = time.monotonic()
    for client, subscriptions in list(_subscriptions.items()):
        due = [refresh for tables, refresh in subscriptions if anything or tables & changed]
        if not due or client.id not in Client.instances or not client.has_socket_connection:
            continue
        if not socket_guard.vouched(client) and not await socket_guard.allowed(client):
            continue
        for refresh in due:
            try:
                with client:
                    socket_guard.speak_as_page(client)
                    result = refresh()
                    if isinstance(result, Awaitable):
                        await result
            except Exception:  # one page's failure must not keep the others from their news
                log.exception("refreshing a page after a change failed (client %s)", client.id)
