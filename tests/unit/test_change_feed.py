"""The database's change feed (portal/db/change_feed.py): every process hears that something was written, by whom
ever it was written, and hears nothing while nothing is written.

Waits below are deadlines against "never" (a loaded machine only makes them wait longer), not speed checks."""

from __future__ import annotations

import queue
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Integer, column, insert, table, text
from sqlalchemy.engine import Engine

from portal.db import make_engine
from portal.db.change_feed import PostgresFeed, SqliteFeed, open_feed, publish_writes, tables_of
from tests.utils.postgres import postgres_schema_engine
from tests.utils.queue import require_postgres

NEVER = 20.0  # seconds: how long "it never came" is waited for


def _listening(feed: SqliteFeed | PostgresFeed) -> queue.Queue[frozenset[str] | None]:
    heard: queue.Queue[frozenset[str] | None] = queue.Queue()
    feed.start(heard.put)
    return heard


def test_sqlite_a_commit_by_another_process_is_heard_and_silence_is_silence(tmp_path: Path) -> None:
    path = tmp_path / "feed.db"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.commit()
    feed = SqliteFeed(str(path))
    heard = _listening(feed)
    try:
        # Nothing written: several looks go by (SQLITE_LOOK_SECONDS each) and nothing is heard.
        with pytest.raises(queue.Empty):
            heard.get(timeout=1.5)
        writer.execute("INSERT INTO t VALUES (1)")
        writer.commit()
        assert heard.get(timeout=NEVER) is None  # SQLite cannot tell which table: "something changed"
        writer.execute("INSERT INTO t VALUES (2)")  # written but not committed: nothing to hear
        with pytest.raises(queue.Empty):
            heard.get(timeout=1.5)
        writer.rollback()
    finally:
        feed.stop()
        writer.close()


def test_in_memory_sqlite_has_no_feed_and_a_file_has_one(tmp_path: Path) -> None:
    assert open_feed(make_engine("sqlite://")) is None
    assert isinstance(open_feed(make_engine(f"sqlite:///{tmp_path / 'x.db'}")), SqliteFeed)


def test_the_payload_names_tables_or_says_anything() -> None:
    assert tables_of("account,auth_session") == frozenset({"account", "auth_session"})
    assert tables_of("*") is None


# ------------------------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    url = require_postgres()
    with postgres_schema_engine(url, prefix="feed_test") as engine:
        publish_writes(engine)  # what make_engine does for every PostgreSQL engine of the portal
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE feed_probe (x INTEGER)")
            connection.exec_driver_sql("CREATE TABLE feed_other (x INTEGER)")
        yield engine


def _next_about_probe(heard: queue.Queue[frozenset[str] | None]) -> frozenset[str] | None:
    """The next notice naming this test's tables (or 'anything'), skipping other tests' notices on the server."""
    while True:
        tables = heard.get(timeout=NEVER)
        if tables is None or tables & {"feed_probe", "feed_other"}:
            return tables


@pytest.mark.postgres
def test_postgres_a_committed_write_names_its_tables_and_a_rolled_back_one_says_nothing(pg_engine: Engine) -> None:
    feed = open_feed(pg_engine)
    assert isinstance(feed, PostgresFeed)
    heard = _listening(feed)
    try:
        assert heard.get(timeout=NEVER) is None  # on (re)connecting: whatever happened before is unknown
        # A write that rolls back sends nothing: NOTIFY is part of the transaction.
        with pg_engine.connect() as connection:
            connection.execute(text("INSERT INTO feed_other VALUES (1)"))
            connection.rollback()
        # A committed write names its tables (compiled statements know theirs), once per transaction.
        probe = table("feed_probe", column("x", Integer))
        other = table("feed_other", column("x", Integer))
        with pg_engine.begin() as connection:
            connection.execute(insert(probe).values(x=1))
            connection.execute(insert(other).values(x=2))
        assert _next_about_probe(heard) == frozenset({"feed_probe", "feed_other"})
        # Plain SQL cannot be read for its tables: it says "something changed".
        with pg_engine.begin() as connection:
            connection.exec_driver_sql("UPDATE feed_probe SET x = 3")
        assert _next_about_probe(heard) is None
        # A read sends nothing; the next notice heard is the one after it.
        with pg_engine.begin() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM feed_probe")
        with pg_engine.begin() as connection:
            connection.execute(insert(other).values(x=4))
        assert _next_about_probe(heard) == frozenset({"feed_other"})
    finally:
        feed.stop()
