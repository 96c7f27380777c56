"""SQLite writers take turns on an OS lock: held from a transaction's first write to its end, never by reads."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.db import make_engine, sqlite_writers
from tests.utils.sqlite_files import wal_database


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO t VALUES (1)",
        "  update t SET a = 1",
        "DELETE FROM t",
        "REPLACE INTO t VALUES (1)",
        "WITH picked AS MATERIALIZED (SELECT id FROM t LIMIT 5) UPDATE t SET a = 2 WHERE id IN (SELECT id FROM picked)",
        "WITH x AS (SELECT 1)\nINSERT INTO t SELECT * FROM x",
    ],
)
def test_writes_are_recognised(statement: str) -> None:
    assert sqlite_writers.is_write(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM t",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "PRAGMA journal_mode=WAL",
        "select updated_at from t",
    ],
)
def test_reads_are_not_writes(statement: str) -> None:
    assert not sqlite_writers.is_write(statement)


def _connect(database: Path, timeout: float = 5.0) -> sqlite3.Connection:
    return sqlite3.connect(
        database, timeout=timeout, check_same_thread=False, factory=sqlite_writers.connection_factory(database)
    )


def _lock_is_free(database: Path) -> bool:
    """Whether someone else could take the writers' lock right now."""
    fd = os.open(sqlite_writers.lock_path(database), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return True


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return wal_database(tmp_path / "portal.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER)")


def test_lock_is_held_from_the_first_write_until_commit_and_never_for_reads(database: Path) -> None:
    connection = _connect(database)
    connection.execute("SELECT * FROM t").fetchall()
    assert _lock_is_free(database), "a read took the writers' lock"
    connection.execute("INSERT INTO t (a) VALUES (1)")
    assert not _lock_is_free(database)
    connection.execute("UPDATE t SET a = 2")
    connection.commit()
    assert _lock_is_free(database)
    connection.executemany("INSERT INTO t (a) VALUES (?)", [(3,), (4,)])
    assert not _lock_is_free(database)
    connection.rollback()
    assert _lock_is_free(database)
    connection.execute("DELETE FROM t")
    connection.close()
    assert _lock_is_free(database), "closing a connection in a write transaction kept the lock"


def test_a_second_writer_waits_for_the_first_to_commit_then_writes(database: Path) -> None:
    first, second = _connect(database), _connect(database)
    first.execute("INSERT INTO t (a) VALUES (1)")
    wrote_at: list[float] = []

    def write() -> None:
        second.execute("INSERT INTO t (a) VALUES (2)")
        wrote_at.append(time.monotonic())
        second.commit()

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.2)
    assert wrote_at == [], "the second writer did not wait for the first one's transaction"
    committed_at = time.monotonic()
    first.commit()
    writer.join(5)
    assert wrote_at and wrote_at[0] >= committed_at
    assert wrote_at[0] - committed_at < 0.05, "the waiting writer was not handed the lock promptly"
    assert [row[0] for row in first.execute("SELECT a FROM t ORDER BY id")] == [1, 2]
    first.close()
    second.close()


def test_a_thread_writing_through_two_connections_gets_sqlites_error_not_a_hang(database: Path) -> None:
    first, second = _connect(database), _connect(database, timeout=0.2)
    first.execute("INSERT INTO t (a) VALUES (1)")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO t (a) VALUES (2)")
    assert time.monotonic() - started < 5
    first.commit()
    second.execute("INSERT INTO t (a) VALUES (3)")  # the turn is free again for this thread's other connection
    second.commit()
    assert first.execute("SELECT count(*) FROM t").fetchone() == (2,)
    first.close()
    second.close()


def test_a_killed_writer_process_releases_the_lock(database: Path) -> None:
    script = (
        f"import sqlite3, sys, time; sys.path.insert(0, {str(Path.cwd())!r}); "
        "from portal.db import sqlite_writers;"
        f"c = sqlite3.connect({str(database)!r}, factory=sqlite_writers.connection_factory("
        f"__import__('pathlib').Path({str(database)!r})));"
        "c.execute('INSERT INTO t (a) VALUES (1)'); print('writing', flush=True); time.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "writing"
        assert not _lock_is_free(database)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    assert _lock_is_free(database)
    connection = _connect(database)
    connection.execute("INSERT INTO t (a) VALUES (2)")
    connection.commit()
    assert connection.execute("SELECT a FROM t").fetchall() == [(2,)], "the killed writer's row survived"
    connection.close()


def test_the_portals_engine_takes_turns(tmp_path: Path) -> None:
    database = tmp_path / "engine.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER)"))
    with engine.connect() as connection:
        connection.execute(text("SELECT * FROM t")).all()
        assert _lock_is_free(database)
        connection.execute(text("INSERT INTO t (a) VALUES (1)"))
        assert not _lock_is_free(database)
        connection.commit()
        assert _lock_is_free(database)
        connection.execute(text("UPDATE t SET a = 2"))
    assert _lock_is_free(database), "a connection returned to the pool mid-transaction kept the lock"
    engine.dispose()


def test_one_at_a_time_lets_one_holder_in_and_tells_the_others_to_skip(database: Path) -> None:
    with sqlite_writers.one_at_a_time(database, "sealer") as first:
        with sqlite_writers.one_at_a_time(database, "sealer") as second:
            assert (first, second) == (True, False)
        with sqlite_writers.one_at_a_time(database, "mailer") as other_purpose:
            assert other_purpose, "another purpose's lock is a separate lock"
    with sqlite_writers.one_at_a_time(database, "sealer") as after:
        assert after, "the lock was not released when its holder's block ended"


def test_in_autocommit_mode_each_write_ends_its_own_turn(database: Path) -> None:
    connection = _connect(database)
    connection.isolation_level = None  # every statement commits itself
    connection.execute("INSERT INTO t (a) VALUES (1)")
    assert _lock_is_free(database), "an autocommitted write kept the writers' lock with no commit to come"
    connection.execute("BEGIN")
    connection.execute("INSERT INTO t (a) VALUES (2)")
    assert not _lock_is_free(database), "an explicit transaction's write did not take the lock"
    connection.execute("COMMIT")
    assert _lock_is_free(database), "a COMMIT statement ended the transaction but not the turn"
    connection.close()


def test_a_write_that_starts_with_with_runs_in_the_transaction_it_belongs_to(database: Path) -> None:
    """Python's sqlite3 module opens a transaction before INSERT, UPDATE, DELETE and REPLACE only: a `WITH ..
    UPDATE` committed on its own. The writers' cursor opens the transaction for it, so a rollback undoes it."""
    assert sqlite_writers.needs_begin("WITH picked AS (SELECT id FROM t) UPDATE t SET a = 2")
    assert not sqlite_writers.needs_begin("UPDATE t SET a = 2")
    assert not sqlite_writers.needs_begin("WITH x AS (SELECT 1) SELECT * FROM x")
    connection = _connect(database)
    connection.execute("INSERT INTO t (id, a) VALUES (1, 1)")
    connection.commit()
    connection.execute("WITH picked AS (SELECT id FROM t) UPDATE t SET a = 2 WHERE id IN (SELECT id FROM picked)")
    assert connection.in_transaction and not _lock_is_free(database)
    connection.execute("INSERT INTO t (id, a) VALUES (2, 2)")
    connection.rollback()
    assert connection.execute("SELECT id, a FROM t").fetchall() == [(1, 1)]
    assert _lock_is_free(database)
    connection.close()
