"""Prepared statements (portal/prepared.py) store exactly what SQLAlchemy's own path stores.

On SQLite the hot writes run on the DB-API cursor with the column types' bind processors; on PostgreSQL the
same calls go through SQLAlchemy. Each test writes the same values both ways and compares the stored rows
as the database holds them (raw, before any result processing).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal import prepared
from portal.audit import Actor, audit_insert
from portal.db import get_engine
from portal.models import AuditEvent, PrivacyRequest
from portal.queue import filing, service
from portal.queue.handlers import register_all


@pytest.fixture
def engine(portal_env: Path) -> Engine:
    register_all()
    return get_engine()


def _file(engine: Engine, count: int) -> list[int]:
    actor = Actor(account_id=6, role="dpo", origin="test")
    with Session(engine) as session:
        ids = [service.submit(session, type_key="diagnostic", subject_id=6, actor=actor, payload={"label": "t"},
                              idempotency_key=f"prepared-{n}", channel="staff")[0].id for n in range(count)]
        session.commit()
    return [request_id for request_id in ids if request_id is not None]


def _raw(engine: Engine, table: str, ids: list[int], columns: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            text(f"SELECT {columns} FROM {table} WHERE id IN ({', '.join(map(str, ids))}) ORDER BY id"))]


def _last_ids(engine: Engine, table: str, count: int) -> list[int]:
    with engine.connect() as connection:
        return sorted(connection.execute(text(f"SELECT id FROM {table} ORDER BY id DESC LIMIT {count}")).scalars())


def test_timeline_events_are_stored_as_sqlalchemy_stores_them(engine: Engine) -> None:
    # A timestamp in another zone, a boolean, a NULL and non-ASCII text: every conversion the table needs.
    berlin = timezone(timedelta(hours=1))
    rows = [{"request_id": None, "at": datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=berlin), "kind": "status",
             "from_status": None, "to_status": "queued", "actor_id": 6, "actor_role": "dpo",
             "message": "Ärger über «Zeichen» ✓", "visible_to_customer": False}]
    rows[0]["request_id"] = _file(engine, 1)[0]
    with engine.begin() as connection:
        prepared.insert_many(connection, filing.events_insert(), rows)
        connection.execute(filing.events_insert(), rows)
    first, second = _raw(engine, "request_event", _last_ids(engine, "request_event", 2),
                         "request_id, at, kind, from_status, to_status, actor_id, actor_role, message, "
                         "visible_to_customer")
    assert first == second
    assert first[5:] == (6, "dpo", "Ärger über «Zeichen» ✓", False if engine.dialect.name == "postgresql" else 0)


def test_audit_events_with_json_details_are_stored_as_sqlalchemy_stores_them(engine: Engine) -> None:
    rows = [{"at": datetime(2026, 11, 25, 7, 0, tzinfo=UTC), "action": "test.prepared", "actor_id": None,
             "actor_role": "system", "subject_id": 1, "grant_id": None, "target_type": "request", "target_id": "7",
             "origin": "test", "details": {"from": "queued", "n": 3, "name": "Zoë", "list": [1, None]}}] * 2
    with engine.begin() as connection:
        prepared.insert_many(connection, audit_insert(), rows)
        connection.execute(audit_insert(), rows)
    stored = _raw(engine, "audit_event", _last_ids(engine, "audit_event", 4),
                  "at, action, actor_id, actor_role, subject_id, grant_id, target_type, target_id, origin, details")
    assert stored[0] == stored[1] == stored[2] == stored[3]


def test_an_update_keeps_its_own_literal_values_and_counts_the_rows_it_changed(engine: Engine) -> None:
    table = PrivacyRequest.__table__
    statement = update(table).where(  # type: ignore[arg-type]
        table.c.id == bindparam("request_id"), table.c.status == "queued",  # type: ignore[attr-defined]
    ).values(status="canceled", outcome=bindparam("why"), lease_owner=None)
    ids = _file(engine, 3)  # queued
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE privacy_request SET lease_owner = 'w' WHERE id IN ({ids[0]}, {ids[1]})"))
        connection.execute(text(f"UPDATE privacy_request SET status = 'processing' WHERE id = {ids[2]}"))
        rows = [{"request_id": request_id, "why": f"test {request_id}"} for request_id in ids]
        if prepared.supported(connection.dialect):
            changed = prepared.prepare(statement, connection.dialect).execute_many(connection, rows)
            assert changed == 2, "the request that was not queued is left alone and not counted"
        else:
            prepared.execute_many(connection, statement, rows)
    assert _raw(engine, "privacy_request", ids, "status, outcome, lease_owner") == [
        ("canceled", f"test {ids[0]}", None), ("canceled", f"test {ids[1]}", None), ("processing", None, None)]


def test_an_insert_that_would_need_sqlalchemy_defaults_is_refused() -> None:
    # privacy_request's `attempts` has a default only SQLAlchemy's own execution would fill in.
    with pytest.raises(ValueError, match="values needed for attempts"):
        prepared.prepare(insert(PrivacyRequest.__table__), sqlite.dialect(), ("type", "subject_id"))  # type: ignore[arg-type]


def test_only_positional_paramstyles_are_prepared() -> None:
    assert prepared.supported(sqlite.dialect())
    assert not prepared.supported(postgresql.dialect())
    with pytest.raises(ValueError, match="positional paramstyle"):
        prepared.prepare(insert(AuditEvent.__table__), postgresql.dialect(), ("action",))  # type: ignore[arg-type]


def test_a_repeated_value_is_converted_once_and_a_changed_one_again() -> None:
    """Rows of a batch share one `now`: its conversion is remembered. A mutable value (JSON details) is
    converted every time, so changing it between rows is never missed."""
    statement = prepared.prepare(audit_insert(), sqlite.dialect(), ("at", "action", "details"))
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    details: dict[str, Any] = {"type": "diagnostic"}
    first = statement.parameters({"at": at, "action": "a", "details": details})
    details["type"] = "export"
    second = statement.parameters({"at": at, "action": "b", "details": details})
    later = statement.parameters({"at": at + timedelta(microseconds=1), "action": "c", "details": details})
    names = statement.names
    assert first[names.index("details")] == '{"type": "diagnostic"}'
    assert second[names.index("details")] == '{"type": "export"}'
    assert first[names.index("at")] == second[names.index("at")] == "2026-03-01 12:00:00.000000"
    # Remembered, not converted again: the very same text object (a new conversion makes a new string).
    assert first[names.index("at")] is second[names.index("at")]
    assert later[names.index("at")] == "2026-03-01 12:00:00.000001"
    assert [row[names.index("action")] for row in (first, second, later)] == ["a", "b", "c"]
