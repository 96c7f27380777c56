"""The queue worker: claims one request at a time under a lease, runs its handler, and completes it.

A handler's database work and the completion commit together, and the completion only succeeds while
this worker still holds the lease. So a worker that dies, or stalls until its lease runs out, leaves
nothing behind: another worker claims the request and it completes exactly once.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Integer,
    Row,
    Select,
    String,
    Update,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..audit import Actor
from ..models import AuditEvent, EventKind, PrivacyRequest, RequestEvent, RequestStatus
from ..models.types import UTCDateTime, utcnow
from . import service
from .registry import JobContext, RejectRequest, get_type, type_keys

log = logging.getLogger("portal.worker")
MAX_BACKOFF = timedelta(hours=1)
BATCH_SIZE = 100  # quick requests claimed and completed per transaction, at most
# After a batch, wait up to this long before claiming again (unless a full batch is waiting), so that under a
# steady stream of requests batches fill up instead of the worker taking the database's write lock for every one or two
# requests (on SQLite every write transaction makes the others wait; on PostgreSQL every commit waits for the
# disk). A single request still starts at once: the linger follows a batch. Well inside "within a second".
LINGER = timedelta(milliseconds=200)
# While lingering the worker counts the claimable requests this often (a read, no lock), and stops waiting as
# soon as a full batch is there or nothing new arrived since the last look: the end of a burst is then
# processed at once instead of after the rest of the linger.
LINGER_LOOK = timedelta(milliseconds=10)


def _claimable(now: Any) -> ColumnElement[bool]:
    """Queued, failed and due for retry, or processing under an expired lease (its worker died). `now` is a
    datetime or a bind parameter."""
    return or_(
        PrivacyRequest.status == RequestStatus.QUEUED.value,
        and_(PrivacyRequest.status == RequestStatus.FAILED.value, PrivacyRequest.next_attempt_at <= now),  # type: ignore[operator]
        and_(PrivacyRequest.status == RequestStatus.PROCESSING.value, PrivacyRequest.lease_expires_at < now),  # type: ignore[operator]
    )


# The claim's statements are built once, with bind parameters for everything that changes between claims: on
# SQLite the claim holds the database's only write lock, and building these statements costs more Python time
# than SQLite takes to run them.
_NOW = bindparam("now", type_=UTCDateTime())
_RETURNED = (PrivacyRequest.id, PrivacyRequest.claimed_from, PrivacyRequest.attempts, PrivacyRequest.subject_id,
             PrivacyRequest.type)


def _claimed_values() -> dict[str, Any]:
    # SET expressions see the old row, so claimed_from records the status the request left.
    return {"claimed_from": PrivacyRequest.status, "status": RequestStatus.PROCESSING.value,
            "lease_owner": bindparam("owner", type_=String()),
            "lease_expires_at": bindparam("lease_until", type_=UTCDateTime()),
            "attempts": PrivacyRequest.attempts + 1, "updated_at": _NOW}


@cache
def _claim_statement(dialect: str, typed: bool) -> Update:
    """Claim up to :limit of the oldest claimable requests (of :types when `typed`)."""
    claimable = _claimable(_NOW)
    if typed:
        claimable = and_(claimable, PrivacyRequest.type.in_(bindparam("types", expanding=True)))  # type: ignore[attr-defined]
    pick = (select(PrivacyRequest.id).where(claimable).order_by(PrivacyRequest.id)
            .limit(bindparam("limit", type_=Integer())))
    if dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    # A MATERIALIZED CTE runs the pick exactly once. As a plain `IN (SELECT .. LIMIT n)` PostgreSQL may re-run it
    # while updating, and every re-run finds the next n claimable rows: it claimed more than n.
    picked = pick.cte("picked").prefix_with("MATERIALIZED")
    return (update(PrivacyRequest).where(PrivacyRequest.id.in_(select(picked.c.id)), claimable)  # type: ignore[union-attr]
            .values(**_claimed_values()).returning(*_RETURNED))


@cache
def _count_statement() -> Select[tuple[int]]:
    """How many requests of :types are claimable, counted up to :limit."""
    claimable = select(PrivacyRequest.id).where(
        PrivacyRequest.type.in_(bindparam("types", expanding=True)), _claimable(_NOW),  # type: ignore[attr-defined]
    ).limit(bindparam("limit", type_=Integer())).subquery()
    return select(func.count()).select_from(claimable)


@cache
def _claim_one_statement() -> Update:
    """Claim one particular request (:request_id) if it is queued, or failed and due for retry."""
    return (update(PrivacyRequest).where(
        PrivacyRequest.id == bindparam("request_id", type_=Integer()),
        or_(PrivacyRequest.status == RequestStatus.QUEUED.value,
            and_(PrivacyRequest.status == RequestStatus.FAILED.value, PrivacyRequest.next_attempt_at <= _NOW)),  # type: ignore[operator]
    ).values(**_claimed_values()).returning(*_RETURNED))


@cache
def _claim_records(dialect: str) -> tuple[Insert, Insert]:
    """The timeline and audit events of the claimed requests (:ids), written set-based (INSERT .. SELECT from
    the claimed rows): building a hundred rows in Python would hold SQLite's write lock ten times as long."""
    c = PrivacyRequest.__table__.c  # type: ignore[attr-defined]
    claimed = c.id.in_(bindparam("ids", expanding=True))
    actor_id, role = bindparam("actor_id", type_=Integer()), bindparam("actor_role", type_=String())
    message = literal("Processing (attempt ") + cast(c.attempts, String) + literal(")")
    json_object = func.json_build_object if dialect == "postgresql" else func.json_object
    events = insert(RequestEvent.__table__).from_select(  # type: ignore[arg-type]
        ["request_id", "at", "kind", "from_status", "to_status", "actor_id", "actor_role", "message",
         "visible_to_customer"],
        select(c.id, _NOW, literal(EventKind.STATUS.value), c.claimed_from, literal(RequestStatus.PROCESSING.value),
               actor_id, role, message, c.claimed_from == RequestStatus.QUEUED.value).where(claimed).order_by(c.id))
    audits = insert(AuditEvent.__table__).from_select(  # type: ignore[arg-type]
        ["at", "action", "actor_id", "actor_role", "subject_id", "grant_id", "target_type", "target_id", "origin",
         "details"],
        select(_NOW, literal("request.processing"), actor_id, role, c.subject_id,
               bindparam("grant_id", type_=Integer()), literal("request"), cast(c.id, String),
               bindparam("origin", type_=String()),
               json_object("from", c.claimed_from, "type", c.type, "attempt", c.attempts))
        .where(claimed).order_by(c.id))
    return events, audits


