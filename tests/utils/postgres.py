"""PostgreSQL for tests: find the server, and give each test its own throw-away schema.

The server is named by PORTAL_TEST_POSTGRES_URL (default: the local `test` database). Other people and
other test runs use that database too, so nothing here touches `public`: every test gets a fresh,
uniquely named schema as its whole world (search_path) and the schema is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import make_url
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_SECONDS = 2


def configured_postgres_url() -> str:
    return os.environ.get("PORTAL_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def describe(url: str) -> str:
    """The URL without its password, for skip reasons and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is still worth showing, minus anything after the scheme's user part
        return url.split("@")[-1]


@cache
def _reachable(url: str) -> bool:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}, pool_pre_ping=False)
    except Exception:  # bad URL or missing driver
        return False
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def reachable(url: str) -> bool:
    """Whether a connection to `url` succeeds within ~2 seconds (probed once per URL and process)."""
    return _reachable(url)


def postgres_url() -> str | None:
    """The configured PostgreSQL URL if a connection succeeds within ~2 seconds, else None.

    The probe runs once per URL and process, so a missing server costs the suite one timeout, not one per test.
    """
    url = configured_postgres_url()
    return url if _reachable(url) else None


@contextmanager
def postgres_schema_engine(url: str, *, prefix: str = "portal_test") -> Iterator[Engine]:
    """An engine whose connections see only a fresh schema (`search_path=<schema>`); dropped on exit."""
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=True,  # survives a server restart
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": f"-csearch_path={schema}"},
        )
        try:
            yield engine
        finally:
            engine.dispose()  # close every pooled connection before the schema goes
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        admin.dispose()


@contextmanager
def postgres_database_engine(url: str, *, prefix: str = "portal_test") -> Iterator[Engine]:
    """An engine on a fresh, uniquely named database of the server (needs the right to CREATE DATABASE); dropped
    on exit. For tests about what VACUUM removes: PostgreSQL keeps dead rows any transaction of the *same* database
    might still see, so in the shared database another test run's open transaction changes the outcome."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(
        url, isolation_level="AUTOCOMMIT", pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    )
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine = create_engine(
            make_url(url).set(database=name),
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
        )
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
