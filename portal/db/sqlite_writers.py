"""SQLite writers take turns through an OS file lock, so a waiting writer starts the moment the lock is free.

SQLite allows one write transaction at a time. A writer that finds the database locked polls it with
sleeps of 1, 2, 5, 10, 15, 20, 25 .. ms, so a customer's filing that meets a worker's 3 ms batch commit
waits 8 ms, and a sealer's 10 ms write costs it 18 ms. Under a steady stream of requests those overshoots
were half of a filing client's time (see bench/README.md).

Every connection of the portal's engine therefore takes an exclusive `flock` on `<database>-writers.lock`
before its transaction's first write statement and releases it when the transaction ends (commit,
rollback, close). Writers of every thread and process queue on that lock and are handed it at once.
The lock is advisory and only shortens waits: SQLite's own locking still guarantees correctness, so a
writer that does not use it (the sqlite3 shell, an older portal) is merely waited for the old way, and a
statement the detection below does not recognise as a write simply waits the old way too. A process that
dies releases its lock with its file descriptors.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Self, cast

from . import sqlite_checkpoints

# Give up after as long as SQLite's own busy timeout would have waited.
WAIT_SECONDS = 30.0
_WRITE = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b|^\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL
)
# Lock files each thread holds through some connection: a thread waiting on its own lock would never wake.
_held_by_thread: dict[int, set[str]] = {}
_held_guard = threading.Lock()


# The statements before which Python's sqlite3 module opens a transaction itself (its legacy transaction
# control looks at the first word only).
_BEGINS_ITSELF = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@lru_cache(maxsize=512)
def is_write(statement: str) -> bool:
    """Whether a statement needs SQLite's write lock. Statements repeat (SQLAlchemy caches them), so cached."""
    return _WRITE.match(statement) is not None


@lru_cache(maxsize=512)
def needs_begin(statement: str) -> bool:
    """A write that Python's sqlite3 module would run outside any transaction: `WITH .. UPDATE` (a worker's
    claim) is not "INSERT, UPDATE, DELETE or REPLACE" to it, so it committed on its own, and the claim's timeline
    and audit events went into a second transaction; a worker dying between the two left a claim without them."""
    return is_write(statement) and _BEGINS_ITSELF.match(statement) is None


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + "-writers.lock")


@contextmanager
def one_at_a_time(database: Path, purpose: str) -> Iterator[bool]:
    """Yields True to the one holder of `<database>-<purpose>.lock` across all processes, False to everyone else
    meanwhile (who should skip their turn rather than wait). Released when the block ends or the process dies."""
    fd = os.open(str(database.with_name(f"{database.name}-{purpose}.lock")), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing drops the lock


def connection_factory(database: Path) -> type[sqlite3.Connection]:
    """A sqlite3.Connection class for `sqlite3.connect(.., factory=...)` that takes turns on `database`'s
    writer lock."""
    path = str(lock_path(database))

    class TakingTurns(_WriterConnection):
        _lock_path = path

    return TakingTurns


class _WriterConnection(sqlite3.Connection):
    _lock_path: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        self._holder: int | None = None  # the thread that took the turn, while this connection holds it
        self._changes_at_turn = 0
        # Checkpoints run after the turn is released (sqlite_checkpoints), not inside commit() under it.
        sqlite3.Connection.execute(self, "PRAGMA wal_autocheckpoint=0")

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]  # typeshed overloads it on the factory's type
        return super().cursor(factory or _WriterCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, seq_of_parameters)

    def take_turn(self) -> None:
        """Hold the writer lock until this transaction ends."""
        if self._holder is not None:
            return
        me = threading.get_ident()
        with _held_guard:
            already_writing = self._lock_path in _held_by_thread.get(me, ())
        if already_writing:
            # This thread already writes through another connection: waiting would wait for itself. SQLite's
            # busy timeout reports it as before ("database is locked") instead of a silent hang.
            return
        deadline, pause = time.monotonic() + WAIT_SECONDS, 0.0001
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked (another writer held it too long)") from None
                time.sleep(pause)  # polls every 0.1 to 0.5 ms: far finer than SQLite's 1 to 100 ms
                pause = min(pause * 2, 0.0005)
        self._holder = me
        self._changes_at_turn = self.total_changes
        with _held_guard:
            _held_by_thread.setdefault(me, set()).add(self._lock_path)

    def end_turn(self, *, committed: bool = False) -> None:
        """Release the writer lock; after a commit, run a WAL checkpoint when one is due (outside the turn)."""
        if self._holder is None:
            return
        with _held_guard:
            paths = _held_by_thread.get(self._holder, set())
            paths.discard(self._lock_path)
            if not paths:
                _held_by_thread.pop(self._holder, None)
        self._holder = None
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        if committed:
            sqlite_checkpoints.after_write_commit(self, self._lock_path, self.total_changes - self._changes_at_turn)

    def commit(self) -> None:
        try:
            super().commit()
        except BaseException:
            self.end_turn()
            raise
        self.end_turn(committed=True)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()
            if self._lock_fd >= 0:
                os.close(self._lock_fd)
                self._lock_fd = -1


class _WriterCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        if is_write(sql):
            self._before_write(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self._end_turn_outside_a_transaction()

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Self:
        if is_write(sql):
            self._before_write(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            self._end_turn_outside_a_transaction()

    def _before_write(self, sql: str) -> None:
        """Take the writers' turn; then open the transaction where the sqlite3 module would not (`needs_begin`),
        unless the connection is in autocommit mode (isolation_level None) on purpose."""
        connection = cast(_WriterConnection, self.connection)  # only _WriterConnection.cursor() makes this cursor
        connection.take_turn()
        if connection.isolation_level is not None and not connection.in_transaction and needs_begin(sql):
            super().execute("BEGIN")

    def _end_turn_outside_a_transaction(self) -> None:
        """The turn ends with the transaction, also when no commit() call ends it: in autocommit mode
        (isolation_level None) each statement is its own transaction, and SQL can say COMMIT itself."""
        connection = cast(_WriterConnection, self.connection)  # only _WriterConnection.cursor() makes this cursor
        if connection._holder is not None and not connection.in_transaction:
            connection.end_turn(committed=True)
