"""The queue worker: claims one request at a time under a lease, runs its handler, and completes it.

A handler's database work and the completion commit together, and the completion only succeeds while
this worker still holds the lease. So a worker that dies, or stalls until its lease runs out, leaves
nothing behind: another worker claims the request and it completes exactly once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..audit import Actor, record
from ..models import EventKind, PrivacyRequest, RequestEvent, RequestStatus
from ..models.types import utcnow
from . import service
from .registry import JobContext, RejectRequest, get_type

log = logging.getLogger("portal.worker")
MAX_BACKOFF = timedelta(hours=1)


def new_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(self, engine: Engine, *, name: str | None = None, lease: timedelta = timedelta(seconds=30),
                 retry_base: timedelta = timedelta(seconds=5)) -> None:
        self.engine = engine
        self.name = name or new_worker_name()
        self.lease = lease
        self.retry_base = retry_base
        self.actor = Actor(account_id=None, role="system", origin=f"worker:{self.name}"[:64])

    # -- claiming -------------------------------------------------------------------------------------------
    def claim(self) -> int | None:
        """Take the oldest claimable request: queued, failed and due for retry, or processing under an
        expired lease (its worker died). One statement, so two workers can never claim the same row."""
        now = utcnow()
        claimable = or_(
            PrivacyRequest.status == RequestStatus.QUEUED.value,
            and_(PrivacyRequest.status == RequestStatus.FAILED.value, PrivacyRequest.next_attempt_at <= now),
            and_(PrivacyRequest.status == RequestStatus.PROCESSING.value, PrivacyRequest.lease_expires_at < now),
        )
        pick = select(PrivacyRequest.id).where(claimable).order_by(PrivacyRequest.id).limit(1)
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            # SET expressions see the old row, so claimed_from records the status the request left.
            statement = (update(PrivacyRequest).where(PrivacyRequest.id == pick.scalar_subquery(), claimable)
                         .values(claimed_from=PrivacyRequest.status, status=RequestStatus.PROCESSING.value,
                                 lease_owner=self.name, lease_expires_at=now + self.lease,
                                 attempts=PrivacyRequest.attempts + 1, updated_at=now)
                         .returning(PrivacyRequest.id, PrivacyRequest.claimed_from, PrivacyRequest.attempts,
                                    PrivacyRequest.subject_id, PrivacyRequest.type))
            row = connection.execute(statement).first()
            if row is not None:
                self._record_claim(connection, row)
        return int(row[0]) if row else None

    def _record_claim(self, connection: Connection, row: Row[Any]) -> None:
        """The claim is a status change like any other: timeline and audit, in the claiming transaction."""
        request_id, previous, attempts, subject_id, type_key = row
        with Session(bind=connection) as session:
            session.add(RequestEvent(request_id=request_id, at=utcnow(), kind=EventKind.STATUS.value,
                                     from_status=previous, to_status=RequestStatus.PROCESSING.value,
                                     actor_role="system", visible_to_customer=previous == RequestStatus.QUEUED.value,
                                     message=f"Processing (attempt {attempts})"))
            record(session, action="request.processing", actor=self.actor, subject_id=subject_id,
                   target_type="request", target_id=request_id,
                   details={"from": previous, "type": type_key, "attempt": attempts})
            session.flush()

    def claim_specific(self, request_id: int) -> bool:
        """Claim one particular request if it is claimable (used to process a withdrawal immediately)."""
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(update(PrivacyRequest).where(
                PrivacyRequest.id == request_id,
                or_(PrivacyRequest.status == RequestStatus.QUEUED.value,
                    and_(PrivacyRequest.status == RequestStatus.FAILED.value, PrivacyRequest.next_attempt_at <= now)),
            ).values(claimed_from=PrivacyRequest.status, status=RequestStatus.PROCESSING.value,
                     lease_owner=self.name, lease_expires_at=now + self.lease,
                     attempts=PrivacyRequest.attempts + 1, updated_at=now)
              .returning(PrivacyRequest.id, PrivacyRequest.claimed_from, PrivacyRequest.attempts,
                         PrivacyRequest.subject_id, PrivacyRequest.type))
            row = result.first()
            if row is not None:
                self._record_claim(connection, row)
            return row is not None

    def heartbeat(self, request_id: int) -> None:
        """Extend the lease of a long job (call it between chunks of work, outside a write transaction)."""
        with self.engine.begin() as connection:
            connection.execute(update(PrivacyRequest).where(
                PrivacyRequest.id == request_id, PrivacyRequest.lease_owner == self.name,
                PrivacyRequest.status == RequestStatus.PROCESSING.value,
            ).values(lease_expires_at=utcnow() + self.lease))

    def _progress(self, request_id: int, done: int, total: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(PrivacyRequest).where(
                PrivacyRequest.id == request_id, PrivacyRequest.lease_owner == self.name,
            ).values(progress_done=done, progress_total=total, lease_expires_at=utcnow() + self.lease))

    # -- processing -------------------------------------------------------------------------------------------
    def run_one(self) -> bool:
        """Claim and process one request; False when there was nothing to do."""
        request_id = self.claim()
        if request_id is None:
            return False
        self.process(request_id)
        return True

    def process(self, request_id: int) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            request = session.get(PrivacyRequest, request_id)
            if request is None or request.lease_owner != self.name:
                return
            if request.attempts > request.max_attempts:
                self._give_up(session, request, request.last_error or "out of attempts")
                return
            request_type = get_type(request.type)
            context = JobContext(session=session, request=request, now=utcnow(),
                                 heartbeat=lambda: self.heartbeat(request_id),
                                 progress=lambda done, total: self._progress(request_id, done, total))
            try:
                outcome = request_type.handler(context)
                service.transition(session, request, RequestStatus.COMPLETED, actor=self.actor,
                                   expected_owner=self.name, message=outcome, outcome=outcome)
                session.commit()
            except RejectRequest as verdict:
                session.rollback()
                self._reject(request_id, str(verdict))
            except service.ConcurrentChange:
                session.rollback()  # our lease was taken over (or the request canceled): our work is discarded
                log.warning("request %s: lease lost, leaving it to its new owner", request_id)
            except Exception as exc:  # a handler bug or an outage: retry later, never lose the request
                session.rollback()
                log.exception("request %s failed on attempt %s", request_id, request.attempts)
                self._fail(request_id, f"{type(exc).__name__}: {exc}"[:2000])

    def _reject(self, request_id: int, reason: str) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            request = session.get(PrivacyRequest, request_id)
            if request is None:
                return
            try:
                service.transition(session, request, RequestStatus.REJECTED, actor=self.actor,
                                   expected_owner=self.name, message=reason, rejection_reason=reason[:1000],
                                   outcome="Rejected: " + reason[:1000])
            except service.ConcurrentChange:  # our lease was taken over: the new owner decides
                session.rollback()
                return
            session.commit()

    def _fail(self, request_id: int, error: str) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            request = session.get(PrivacyRequest, request_id)
            if request is None or request.lease_owner != self.name:
                return
            if request.attempts >= request.max_attempts:
                self._give_up(session, request, error)
                return
            retry_at = utcnow() + self.backoff(request.attempts)
            service.transition(session, request, RequestStatus.FAILED, actor=self.actor, expected_owner=self.name,
                               message=f"Attempt {request.attempts} failed; retrying at {retry_at:%H:%M:%S} UTC",
                               last_error=error, next_attempt_at=retry_at, lease_owner=None, lease_expires_at=None)
            session.commit()

    def _give_up(self, session: Session, request: PrivacyRequest, error: str) -> None:
        service.transition(session, request, RequestStatus.DEAD_LETTER, actor=self.actor, expected_owner=self.name,
                           message=f"Gave up after {request.attempts} attempts; a staff member will look at it",
                           last_error=error, lease_owner=None, lease_expires_at=None)
        session.commit()

    def backoff(self, attempts: int) -> timedelta:
        return min(self.retry_base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)

    # -- the loop ---------------------------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, poll_seconds: float = 0.5,
            maintenance: list[tuple[float, Callable[[], object]]] | None = None) -> None:
        """Process until `stop` is set. Maintenance tasks (sealing the audit chain, sending email) run
        between jobs at their own intervals."""
        schedule = [(interval, task, 0.0) for interval, task in (maintenance or [])]
        while not stop.is_set():
            try:
                busy = self.run_one()
            except Exception:  # the database is away: wait and try again, the work is safe in the queue
                log.exception("worker %s could not claim work; retrying", self.name)
                busy = False
                stop.wait(2)
            for index, (interval, task, last) in enumerate(schedule):
                if time.monotonic() - last >= interval:
                    try:
                        task()
                    except Exception:
                        log.exception("maintenance task %s failed", getattr(task, "__name__", task))
                    schedule[index] = (interval, task, time.monotonic())
            if not busy:
                service.work_available.wait(poll_seconds)
                service.work_available.clear()
