"""The hash-chained audit trail: sealing, verifying, the append-only triggers, and what tampering looks like."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import exc, func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.audit import Actor, audit_row, record, record_rows, seal, verify
from portal.audit.chain import event_hash
from portal.db import get_engine
from portal.models import AuditEvent, AuditSealState
from portal.models.audit import GENESIS_HASH
from tests.utils.queue import REPO_ROOT, postgres_demo_engine, process_env


@pytest.fixture
def engine(portal_env: Path) -> Engine:
    return get_engine()


def _record(engine: Engine, n: int, start: int = 0) -> None:
    with Session(engine) as session:
        for i in range(start, start + n):
            record(
                session,
                action="test.event",
                actor=Actor(account_id=6, role="dpo", origin="test"),
                subject_id=1 + i % 4,
                target_type="request",
                target_id=i,
                details={"n": i},
            )
        session.commit()


def _sealed(engine: Engine, n: int = 10) -> Engine:
    _record(engine, n)
    assert seal(engine) == n
    return engine


def _raw(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def _drop_triggers(engine: Engine) -> None:
    """What an attacker with write access to the database (file) can do."""
    if engine.dialect.name == "postgresql":
        _raw(engine, "DROP TRIGGER audit_event_append_only ON audit_event")
        return
    _raw(engine, "DROP TRIGGER audit_event_sealed_is_final")
    _raw(engine, "DROP TRIGGER audit_event_no_delete")


# --- sealing and verifying ------------------------------------------------------------------------------------


def test_seal_chains_events_in_order_and_verify_accepts_them(engine: Engine) -> None:
    _record(engine, 12)
    assert verify(engine).ok and verify(engine).checked == 0 and verify(engine).unsealed == 12
    assert seal(engine) == 12
    assert seal(engine) == 0, "sealing twice seals nothing twice"
    result = verify(engine)
    assert (result.ok, result.checked, result.unsealed) == (True, 12, 0)
    assert "12 events verified" in result.describe()
    with Session(engine) as session:
        events = list(session.exec(select(AuditEvent).order_by(AuditEvent.seq)).scalars())
        head = session.get(AuditSealState, 1)
    assert [e.seq for e in events] == list(range(1, 13))
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash
    assert head is not None and (head.last_seq, head.last_hash) == (12, events[-1].hash)


def test_a_sealing_turn_with_a_limit_stops_after_whole_batches_and_the_next_turn_goes_on(engine: Engine) -> None:
    _record(engine, 600)
    assert seal(engine, limit=250) == 250
    assert (verify(engine).ok, verify(engine).checked, verify(engine).unsealed) == (True, 250, 350)
    assert seal(engine, limit=1) == 250, "a turn seals at least one whole batch"
    assert seal(engine) == 100
    assert (verify(engine).ok, verify(engine).checked, verify(engine).unsealed) == (True, 600, 0)


def test_unsealed_events_are_counted_not_verified(engine: Engine) -> None:
    _sealed(engine, 5)
    _record(engine, 3, start=5)
    result = verify(engine)
    assert (result.ok, result.checked, result.unsealed) == (True, 5, 3)
    assert "3 not yet sealed" in result.describe()
    assert seal(engine) == 3
    assert (verify(engine).checked, verify(engine).unsealed) == (8, 0)


def test_concurrent_sealers_build_one_chain(engine: Engine) -> None:
    stop, errors = threading.Event(), []

    def sealer() -> None:
        while not stop.is_set():
            try:
                seal(engine)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

    threads = [threading.Thread(target=sealer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for batch in range(20):
        _record(engine, 5, start=batch * 5)
    stop.set()
    for thread in threads:
        thread.join(60)
    seal(engine)
    assert errors == []
    result = verify(engine)
    assert (result.ok, result.checked, result.unsealed) == (True, 100, 0)


def test_sealer_that_loses_the_race_starts_over_from_the_new_head(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sealer hashes outside its write transaction. If another sealer moves the chain head between
    this one's read and its write, the write changes nothing and this one re-hashes from the new head."""
    from portal.audit import chain

    _record(engine, 4)
    interloper_sealed: list[int] = []
    real_digest = chain._digest

    def hash_while_another_sealer_runs(content: dict[str, object], prev_hash: str, seq: int | None) -> str:
        if not interloper_sealed:  # while the first sealer hashes its first event, a second one seals everything
            interloper_sealed.append(0)
            _record(engine, 2, start=4)
            monkeypatch.setattr(chain, "_digest", real_digest)
            interloper_sealed[0] = chain._seal(engine)  # on PostgreSQL the advisory lock would keep it out
        return real_digest(content, prev_hash, seq)

    monkeypatch.setattr(chain, "_digest", hash_while_another_sealer_runs)
    assert chain._seal(engine) == 0, "everything it read had been sealed by the other sealer: it wrote nothing"
    assert interloper_sealed == [6]
    result = verify(engine)
    assert (result.ok, result.checked, result.unsealed) == (True, 6, 0)
    _record(engine, 3, start=6)
    assert seal(engine) == 3
    assert verify(engine).ok and verify(engine).checked == 9


