"""Pooled server connections are checked before use when they sat idle, not at every checkout.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` at every checkout, so a connection the server dropped (a restart,
a failover, an idle timeout) is replaced instead of failing the caller's statement. That is one more round trip
for every unit of work: for a customer's filing, one of three (the statement, the commit), and for each worker
one every 10 ms while it waits for a batch to fill. On the 2-CPU bench machine, where PostgreSQL and the
processes share the CPUs, the pings were a sixth of a filing client's samples.

A connection that was in use less than IDLE_SECONDS ago has just talked to the server, so it is handed out as
it is; one that sat longer is pinged first and, if the server does not answer, replaced (SQLAlchemy retries the
checkout with a new connection). Should the server go away within that second, the statement fails with a
disconnect error, and SQLAlchemy then invalidates every connection of the pool, as it would for a statement
that was running when the server went down: each process meets at most that one error, not one per connection.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

IDLE_SECONDS = 1.0
_RETURNED_AT = "portal_returned_at"


def ping_when_idle(engine: Engine) -> None:
    """Install the check on `engine`'s pool (instead of `pool_pre_ping`)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < IDLE_SECONDS:
            return  # a new connection, or one in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            if dialect.is_disconnect(error, dbapi_connection, None):  # type: ignore[arg-type]  # do_ping may raise any exception; is_disconnect's stub names only DB-API errors
                raise DisconnectionError("the server dropped this pooled connection") from error
            raise
