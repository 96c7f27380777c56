"""`python main.py queue selftest`: prove that workers are running and complete requests exactly once."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ..audit import Actor
from ..models import Account, PrivacyRequest, RequestEvent, RequestStatus, Role
from ..queue import service
from . import register_all


def run_selftest(engine: Engine, *, count: int, timeout: float = 60) -> int:
    register_all()
    run_id = uuid.uuid4().hex[:8]
    with Session(engine) as session:
        staff = session.exec(select(Account).where(Account.role == Role.DPO.value)).first()
        if staff is None or staff.id is None:
            print("self-test needs a privacy officer account")
            return 1
        actor = Actor(account_id=staff.id, role=staff.role, origin="cli")
        ids = [
            service.submit(
                session,
                type_key="diagnostic",
                subject_id=staff.id,
                actor=actor,
                payload={"label": f"selftest-{run_id}"},
                idempotency_key=f"selftest-{run_id}-{n}",
                channel="staff",
            )[0].id
            for n in range(count)
        ]
        session.commit()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            done = session.exec(
                select(func.count())
                .select_from(PrivacyRequest)
                .where(col(PrivacyRequest.id).in_(ids), col(PrivacyRequest.status) == RequestStatus.COMPLETED.value)
            ).one()
            effects = session.exec(
                select(func.count())
                .select_from(RequestEvent)
                .where(col(RequestEvent.request_id).in_(ids), col(RequestEvent.message) == "diagnostic effect")
            ).one()
        if done == count:
            print(f"self-test passed: {count} requests completed, {effects} effects (exactly once: {effects == count})")
            return 0 if effects == count else 1
        time.sleep(0.25)
    print(f"self-test FAILED: {done} of {count} completed within {timeout:.0f} s — is a worker running?")
    return 1