def test_a_second_sealer_skips_its_turn_while_another_one_works(engine: Engine) -> None:
    """PostgreSQL: a transaction-scoped advisory lock; SQLite: a file lock beside the database."""
    from portal.audit import chain
    from portal.db import sqlite_writers

    _record(engine, 3)
    if engine.dialect.name == "postgresql":
        with engine.begin() as other_sealer:
            other_sealer.execute(select(func.pg_try_advisory_xact_lock(chain._SEALER_LOCK)))
            assert seal(engine) == 0, "a second sealer hashed events another sealer was working on"
    else:
        with sqlite_writers.one_at_a_time(Path(engine.url.database or ""), "sealer") as other_sealer:
            assert other_sealer
            assert seal(engine) == 0, "a second sealer hashed events another sealer was working on"
    assert seal(engine) == 3, "the lock was not released when the other sealer finished"
    assert verify(engine).ok


# --- the append-only triggers ---------------------------------------------------------------------------------


def test_database_refuses_to_change_a_sealed_event_or_delete_any(engine: Engine) -> None:
    _sealed(engine, 3)
    _record(engine, 1, start=3)  # one unsealed
    for statement in (
        "UPDATE audit_event SET details = '{\"n\": 99}' WHERE seq = 2",
        "UPDATE audit_event SET action = 'forged' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 3",
        "DELETE FROM audit_event WHERE seq IS NULL",
    ):
        with pytest.raises(exc.DatabaseError, match="audit_event is append-only"):
            _raw(engine, statement)
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == 4
    assert verify(engine).ok
    # an unsealed event may still be updated: that is how the sealer chains it
    _raw(engine, "UPDATE audit_event SET origin = 'test2' WHERE seq IS NULL")


@pytest.mark.postgres
def test_postgres_refuses_to_change_a_sealed_event_or_delete_any(portal_env: Path) -> None:
    with postgres_demo_engine(prefix="audit_test") as pg:
        _sealed(pg, 3)
        for statement in (
            "UPDATE audit_event SET details = '{\"n\": 99}' WHERE seq = 2",
            "DELETE FROM audit_event WHERE seq = 3",
        ):
            with pytest.raises(exc.DatabaseError, match="audit_event is append-only"):
                _raw(pg, statement)
        _record(pg, 2, start=3)
        assert seal(pg) == 2
        result = verify(pg)
        assert (result.ok, result.checked) == (True, 5)


def _awkward_events(engine: Engine) -> None:
    """Events whose canonical form is easy to get wrong: non-ASCII text, nested and empty details, missing
    ids, a timestamp on a whole second (isoformat then drops the microseconds), numbers and booleans."""
    from datetime import UTC, datetime

    with Session(engine) as session:
        for at, details, actor in [
            (datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC), {"name": "Zoë Ärger", "note": "“quoted” ✓ \n"}, None),
            (
                datetime(2026, 3, 1, 0, 0, 0, 123456, tzinfo=UTC),
                {"b": [1, 2.5, True, None], "a": {"z": {}, "y": []}},
                Actor(account_id=None, role="system", origin="worker:héllo"),
            ),
            (
                datetime(2026, 3, 1, 0, 0, 0, 1, tzinfo=UTC),
                {},
                Actor(account_id=5, role="agent", grant_id=7, origin="staff"),
            ),
        ]:
            record_rows(
                session,
                [
                    audit_row(
                        action="test.awkward",
                        actor=actor or Actor(account_id=1, role="customer", origin="portal"),
                        details=details,
                        at=at,
                    )
                ],
            )
        session.commit()


