"""Database engine and sessions: SQLite (WAL, foreign keys) by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from ..config import get_settings
from . import change_feed, pool_ping, sqlite_writers

_engine: Engine | None = None
log = logging.getLogger("portal.db")


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30}
        database = make_url(url).database
        if database and database != ":memory:":
            connect_args["factory"] = sqlite_writers.connection_factory(Path(database))
        engine = create_engine(url, connect_args=connect_args)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the worker's writes
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses no committed txn
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted rows are overwritten with zeros, not left readable in free space: a withdrawal promises
            # immediate deletion, and a copy of the file (a backup, a disk) must not hold the data afterwards.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()
            # SQLite's own lower() folds only ASCII; the text filter must match "Ärger" as well as "ärger".
            dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow)
    # A connection the server dropped (a restart, a failover) is replaced, not handed out: checked when it sat idle.
    pool_ping.ping_when_idle(engine)
    # Every committed write tells the other processes which tables changed (NOTIFY; portal/db/change_feed.py).
    change_feed.publish_writes(engine)
    return engine


def wait_for_database(engine: Engine, *, timeout: float) -> None:
    """Return once the database answers; retry with growing pauses until `timeout` seconds have passed, then
    raise the last error. A worker process started while PostgreSQL restarts (or before it is up) waits for
    it instead of exiting."""
    deadline, pause = time.monotonic() + timeout, 0.5
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except OperationalError as error:
            if time.monotonic() + pause > deadline:
                raise
            log.warning(
                "database not reachable (%s); retrying in %.1f s", str(error.orig or error).splitlines()[0], pause
            )
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def purge_write_ahead_log(engine: Engine, *, attempts: int = 3, wait_seconds: float = 5.0) -> bool:
    """SQLite: copy the write-ahead log into the database file and truncate it to nothing, so the earlier
    versions of pages it holds (rows just deleted, among them) are gone from disk. Returns whether it did.

    The truncating checkpoint needs a moment without writers and without readers of older snapshots; it waits
    up to `wait_seconds` for one (writers wait meanwhile), `attempts` times. Elsewhere (PostgreSQL) there is
    nothing to do here: dead rows are reclaimed by VACUUM (docs/operators.md)."""
    if engine.dialect.name != "sqlite":
        return True
    for attempt in range(attempts):
        with engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
            try:
                busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            finally:
                connection.exec_driver_sql("PRAGMA busy_timeout=30000")
        if not busy:
            return True
        log.warning("write-ahead log not truncated (attempt %s of %s): the database stayed busy", attempt + 1, attempts)
    return False


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        settings = get_settings()
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        _engine = make_engine(
            settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
    return _engine


def dispose_engine() -> None:
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = None


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
