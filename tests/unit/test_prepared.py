"""Prepared statements (portal/prepared.py) store exactly what SQLAlchemy's own path stores.

On SQLite the hot writes run on the DB-API cursor with the column types' bind processors; on PostgreSQL the
same calls go through SQLAlchemy, except the filing's one statement, which runs on psycopg's cursor
(`NamedPrepared`). Each test writes the same values both ways and compares the stored rows as the database
holds them (raw, before any result processing).
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

from portal.audit import Actor, audit_insert, audit_row
from portal.db import get_engine, prepared
from portal.jobs import register_all
from portal.models import AuditEvent, EventKind, PrivacyRequest
from portal.queue import filing, service
from tests.utils.queue import postgres_demo_engine


@pytest.fixture
def engine(portal_env: Path) -> Engine:
    register_all()
    return get_engine()


def _file(engine: Engine, count: int) -> list[int]:
    actor = Actor(account_id=6, role="dpo", origin="test")
    with Session(engine) as session:
        ids = [
            service.submit(
                session,
                type_key="diagnostic",
                subject_id=6,
                actor=actor,
                payload={"label": "t"},
                idempotency_key=f"prepared-{n}",
                channel="staff",
            )[0].id
            for n in range(count)
        ]
        session.commit()
    return [request_id for request_id in ids if request_id is not None]


def _raw(engine: Engine, table: str, ids: list[int], columns: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(f"SELECT {columns} FROM {table} WHERE id IN ({', '.join(map(str, ids))}) ORDER BY id")
            )
        ]


def _last_ids(engine: Engine, table: str, count: int) -> list[int]:
    with engine.connect() as connection:
        return sorted(connection.execute(text(f"SELECT id FROM {table} ORDER BY id DESC LIMIT {count}")).scalars())


def test_timeline_events_are_stored_as_sqlalchemy_stores_them(engine: Engine) -> None:
    # A timestamp in another zone, a boolean, a NULL and non-ASCII text: every conversion the table needs.
    berlin = timezone(timedelta(hours=1))
    rows = [
        {
            "request_id": None,
            "at": datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=berlin),
            "kind": "status",
            "from_status": None,
            "to_status": "queued",
            "actor_id": 6,
            "actor_role": "dpo",
            "message": "Ärger über «Zeichen» ✓",
            "visible_to_customer": False,
        }
    ]
    rows[0]["request_id"] = _file(engine, 1)[0]
    with engine.begin() as connection:
        prepared.insert_many(connection, filing.events_insert(), rows)
        connection.execute(filing.events_insert(), rows)
    first, second = _raw(
        engine,
        "request_event",
        _last_ids(engine, "request_event", 2),
        "request_id, at, kind, from_status, to_status, actor_id, actor_role, message, visible_to_customer",
    )
    assert first == second
    assert first[5:] == (6, "dpo", "Ärger über «Zeichen» ✓", False if engine.dialect.name == "postgresql" else 0)


def test_audit_events_with_json_details_are_stored_as_sqlalchemy_stores_them(engine: Engine) -> None:
    rows = [
        {
            "at": datetime(2026, 11, 25, 7, 0, tzinfo=UTC),
            "action": "test.prepared",
            "actor_id": None,
            "actor_role": "system",
            "subject_id": 1,
            "grant_id": None,
            "target_type": "request",
            "target_id": "7",
            "origin": "test",
            "details": {"from": "queued", "n": 3, "name": "Zoë", "list": [1, None]},
        }
    ] * 2
    with engine.begin() as connection:
        prepared.insert_many(connection, audit_insert(), rows)
        connection.execute(audit_insert(), rows)
    stored = _raw(
        engine,
        "audit_event",
        _last_ids(engine, "audit_event", 4),
        "at, action, actor_id, actor_role, subject_id, grant_id, target_type, target_id, origin, details",
    )
    assert stored[0] == stored[1] == stored[2] == stored[3]


def test_an_update_keeps_its_own_literal_values_and_counts_the_rows_it_changed(engine: Engine) -> None:
    table = PrivacyRequest.__table__
    statement = (
        update(table)
        .where(  # type: ignore[arg-type]
            table.c.id == bindparam("request_id"),
            table.c.status == "queued",  # type: ignore[attr-defined]
        )
        .values(status="canceled", outcome=bindparam("why"), lease_owner=None)
    )
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
        ("canceled", f"test {ids[0]}", None),
        ("canceled", f"test {ids[1]}", None),
        ("processing", None, None),
    ]


@pytest.mark.postgres
def test_a_filing_through_the_named_statement_is_stored_as_sqlalchemy_stores_it(
    portal_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the filing's one statement on psycopg's cursor, then through SQLAlchemy, with the same
    awkward values (a timestamp in another zone, JSON with non-ASCII text, NULLs): the same rows."""
    with postgres_demo_engine(prefix="prepared_test") as engine:
        assert prepared.supports_named(engine.dialect)
        _file_both_ways_and_compare(engine, monkeypatch)


