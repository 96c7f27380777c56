"""Pooled PostgreSQL connections are pinged before use only after sitting idle (portal.db.pool_ping)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from portal.db import make_engine, pool_ping
from tests.utils.postgres import postgres_schema_engine
from tests.utils.queue import require_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine() -> Iterator[Engine]:
    url = require_postgres()
    with postgres_schema_engine(url, prefix="ping_test") as schema_engine:
        portal_engine = make_engine(schema_engine.url.render_as_string(hide_password=False), pool_size=1)
        yield portal_engine
        portal_engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(pid: int) -> None:
    admin = create_engine(require_postgres(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid}, 5000)").scalar_one()
    admin.dispose()


def _count_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real_ping = engine.dialect.do_ping

    def counting(dbapi_connection: object) -> bool:
        pings.append(1)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pings


def test_a_connection_in_use_a_moment_ago_is_not_pinged_one_that_sat_idle_is(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(engine, monkeypatch)
    first = _backend_pid(engine)  # a new connection: nothing to check
    assert _backend_pid(engine) == first and pings == [], "a connection just returned was pinged"
    monkeypatch.setattr(pool_ping, "IDLE_SECONDS", 0.0)
    assert _backend_pid(engine) == first and pings == [1], "a connection that sat idle was not checked"


def test_an_idle_connection_the_server_dropped_is_replaced_before_anyone_uses_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(engine)
    _terminate(first)
    monkeypatch.setattr(pool_ping, "IDLE_SECONDS", 0.0)
    assert _backend_pid(engine) != first  # no error reached the caller


def test_a_connection_dropped_right_after_use_fails_one_statement_then_the_pool_recovers(engine: Engine) -> None:
    """The price of not pinging every checkout: within IDLE_SECONDS of its last use a dropped connection is
    handed out, its statement fails with a disconnect error, and SQLAlchemy replaces the pool's connections."""
    first = _backend_pid(engine)
    _terminate(first)
    with pytest.raises(DBAPIError) as failure:
        _backend_pid(engine)
    assert failure.value.connection_invalidated
    assert _backend_pid(engine) != first
