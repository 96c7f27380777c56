"""Erasure completeness: after a withdrawal, no table or column holds the customer's personal values,
except the records the catalogue says must be kept, which are pseudonymised."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlmodel import SQLModel

from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.models import (
    AccessLog,
    Account,
    Device,
    Feedback,
    FinancialAccount,
    IdentityProfile,
    ManualChange,
    Order,
    Payment,
    PaymentCard,
    PrivacyRequest,
    RequestStatus,
    SupportTicket,
    WarrantyClaim,
)
from portal.models.types import utcnow
from portal.queue.handlers import register_all
from portal.services import auth, erasure, receipts
from portal.services.principal import Principal

MARGARET = 4


def _principal(account_id: int) -> Principal:
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None
        return Principal(account_id=account_id, role=account.role, display_name=account.display_name,
                         email=account.email, session_hash="x", session_expires_at=utcnow())


def _personal_values(customer_id: int) -> set[str]:
    """The values that identify the customer, gathered from every category table."""
    values: set[str] = set()
    columns = {
        Account: ["email", "username", "display_name"],
        IdentityProfile: ["full_name", "email", "street", "city", "postcode", "phone", "fax"],
        PaymentCard: ["last4", "holder_name", "processor_token"],
        FinancialAccount: ["account_last4", "holder_name"],
        Order: ["shipping_name", "shipping_address"],
        Payment: ["method"],
        AccessLog: ["ip_address"],
        Feedback: ["text"],
        SupportTicket: ["subject"],
        WarrantyClaim: ["issue"],
        ManualChange: ["description"],
        Device: ["name"],
    }
    with session_scope() as session:
        for table, names in columns.items():
            owner = table.id if table is Account else table.customer_id  # type: ignore[attr-defined]
            for row in session.exec(select(table).where(owner == customer_id)).scalars():
                for name in names:
                    value = getattr(row, name)
                    if isinstance(value, str) and value.strip():
                        values.add(value.strip())
    return values


def _distinctive(customer_id: int) -> set[str]:
    """The customer's values that no other customer shares (a shared product question identifies nobody)."""
    with session_scope() as session:
        others = [a.id for a in session.exec(select(Account).where(Account.id != customer_id)).scalars()]
    shared: set[str] = set()
    for other in others:
        shared |= _personal_values(other)
    return _personal_values(customer_id) - shared


def _occurrences(values: set[str]) -> list[str]:
    """Every table.column whose text contains one of the values (short runs only as whole words)."""
    pattern = re.compile("|".join(rf"(?<![\w]){re.escape(v)}(?![\w])" if len(v) <= 6 else re.escape(v)
                                  for v in sorted(values, key=len, reverse=True)))
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
    values = _distinctive(MARGARET)
    others = _distinctive(1)
    assert len(values) > 20, "the demo customer has data in every category"
    assert _occurrences(values), "the scan finds the values before erasure (it can fail)"
    principal = _principal(MARGARET)
    request_id = erasure.request_withdrawal(principal, password="demo-password", confirmed=True,
                                            idempotency_key="withdraw-test")
    receipt = erasure.process_now(request_id, timeout=30)
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
        outcome = auth.login(session=session, settings=get_settings(), email="margaret@example.com",
                             password="demo-password", client="127.0.0.1")
    assert outcome.outcome == auth.LoginOutcome.INVALID  # the same generic answer as any wrong sign-in
    check = receipts.verify(receipts.as_text(receipt))
    assert check.genuine, check.message


def test_withdrawal_needs_the_password_and_an_explicit_yes(portal_env: Path) -> None:
    register_all()
    principal = _principal(MARGARET)
    with pytest.raises(erasure.WithdrawalError, match="password"):
        erasure.request_withdrawal(principal, password="wrong", confirmed=True, idempotency_key="a")
    with pytest.raises(erasure.WithdrawalError, match="confirm"):
        erasure.request_withdrawal(principal, password="demo-password", confirmed=False, idempotency_key="b")
    with session_scope() as session:
        assert session.exec(select(PrivacyRequest).where(PrivacyRequest.type == "withdrawal")).first() is None
    first = erasure.request_withdrawal(principal, password="demo-password", confirmed=True, idempotency_key="c")
    assert erasure.request_withdrawal(principal, password="demo-password", confirmed=True,
                                      idempotency_key="c") == first  # a double click files it once
    with pytest.raises(erasure.WithdrawalError, match="already in progress"):
        erasure.request_withdrawal(principal, password="demo-password", confirmed=True, idempotency_key="d")


def test_interrupted_erasure_is_finished_by_the_next_worker(portal_env: Path) -> None:
    """A crash after the lock-out and a few categories: the next worker completes the job exactly."""
    from datetime import timedelta

    from portal.queue.worker import Worker
    from portal.services import erasure as erasure_module

    register_all()
    values = _distinctive(MARGARET)
    request_id = erasure.request_withdrawal(_principal(MARGARET), password="demo-password", confirmed=True,
                                            idempotency_key="crash")
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
        outcome = auth.login(session=session, settings=get_settings(), email="margaret@example.com",
                             password="demo-password", client="127.0.0.1")
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