def test_the_sealers_hashes_match_the_orm_loaded_events(engine: Engine) -> None:
    """The sealer hashes the driver's values (converted like the ORM converts them); `verify` re-hashes the
    ORM's objects with `event_hash`: both must give the same digest for every kind of content."""
    _awkward_events(engine)
    assert seal(engine) == 3
    assert verify(engine).ok and verify(engine).checked == 3
    with Session(engine) as session:
        events = list(session.exec(select(AuditEvent).order_by(AuditEvent.seq)).scalars())  # type: ignore[arg-type]
    assert [event.hash for event in events] == [event_hash(event, event.prev_hash or "") for event in events]


def test_the_sealers_hashes_match_the_orm_loaded_events_on_postgres(portal_env: Path) -> None:
    with postgres_demo_engine(prefix="audit_test") as pg:
        _awkward_events(pg)
        assert seal(pg) == 3
        result = verify(pg)
        assert (result.ok, result.checked) == (True, 3)


# --- tampering ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", '{"n": 999}'),
        ("action", "request.completed"),
        ("subject_id", "99"),
        ("at", "2020-01-01 00:00:00.000000"),
    ],
)
def test_altered_event_is_named(engine: Engine, column: str, value: str) -> None:
    _sealed(engine, 10)
    _drop_triggers(engine)
    _raw(engine, f"UPDATE audit_event SET {column} = :value WHERE seq = 4", value=value)
    result = verify(engine)
    assert not result.ok
    assert (result.first_broken_seq, result.checked) == (4, 3)
    assert "altered" in (result.problem or "")
    assert "BROKEN at seq 4" in result.describe()


def test_altered_event_with_recomputed_hash_breaks_the_next_link(engine: Engine) -> None:
    _sealed(engine, 10)
    _drop_triggers(engine)
    with Session(engine) as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.seq == 6)).scalar_one()
        event.details = {"n": 12345}
        forged = event_hash(event, event.prev_hash or "")
    _raw(engine, "UPDATE audit_event SET details = '{\"n\": 12345}', hash = :hash WHERE seq = 6", hash=forged)
    result = verify(engine)
    assert (result.ok, result.first_broken_seq) == (False, 7)
    assert "link" in (result.problem or "")


def test_deleted_middle_event_is_named(engine: Engine) -> None:
    _sealed(engine, 10)
    _drop_triggers(engine)
    _raw(engine, "DELETE FROM audit_event WHERE seq = 5")
    result = verify(engine)
    assert not result.ok
    assert result.first_broken_seq == 6, "the first event after the gap is where the chain breaks"
    assert "removed" in (result.problem or "") and "from 4 to 6" in (result.problem or "")
    assert result.checked == 4


def test_deleted_last_events_are_noticed(engine: Engine) -> None:
    _sealed(engine, 10)
    _drop_triggers(engine)
    _raw(engine, "DELETE FROM audit_event WHERE seq >= 9")
    result = verify(engine)
    assert not result.ok
    assert (result.first_broken_seq, result.checked) == (9, 8)
    assert "removed from the end" in (result.problem or "")


def test_swapped_events_are_noticed(engine: Engine) -> None:
    _sealed(engine, 6)
    _drop_triggers(engine)
    _raw(engine, "UPDATE audit_event SET seq = -1 WHERE seq = 2")
    _raw(engine, "UPDATE audit_event SET seq = 2 WHERE seq = 3")
    _raw(engine, "UPDATE audit_event SET seq = 3 WHERE seq = -1")
    result = verify(engine)
    assert (result.ok, result.first_broken_seq) == (False, 2)


# --- the command line -----------------------------------------------------------------------------------------


def _cli_verify(data_dir: Path) -> subprocess.CompletedProcess[str]:
    # the same database as this test's portal settings (its PostgreSQL database when the suite runs on one)
    env = process_env(data_dir, database_url=os.environ.get("DATABASE_URL"))
    return subprocess.run(
        [sys.executable, "main.py", "audit", "verify"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_audit_verify_command(portal_env: Path, engine: Engine) -> None:
    _sealed(engine, 8)
    _record(engine, 2, start=8)  # the command seals these first
    intact = _cli_verify(portal_env)
    assert intact.returncode == 0, intact.stderr
    assert "audit chain intact: 10 events verified, 0 not yet sealed" in intact.stdout
    _drop_triggers(engine)
    _raw(engine, "UPDATE audit_event SET details = '{\"n\": 0}' WHERE seq = 7")
    broken = _cli_verify(portal_env)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "audit chain BROKEN at seq 7" in broken.stdout