def _file_both_ways_and_compare(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    berlin = timezone(timedelta(hours=1))
    at = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=berlin)
    actor = Actor(account_id=6, role="dpo", origin="test «ü»")
    events = [
        service.event_row(None, EventKind.STATUS, actor, at=at, to_status="received", message="Ärger über «Zeichen» ✓"),
        service.event_row(
            None, EventKind.STATUS, actor, at=at, from_status="received", to_status="queued", visible=False
        ),
    ]
    audits = [
        audit_row(
            action="request.received",
            actor=actor,
            subject_id=6,
            target_type="request",
            details={"type": "diagnostic", "name": "Zoë", "list": [1, None]},
            at=at,
        )
    ]

    def values(key: str) -> dict[str, Any]:
        return {
            "type": "diagnostic",
            "subject_id": 6,
            "actor_id": 6,
            "actor_role": "dpo",
            "grant_id": None,
            "channel": "staff",
            "payload": {"label": "Ærø"},
            "status": "queued",
            "idempotency_key": key,
            "attempts": 0,
            "max_attempts": 5,
            "progress_done": 0,
            "progress_total": 0,
            "received_at": at,
            "due_at": at + timedelta(days=31),
            "updated_at": at,
        }

    with Session(engine) as session:
        named = filing.write(session, values("named"), events, audits)
        monkeypatch.setattr(prepared, "supports_named", lambda dialect: False)
        plain = filing.write(session, values("plain"), events, audits)
        again = filing.write(session, values("plain"), events, audits)
        session.commit()
    assert named is not None and plain is not None and again is None
    columns = (
        "type, subject_id, actor_id, actor_role, grant_id, channel, payload::text, status, attempts, "
        "received_at, due_at, updated_at"
    )
    assert _raw(engine, "privacy_request", [named], columns) == _raw(engine, "privacy_request", [plain], columns)
    with engine.connect() as connection:

        def stored(request_id: int) -> list[tuple[Any, ...]]:
            timeline = connection.execute(
                text(
                    "SELECT at, kind, from_status, to_status, actor_id, message, visible_to_customer "
                    "FROM request_event WHERE request_id = :r ORDER BY id"
                ),
                {"r": request_id},
            ).all()
            trail = connection.execute(
                text(
                    "SELECT at, action, actor_id, origin, subject_id, details::text FROM audit_event "
                    "WHERE target_id = :r ORDER BY id"
                ),
                {"r": str(request_id)},
            ).all()
            return [tuple(row) for row in [*timeline, *trail]]

        assert stored(named) == stored(plain) and len(stored(named)) == 3


def test_a_named_statement_must_take_every_value_from_the_caller() -> None:
    from sqlalchemy.dialects.postgresql import psycopg

    dialect = psycopg.dialect()
    table = PrivacyRequest.__table__
    with pytest.raises(ValueError, match="supplied by the caller"):
        prepared.prepare_named(
            update(table)
            .where(table.c.id == bindparam("request_id"))  # type: ignore[arg-type, attr-defined]
            .values(status="canceled"),
            dialect,
        )
    assert not prepared.supports_named(sqlite.dialect())
    with pytest.raises(ValueError, match="for psycopg"):
        prepared.prepare_named(update(table).values(status=bindparam("s")), sqlite.dialect())  # type: ignore[arg-type]


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
