"""Hearing that the database changed, in every process that shares it, without asking it again and again.

Open pages must stop within seconds once their session ends, and their bells show new notifications, while most of
the time nothing changes at all. Asking the database every few seconds for every page (what the page watcher did)
costs CPU for as long as pages are open. Here each process is told when something was written, by whichever
process wrote it, and asks only then:

* PostgreSQL: every transaction that wrote to a table sends `NOTIFY portal_changes, '<table>,<table>'` inside the
  transaction (`publish_writes`), so the message leaves exactly when, and only if, the transaction commits; each
  process LISTENs on one connection of its own (`PostgresFeed`). A statement written as plain SQL (the demo reset's
  TRUNCATE) is announced as "*": something changed, no telling what.
* SQLite: one database file on one machine. `PRAGMA data_version` changes whenever another connection (of any
  process) committed to the file; a thread reads it twice a second on a connection of its own (`SqliteFeed`), a
  read of a counter in shared memory that touches no table. It cannot say which tables changed.

A listener is told `frozenset` of table names, or None for "something changed, no telling what". It is called on
the feed's own thread and must only note the change (set a flag, wake a loop): the asking happens elsewhere.
What no feed can announce is time passing (a session's idle timeout): the page watcher keeps each page's deadline.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("portal.db.changes")

CHANNEL = "portal_changes"
Listener = Callable[[frozenset[str] | None], None]
_WRITTEN = "portal_written_tables"  # Connection.info key: the tables this transaction wrote to
_ANY = "*"
_MAX_PAYLOAD = 7_000  # PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more
# SQLite: how often the feed looks at the file's change counter. Half a second keeps "a revoked session stops its
# pages within 3 s" with plenty to spare, and costs two reads of a shared-memory counter a second.
SQLITE_LOOK_SECONDS = 0.5
# PostgreSQL: how long one wait for notifications lasts before the thread looks whether it should stop, and how long
# it waits before connecting again after the connection was lost.
POSTGRES_WAIT_SECONDS = 1.0
POSTGRES_RETRY_SECONDS = 2.0


class ChangeFeed(Protocol):
    def start(self, listener: Listener) -> None: ...

    def stop(self) -> None: ...


def open_feed(engine: Engine) -> ChangeFeed | None:
    """The feed for this engine's database; None for an in-memory SQLite database, which no other process shares."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresFeed(url.set(drivername="postgresql").render_as_string(hide_password=False))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return SqliteFeed(url.database)
    return None


# ------------------------------------------------------------------------------------------- PostgreSQL


def publish_writes(engine: Engine) -> None:
    """Make every committed write on this PostgreSQL engine announce its tables on CHANNEL (once per engine)."""
    if engine.url.get_backend_name() != "postgresql" or event.contains(engine, "commit", _announce):
        return
    event.listen(engine, "after_cursor_execute", _note_write)
    event.listen(engine, "commit", _announce)
    event.listen(engine, "rollback", _forget)


def _note_write(conn: Connection, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        table = getattr(getattr(context.compiled, "statement", None), "table", None)
        conn.info.setdefault(_WRITTEN, set()).add(getattr(table, "name", _ANY))
    elif statement.lstrip()[:8].upper().startswith(("INSERT", "UPDATE", "DELETE", "TRUNCATE", "ALTER")):
        conn.info.setdefault(_WRITTEN, set()).add(_ANY)  # plain SQL: announced as "something changed"


def _announce(conn: Connection) -> None:
    """Called as the transaction commits, before the COMMIT is sent: NOTIFY is transactional, so the message goes
    out with the commit and never for a transaction rolled back."""
    if conn.invalidated:  # a lost connection: its COMMIT fails next, as it should, with SQLAlchemy's own error
        return
    tables = conn.info.pop(_WRITTEN, None)
    if not tables:
        return
    payload = ",".join(sorted(tables))
    if _ANY in tables or len(payload) > _MAX_PAYLOAD:
        payload = _ANY
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None  # a connection that is not invalidated has one
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
    except Exception:
        # The server went away: say nothing here, so the COMMIT that follows fails with SQLAlchemy's disconnect
        # handling (the pool replaces its connections). Any other failure aborts the transaction: raise it, for a
        # COMMIT after it would quietly roll back.
        if not getattr(dbapi_connection, "closed", False):
            raise
    finally:
        cursor.close()


def _forget(conn: Connection) -> None:
    if not conn.invalidated:
        conn.info.pop(_WRITTEN, None)


def tables_of(payload: str) -> frozenset[str] | None:
    return None if _ANY in payload.split(",") else frozenset(payload.split(","))


class PostgresFeed:
    """LISTENs on a connection of its own (not the pool's: it is held for the process's life)."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, listener: Listener) -> None:
        self._thread = threading.Thread(target=self._run, args=(listener,), name="portal-change-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=POSTGRES_WAIT_SECONDS + 1)

    def _run(self, listener: Listener) -> None:
        import psycopg  # only a PostgreSQL deployment has the driver loaded; SQLite never needs it

        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    # Whatever was written while not listening (first start, or after a lost connection) is unknown.
                    listener(None)
                    while not self._stopping.is_set():
                        for notice in connection.notifies(timeout=POSTGRES_WAIT_SECONDS):
                            listener(tables_of(notice.payload))
            except psycopg.Error as error:
                log.warning("change feed lost its PostgreSQL connection (%s); listening again shortly", error)
                self._stopping.wait(POSTGRES_RETRY_SECONDS)


# ------------------------------------------------------------------------------------------- SQLite


class SqliteFeed:
    """Reads the database file's change counter on a connection of its own, which never writes."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, listener: Listener) -> None:
        self._thread = threading.Thread(target=self._run, args=(listener,), name="portal-change-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=SQLITE_LOOK_SECONDS + 1)

    def _run(self, listener: Listener) -> None:
        seen: int | None = None
        connection: sqlite3.Connection | None = None
        while not self._stopping.wait(SQLITE_LOOK_SECONDS):
            try:
                if connection is None:
                    connection = sqlite3.connect(self._path, check_same_thread=False, timeout=1)
                version = connection.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error as error:  # the file is being replaced (a restore): look again next time
                log.debug("change feed could not read %s: %s", self._path, error)
                if connection is not None:
                    connection.close()
                connection, seen = None, None
                listener(None)
                continue
            if version != seen:
                if seen is not None:
                    listener(None)
                seen = version
        if connection is not None:
            connection.close()