class _BatchFallback(Exception):
    """The batch cannot complete as a whole; its requests are processed one by one."""


def new_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(self, engine: Engine, *, name: str | None = None, lease: timedelta = timedelta(seconds=30),
                 retry_base: timedelta = timedelta(seconds=5), batch_size: int = BATCH_SIZE) -> None:
        self.engine = engine
        self.batch_size = max(1, batch_size)
        self.name = name or new_worker_name()
        self.lease = lease
        self.retry_base = retry_base
        self.actor = Actor(account_id=None, role="system", origin=f"worker:{self.name}"[:64])

    # -- claiming -------------------------------------------------------------------------------------------
    def claim(self) -> int | None:
        """Take the oldest claimable request of any type (see `claim_many`)."""
        claimed = self.claim_many(1)
        return claimed[0] if claimed else None

    def claim_many(self, limit: int, *, types: list[str] | None = None) -> list[int]:
        """Take up to `limit` of the oldest claimable requests (of `types`, if given): queued, failed and due
        for retry, or processing under an expired lease (their worker died). One statement, so two workers
        can never claim the same row; PostgreSQL skips rows another worker is claiming at this moment."""
        now = utcnow()
        statement = _claim_statement(self.engine.dialect.name, types is not None)
        parameters: dict[str, Any] = {**self._claim_parameters(now), "limit": limit}
        if types is not None:
            parameters["types"] = types
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # A claim lost in a server crash leaves the request claimable again, and the completing commit
                # (synchronous) flushes the claim's WAL before its own: the claim need not wait for the disk.
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            rows = connection.execute(statement, parameters).all()
            self._record_claims(connection, rows, now)
        return sorted(int(row[0]) for row in rows)

    def _claim_parameters(self, now: datetime) -> dict[str, Any]:
        return {"now": now, "owner": self.name, "lease_until": now + self.lease}

    def _record_claims(self, connection: Connection, rows: list[Row[Any]], now: datetime) -> None:
        """A claim is a status change like any other: timeline and audit, in the claiming transaction."""
        if not rows:
            return
        parameters = {"ids": [row[0] for row in rows], "now": now, "actor_id": self.actor.account_id,
                      "actor_role": self.actor.role, "grant_id": self.actor.grant_id, "origin": self.actor.origin}
        for statement in _claim_records(connection.dialect.name):
            connection.execute(statement, parameters)

    def claim_specific(self, request_id: int) -> bool:
        """Claim one particular request if it is claimable (used to process a withdrawal immediately)."""
        now = utcnow()
        with self.engine.begin() as connection:
            row = connection.execute(_claim_one_statement(),
                                     {**self._claim_parameters(now), "request_id": request_id}).first()
            if row is not None:
                self._record_claims(connection, [row], now)
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
        """Claim and process one request of any type; False when there was nothing to do."""
        request_id = self.claim()
        if request_id is None:
            return False
        self.process(request_id)
        return True

    def run_batch(self) -> int:
        """One step of the loop: a batch of quick requests (claimed in one statement, completed in one
        transaction), then at most one long job. Returns how many requests it handled."""
        quick = self.claim_many(self.batch_size, types=type_keys(long_running=False))
        if quick:
            self.process_batch(quick)
        long_jobs = type_keys(long_running=True)
        long_job = self.claim_many(1, types=long_jobs) if long_jobs and self._any_claimable(long_jobs) else []
        for request_id in long_job:
            self.process(request_id)
        return len(quick) + len(long_job)

    def _any_claimable(self, types: list[str]) -> bool:
        """A read before the claiming write: on SQLite a write takes the database's one write lock even when
        it matches nothing, and most loop steps find no long job waiting."""
        return self._count_claimable(types, 1) > 0

    def _count_claimable(self, types: list[str], limit: int) -> int:
        """How many requests of `types` are claimable, counting up to `limit`."""
        with self.engine.connect() as connection:
            return int(connection.execute(_count_statement(), {"now": utcnow(), "types": types, "limit": limit})
                       .scalar_one())

    def linger(self, stop: threading.Event) -> None:
        """Wait after a batch (see LINGER) until a full batch of quick requests is claimable, no new one arrived
        during the last LINGER_LOOK, LINGER has passed, or `stop` is set. Returns at once when a full batch is
        already waiting."""
        deadline = time.monotonic() + LINGER.total_seconds()
        types, seen = type_keys(long_running=False), -1
        while True:
            count = self._count_claimable(types, self.batch_size)
            if count >= self.batch_size or count == seen or time.monotonic() >= deadline:
                return
            seen = count
            if stop.wait(LINGER_LOOK.total_seconds()):
                return

    def process_batch(self, request_ids: list[int]) -> None:
        """Run the handlers of several claimed quick requests and complete them all in one transaction.
        If anything in the batch goes wrong (a handler fails or rejects, a lease was lost, a request is out
        of attempts), the batch is rolled back and each request is processed on its own, so one bad request
        never holds back or spoils the others."""
        if len(request_ids) == 1:
            self.process(request_ids[0])
            return
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                requests = list(session.exec(select(PrivacyRequest).where(
                    PrivacyRequest.id.in_(request_ids)).order_by(PrivacyRequest.id)).scalars())  # type: ignore[attr-defined]
                if len(requests) != len(request_ids) or any(
                        r.lease_owner != self.name or r.attempts > r.max_attempts for r in requests):
                    raise _BatchFallback("a request of the batch needs individual attention")
                now = utcnow()
                outcomes: dict[int, str] = {}
                notes: list[dict[str, Any]] = []
                for request in requests:
                    assert request.id is not None
                    context = JobContext(session=session, request=request, now=now)
                    outcomes[request.id] = get_type(request.type).handler(context)
                    notes.extend(self._note_rows(context))
                service.complete_many(session, requests, outcomes, actor=self.actor, owner=self.name,
                                      notes=notes)
                session.commit()
                return
            except Exception as exc:
                session.rollback()
                if not isinstance(exc, _BatchFallback | RejectRequest | service.ConcurrentChange):
                    log.warning("batch of %s requests failed (%s); processing them one by one",
                                len(request_ids), type(exc).__name__)
        for request_id in request_ids:
            self.process(request_id)

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
                service.write_events(session, self._note_rows(context))
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

    def _note_rows(self, context: JobContext) -> list[dict[str, Any]]:
        assert context.request.id is not None
        return [service.event_row(context.request.id, EventKind.PROGRESS, self.actor, at=context.now, message=message,
                                  visible=visible) for message, visible in context.notes]

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
        between jobs at their own intervals; a task that returns True has more to do and runs again at the next
        step, between batches, instead of after its interval."""
        due_now = -math.inf  # not 0.0: time.monotonic() may be smaller than an interval (a machine just booted)
        schedule = [(interval, task, due_now) for interval, task in (maintenance or [])]
        while not stop.is_set():
            try:
                busy = self.run_batch()
            except Exception:  # the database is away: wait and try again, the work is safe in the queue
                log.exception("worker %s could not claim work; retrying", self.name)
                busy = 0
                stop.wait(2)
            if busy:
                self.linger(stop)
            more = False
            for index, (interval, task, last) in enumerate(schedule):
                if time.monotonic() - last >= interval:
                    again = False
                    try:
                        again = task() is True
                    except Exception:
                        log.exception("maintenance task %s failed", getattr(task, "__name__", task))
                    schedule[index] = (interval, task, due_now if again else time.monotonic())
                    more = more or again
            if not busy and not more:
                service.work_available.wait(poll_seconds)
                service.work_available.clear()
