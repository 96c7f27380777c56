"""WAL checkpoints run after a writer's turn, about as often as SQLite's own (portal/db/sqlite_checkpoints.py)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from portal.db import make_engine, sqlite_checkpoints
from tests.unit.test_sqlite_writers import _connect, _lock_is_free
from tests.utils.sqlite_files import wal_database


@pytest.fixture
def database(tmp_path: Path) -> Path:
    sqlite_checkpoints._pending.clear()  # counts of earlier tests' databases do not matter, but start clean
    return wal_database(tmp_path / "portal.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")


def _main_file_pages(database: Path) -> int:
    """Pages in the database file itself: they grow only when a checkpoint copies the log back."""
    return database.stat().st_size // 4096


def _write(connection: sqlite3.Connection, rows: int = 1) -> None:
    connection.executemany("INSERT INTO t (payload) VALUES (?)", [(b"x" * 3000,)] * rows)
    connection.commit()


def test_portal_connections_leave_checkpoints_to_the_portal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 0
    engine.dispose()


def test_a_checkpoint_follows_every_hundredth_write_commit(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_checkpoints, "CHECKPOINT_COMMITS", 10)
    connection = _connect(database)
    before = _main_file_pages(database)
    for _ in range(9):
        _write(connection)
    assert _main_file_pages(database) == before, "checkpointed before it was due (or SQLite's own ran)"
    connection.execute("SELECT count(*) FROM t").fetchall()
    connection.commit()  # a commit without a write turn is not counted
    assert _main_file_pages(database) == before
    _write(connection)
    assert _main_file_pages(database) >= before + 9, "the tenth write commit did not checkpoint the log"
    connection.close()


def test_a_bulk_write_is_checkpointed_at_once(database: Path) -> None:
    connection = _connect(database)
    before = _main_file_pages(database)
    _write(connection, rows=sqlite_checkpoints.CHECKPOINT_ROWS)
    assert _main_file_pages(database) > before + sqlite_checkpoints.CHECKPOINT_ROWS // 2
    connection.close()


def test_the_checkpoint_runs_after_the_writers_lock_is_released(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    original = sqlite_checkpoints.after_write_commit

    def watching(connection: sqlite3.Connection, path: str, changed_rows: int) -> bool:
        seen.append(_lock_is_free(database))
        return original(connection, path, changed_rows)

    monkeypatch.setattr(sqlite_checkpoints, "after_write_commit", watching)
    connection = _connect(database)
    _write(connection)
    connection.isolation_level = None  # autocommit: the statement's own transaction ends the turn
    connection.execute("INSERT INTO t (payload) VALUES (x'00')")
    connection.close()
    assert seen == [True, True]


def _wal_frames(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return max(wal.stat().st_size - 32, 0) // (4096 + 24) if wal.exists() else 0


def _log_while_readers_never_stop(database: Path, commits: int) -> int:
    """The largest log (frames) seen while `commits` write commits run and another thread reads without pause,
    so that some reader nearly always holds a snapshot: SQLite itself then never rewinds the log."""
    stop = threading.Event()

    def read_forever() -> None:
        reader = sqlite3.connect(database, timeout=30)
        while not stop.is_set():
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM t").fetchall()
            time.sleep(0.0005)
            reader.execute("COMMIT")
        reader.close()

    readers = [threading.Thread(target=read_forever) for _ in range(2)]
    for thread in readers:
        thread.start()
    connection, largest = _connect(database), 0
    try:
        for _ in range(commits):
            _write(connection)
            largest = max(largest, _wal_frames(database))
    finally:
        stop.set()
        for thread in readers:
            thread.join()
        connection.close()
    return largest


def test_the_log_is_rewound_even_when_readers_never_stop(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PASSIVE checkpoint never rewinds the log; past RESTART_FRAMES the checkpointing writer holds the writers'
    turn and runs a RESTART checkpoint, so the log stays bounded under any load."""
    monkeypatch.setattr(sqlite_checkpoints, "CHECKPOINT_COMMITS", 10)
    monkeypatch.setattr(sqlite_checkpoints, "RESTART_FRAMES", 100)
    # Each commit adds a page of the table and one of its b-tree: 1,000 commits make about 2,000 frames. A rewind
    # may find a reader holding on for RESTART_WAIT_MS and leave it to the next checkpoint, 10 commits later.
    largest = _log_while_readers_never_stop(database, 1000)
    assert largest < 500, f"the log grew to {largest} frames"
