"""Writing a new request with its first timeline and audit events: the hottest write of the portal.

Every customer action files a request, so this is where the queue's throughput is decided. The request row
goes in with INSERT .. ON CONFLICT (subject, idempotency key) DO NOTHING, so a repeated key answers "already
filed" without an error that would spoil the caller's transaction. On PostgreSQL the request, its events and
its audit events are one statement (data-modifying CTEs): one round trip instead of three. Elsewhere they are
three statements: the request, then its events and its audit events each as one executemany. On SQLite the
three run as prepared statements on the DB-API cursor (`portal.db.prepared`): SQLAlchemy's per-statement work
would cost as much again as SQLite's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, String, Table, bindparam, cast, insert, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ..audit import audit_insert
from ..db import prepared
from ..models import AuditEvent, PrivacyRequest, RequestEvent
from ..models.types import table_of

_INSERT_ONCE: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "sqlite": sqlite_insert,
    "postgresql": postgresql_insert,
}
_REQUESTS = table_of(PrivacyRequest)
_EVENTS = table_of(RequestEvent)
_AUDITS = table_of(AuditEvent)


def write(
    session: Session, values: dict[str, Any], events: list[dict[str, Any]], audits: list[dict[str, Any]]
) -> int | None:
    """Insert the request (`values`) with its timeline `events` and `audits` (rows whose request id and
    target id are filled in here); the new request's id, or None when its idempotency key was used before
    (then nothing is written)."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        params = dict(values)
        for prefix, rows, skip in (("e", events, "request_id"), ("a", audits, "target_id")):
            for index, row in enumerate(rows):
                params.update({f"{prefix}{index}_{key}": value for key, value in row.items() if key != skip})
        statement = _one_statement(tuple(values), tuple(events[0]), len(events), tuple(audits[0]), len(audits))
        if prepared.supports_named(connection.dialect):
            filed = prepared.prepare_named(statement, connection.dialect).fetch_one(connection, params)
            return None if filed is None else int(filed[0])
        return connection.execute(statement, params).scalar_one_or_none()
    if prepared.supported(connection.dialect):
        return _write_prepared(session, values, events, audits)
    request_id = _insert_once(session, values)
    if request_id is not None:
        connection.execute(events_insert(), [{**row, "request_id": request_id} for row in events])
        connection.execute(audit_insert(), [{**row, "target_id": str(request_id)} for row in audits])
    return request_id


def _write_prepared(
    session: Session, values: dict[str, Any], events: list[dict[str, Any]], audits: list[dict[str, Any]]
) -> int | None:
    """SQLite: the same three statements as the generic path, on the DB-API cursor. Every value is converted
    before the first write, which takes SQLite's only write lock until the caller commits; only the new id
    is filled in under it."""
    connection = session.connection()
    dialect = connection.dialect
    request_insert = prepared.prepare(_insert_statement(dialect.name), dialect, tuple(values))
    event_insert = prepared.prepare(events_insert(), dialect, tuple(events[0]))
    audit_insert_ = prepared.prepare(audit_insert(), dialect, tuple(audits[0]))
    request_row = request_insert.parameters(values)
    event_rows = [event_insert.parameters(event) for event in events]
    audit_rows = [audit_insert_.parameters(audit) for audit in audits]
    row = request_insert.fetch_one(connection, request_row)
    if row is None:
        return None
    request_id = int(row[0])
    event_insert.execute_converted(
        connection, [event_insert.with_value(r, "request_id", request_id) for r in event_rows]
    )
    audit_insert_.execute_converted(
        connection, [audit_insert_.with_value(r, "target_id", str(request_id)) for r in audit_rows]
    )
    return request_id


def _insert_once(session: Session, values: dict[str, Any]) -> int | None:
    """SQLite: INSERT .. ON CONFLICT DO NOTHING. Other databases: a savepoint around a plain INSERT."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect in _INSERT_ONCE:
        return connection.execute(_insert_statement(dialect), values).scalar_one_or_none()
    try:
        with session.begin_nested():
            return connection.execute(_insert_statement(dialect), values).scalar_one()
    except IntegrityError:  # the same key filed before (or concurrently): the caller answers with that one
        return None


@cache
def _insert_statement(dialect: str) -> Insert:
    """Built once per dialect and executed with parameters: building it with the values inlined costs
    more than the INSERT itself."""
    returning_id = _REQUESTS.c.id
    if dialect in _INSERT_ONCE:
        return (
            _INSERT_ONCE[dialect](_REQUESTS)
            .on_conflict_do_nothing(index_elements=["subject_id", "idempotency_key"])
            .returning(returning_id)
        )
    return insert(_REQUESTS).returning(returning_id)


@cache
def events_insert() -> Insert:
    """Timeline events, built once like `audit_insert`."""
    return insert(_EVENTS)


@cache
def _one_statement(
    request_columns: tuple[str, ...],
    event_columns: tuple[str, ...],
    event_count: int,
    audit_columns: tuple[str, ...],
    audit_count: int,
) -> Select[Any]:
    """PostgreSQL: WITH filed AS (INSERT request .. ON CONFLICT DO NOTHING RETURNING id), events AS (INSERT
    .. SELECT filed.id, ..), audits AS (INSERT .. SELECT ..) SELECT id FROM filed. When the key was used
    before, `filed` is empty and so are the other two inserts. Each value is a typed parameter
    (e0_message, a1_details, ..): a bare NULL in a SELECT list would otherwise be text to PostgreSQL."""
    filed = (
        postgresql_insert(_REQUESTS)
        .values({key: bindparam(key) for key in request_columns})
        .on_conflict_do_nothing(index_elements=["subject_id", "idempotency_key"])
        .returning(_REQUESTS.c.id)
        .cte("filed")
    )

    def rows(prefix: str, table: Any, names: tuple[str, ...], count: int, from_filed: dict[str, Any]) -> Any:
        columns = [table.c[name] for name in names]
        selects = [
            select(
                *[
                    from_filed[column.key]
                    if column.key in from_filed
                    else cast(bindparam(f"{prefix}{index}_{column.key}", type_=column.type), column.type)
                    for column in columns
                ]
            ).select_from(filed)
            for index in range(count)
        ]
        return insert(table).from_select(
            [column.key for column in columns], selects[0] if count == 1 else union_all(*selects)
        )

    events = rows("e", _EVENTS, event_columns, event_count, {"request_id": filed.c.id}).cte("filed_events")
    audits = rows("a", _AUDITS, audit_columns, audit_count, {"target_id": cast(filed.c.id, String)}).cte("filed_audits")
    return select(filed.c.id).add_cte(events, audits)
