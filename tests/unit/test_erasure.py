"""Erasure completeness: after a withdrawal, no table or column holds the customer's personal values,
except the records the catalogue says must be kept, which are pseudonymised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlmodel import SQLModel

from portal.config import get_settings
from portal.db import get_engine, purge_write_ahead_log, session_scope
from portal.jobs import inline, register_all
from portal.models import (
    Account,
    Order,
    PrivacyRequest,
    RequestEvent,
    RequestStatus,
)
from portal.models.types import utcnow
from portal.services.identity import auth
from portal.services.rights import erasure, receipts
from tests.utils.personal_values import distinctive, value_pattern
from tests.utils.principals import principal_for

MARGARET = 4


def _occurrences(values: set[str]) -> list[str]:
    """Every table.column whose text contains one of the values (short runs only as whole words)."""
    pattern = value_pattern(values)
    found = []
    with get_engine().connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for column in (c.name for c in table.columns):  # every column: a value can hide anywhere
                for (cell,) in connection.execute(text(f'SELECT "{column}" FROM "{table.name}"')):
                    if isinstance(cell, dict | list):
                        cell = json.dumps(cell, ensure_ascii=False)
                    if isinstance(cell, str) and (match := pattern.search(cell)):
                        found.append(f"{table.name}.{column} holds {match.group(0)!r}")
    return found


def test_withdrawal_erases_every_personal_value_and_locks_the_account(portal_env: Path) -> None:
    register_all()
    values = distinctive(MARGARET)
    others = distinctive(1)
    assert len(values) > 20, "the demo customer has data in every category"
    assert _occurrences(values), "the scan finds the values before erasure (it can fail)"
    principal = principal_for(MARGARET)
    request_id = erasure.request_withdrawal(
        principal, password="demo-password", confirmed=True, idempotency_key="withdraw-test"
    )
    receipt = inline.process_now(request_id, timeout=30)
    assert receipt, "the erasure runs immediately and hands back a receipt"
    leftovers = _occurrences(values)
    assert leftovers == [], "\n".join(leftovers)
    assert _occurrences(others), "another customer's data is untouched"
    with session_scope() as session:
        kept_orders = session.exec(select(Order).where(Order.customer_pseudonym == receipts.pseudonym(MARGARET)))
        kept = list(kept_orders.scalars())
        assert kept and all(o.customer_id is None and o.shipping_name == "" for o in kept)
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == RequestStatus.COMPLETED.value
        outcome = auth.login(
            session=session,
            settings=get_settings(),
            email="margaret@example.com",
            password="demo-password",
            client="127.0.0.1",
        )
    assert outcome.outcome == auth.LoginOutcome.INVALID  # the same generic answer as any wrong sign-in
    check = receipts.verify(receipts.as_text(receipt))
    assert check.genuine, check.message


def test_withdrawal_needs_the_password_and_an_explicit_yes(portal_env: Path) -> None:
    register_all()
    principal = principal_for(MARGARET)
    with pytest.raises(erasure.WithdrawalError, match="password"):
        erasure.request_withdrawal(principal, password="wrong", confirmed=True, idempotency_key="a")
    with pytest.raises(erasure.WithdrawalError, match="confirm"):
        erasure.request_withdrawal(principal, password="demo-password", confirmed=False, idempotency_key="b")
    with session_scope() as session:
        assert session.exec(select(PrivacyRequest).where(PrivacyRequest.type == "withdrawal")).first() is None
    first = erasure.request_withdrawal(principal, password="demo-password", confirmed=True, idempotency_key="c")
    assert (
        erasure.request_withdrawal(principal, password="demo-password", confirmed=True, idempotency_key="c") == first
    )  # a double click files it once
    with pytest.raises(erasure.WithdrawalError, match="already in progress"):
        erasure.request_withdrawal(principal, password="demo-password", confirmed=True, idempotency_key="d")


def test_interrupted_erasure_is_finished_by_the_next_worker(portal_env: Path) -> None:
    """A crash after the lock-out and a few categories: the next worker completes the job exactly."""
    from datetime import timedelta

    from portal.queue.worker import Worker
    from portal.services.rights import erasure as erasure_module

    register_all()
    values = distinctive(MARGARET)
    request_id = erasure.request_withdrawal(
        principal_for(MARGARET), password="demo-password", confirmed=True, idempotency_key="crash"
    )
    original = erasure_module._scrub_traces
    calls = {"n": 0}

    def crash(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        raise SystemExit("worker killed")  # not an Exception: the worker must not get to handle it

    erasure_module._scrub_traces = crash  # type: ignore[assignment]
    worker = Worker(get_engine(), name="doomed", lease=timedelta(seconds=1))
    try:
        assert worker.claim_specific(request_id)
        with pytest.raises(SystemExit):
            worker.process(request_id)
    finally:
        erasure_module._scrub_traces = original  # type: ignore[assignment]
    with session_scope() as session:
        account = session.get(Account, MARGARET)
        assert account is not None and account.deactivated_at is not None, "locked out before anything else"
        outcome = auth.login(
            session=session,
            settings=get_settings(),
            email="margaret@example.com",
            password="demo-password",
            client="127.0.0.1",
        )
        assert outcome.outcome == auth.LoginOutcome.INVALID
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        request.lease_expires_at = utcnow() - timedelta(seconds=1)  # the dead worker's lease runs out
        session.add(request)
    rescuer = Worker(get_engine(), name="rescuer")
    assert rescuer.run_one()
    assert _occurrences(values) == []
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == RequestStatus.COMPLETED.value


def _remnants(data_dir: Path, values: set[str]) -> list[str]:
    """Values still readable in the database's files on disk: the database file itself, and the write-ahead
    log, whose old frames hold earlier versions of pages. Only values of 8 or more bytes are looked for, so a
    short value (a postcode, four card digits) cannot match unrelated bytes by chance."""
    found = []
    for path in sorted(data_dir.glob("portal.db*")):
        if path.suffix in (".lock",) or path.name.endswith("-shm"):
            continue  # lock files hold nothing; the shared-memory index holds page numbers, not content
        content = path.read_bytes()
        found += [
            f"{path.name} holds {value!r}"
            for value in sorted(values)
            if len(value.encode()) >= 8 and value.encode() in content
        ]
    return found


def test_withdrawal_leaves_no_readable_remnant_in_the_database_files(portal_env: Path) -> None:
    """Deleted rows stay readable in SQLite's free space and in the write-ahead log unless they are overwritten:
    anyone with a copy of the files (a backup, a stolen disk) could read them. After a withdrawal they are gone."""
    if get_engine().dialect.name != "sqlite":
        pytest.skip("the files checked are SQLite's; PostgreSQL's dead rows are left to VACUUM (docs/operators.md)")
    register_all()
    values = distinctive(MARGARET)
    data_dir = get_settings().data_dir
    assert _remnants(data_dir, values), "the scan finds the values on disk before erasure (it can fail)"
    request_id = erasure.request_withdrawal(
        principal_for(MARGARET), password="demo-password", confirmed=True, idempotency_key="withdraw-remnants"
    )
    assert inline.process_now(request_id, timeout=30)
    leftovers = _remnants(data_dir, values)
    assert leftovers == [], "\n".join(leftovers)


def test_a_busy_log_does_not_hold_up_the_withdrawal_and_staff_see_why(
    portal_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_all()
    monkeypatch.setattr(erasure, "purge_write_ahead_log", lambda engine: False)
    request_id = erasure.request_withdrawal(
        principal_for(MARGARET), password="demo-password", confirmed=True, idempotency_key="withdraw-busy-log"
    )
    assert inline.process_now(request_id, timeout=30)
    with session_scope() as session:
        notes = session.exec(
            select(RequestEvent.message, RequestEvent.visible_to_customer).where(
                RequestEvent.request_id == request_id, RequestEvent.message == erasure.LOG_BUSY
            )
        ).all()
    assert [tuple(note) for note in notes] == [(erasure.LOG_BUSY, False)], "an internal note, once"


def test_purging_the_log_leaves_it_empty(portal_env: Path) -> None:
    if get_engine().dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no write-ahead log file of the portal's to truncate")
    with get_engine().begin() as connection:  # something in the log
        connection.exec_driver_sql("UPDATE account SET display_name = display_name || ' '")
    wal = get_settings().data_dir / "portal.db-wal"
    assert wal.exists() and wal.stat().st_size > 0
    assert purge_write_ahead_log(get_engine())
    assert wal.stat().st_size == 0
