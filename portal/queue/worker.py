"""The queue worker: claims requests under a lease (a batch of quick ones, or one long job; claiming and the lease
are `leases.LeaseHolder`), runs their handlers, and completes them, rejects them, or schedules a retry.

A handler's database work and the completion commit together, and the completion only succeeds while
this worker still holds the lease. So a worker that dies, or stalls until its lease runs out, leaves
nothing behind: another worker claims the request and it completes exactly once.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from ..models import EventKind, PrivacyRequest, RequestStatus
from . import stored_text
from .completion import complete_many
from .leases import LeaseHolder
from .registry import JobContext, RejectRequest, get_type, type_keys
from .request_errors import ConcurrentChange
from .timeline_events import event_row, write_events
from .transitions import transition
from .wakeup import work_available

log = logging.getLogger("portal.worker")
MAX_BACKOFF = timedelta(hours=1)
# After a batch, wait up to this long before claiming again (unless a full batch is waiting), so that under a
# steady stream of requests batches fill up instead of the worker taking the database's write lock for every one
# or two requests (on SQLite every write transaction makes the others wait; on PostgreSQL every commit waits for the
# disk). A single request still starts at once: the linger follows a batch. Well inside "within a second".
LINGER = timedelta(milliseconds=200)
# While lingering the worker counts the claimable requests this often (a read, no lock), and stops waiting as
# soon as a full batch is there or nothing new arrived since the last look: the end of a burst is then
# processed at once instead of after the rest of the linger.
LINGER_LOOK = timedelta(milliseconds=10)


class _BatchFallback(Exception):
    """The batch cannot complete as a whole; its requests are processed one by one."""


class Worker(LeaseHolder):
    """Runs the handlers of the requests it claims, and completes, rejects or retries them."""

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
        quick_types = type_keys(long_running=False)
        quick = self.claim_many(self.batch_size, types=quick_types) if self._any_claimable(quick_types) else []
        if quick:
            self.process_batch(quick)
        long_jobs = type_keys(long_running=True)
        long_job = self.claim_many(1, types=long_jobs) if long_jobs and self._any_claimable(long_jobs) else []
        for request_id in long_job:
            self.process(request_id)
        return len(quick) + len(long_job)

    def _any_claimable(self, types: list[str]) -> bool:
        """A read before the claiming write: on SQLite a write takes the database's one write lock even when
        it matches nothing (every customer filing meanwhile waits), and many loop steps find nothing waiting:
        no long job, or no quick request between two turns of sealing the audit chain."""
        return self._count_claimable(types, 1) > 0

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
                requests = list(
                    session.exec(
                        select(PrivacyRequest)
                        .where(col(PrivacyRequest.id).in_(request_ids))
                        .order_by(col(PrivacyRequest.id))
                    )
                )
                if len(requests) != len(request_ids) or any(
                    r.lease_owner != self.name or r.attempts > r.max_attempts for r in requests
                ):
                    raise _BatchFallback("a request of the batch needs individual attention")
                now = self.clock()
                outcomes: dict[int, str] = {}
                notes: list[dict[str, Any]] = []
                for request in requests:
                    assert request.id is not None
                    context = JobContext(session=session, request=request, now=now)
                    outcomes[request.id] = get_type(request.type).handler(context)
                    notes.extend(self._note_rows(context))
                complete_many(
                    session, requests, outcomes, actor=self.actor, owner=self.name, notes=notes, now=self.clock()
                )
                session.commit()
                return
            except Exception as exc:
                session.rollback()
                if not isinstance(exc, _BatchFallback | RejectRequest | ConcurrentChange):
                    log.warning(
                        "batch of %s requests failed (%s); processing them one by one",
                        len(request_ids),
                        type(exc).__name__,
                    )
        for request_id in request_ids:
            self.process(request_id)

    def process(self, request_id: int) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            request = session.get(PrivacyRequest, request_id)
            if request is None or request.lease_owner != self.name:
                return
            if request.attempts > request.max_attempts:
                self._give_up(session, request, request.last_error or stored_text.OUT_OF_ATTEMPTS)
                return
            request_type = get_type(request.type)
            context = JobContext(
                session=session,
                request=request,
                now=self.clock(),
                heartbeat=lambda: self.heartbeat(request_id),
                progress=lambda done, total: self._progress(request_id, done, total),
            )
            try:
                outcome = request_type.handler(context)
                write_events(session, self._note_rows(context))
                transition(
                    session,
                    request,
                    RequestStatus.COMPLETED,
                    actor=self.actor,
                    expected_owner=self.name,
                    message=outcome,
                    outcome=outcome,
                    now=self.clock(),
                )
                session.commit()
            except RejectRequest as verdict:
                session.rollback()
                self._reject(request_id, str(verdict))
            except ConcurrentChange:
                session.rollback()  # our lease was taken over (or the request canceled): our work is discarded
                log.warning("request %s: lease lost, leaving it to its new owner", request_id)
            except Exception as exc:  # a handler bug or an outage: retry later, never lose the request
                session.rollback()
                log.exception("request %s failed on attempt %s", request_id, request.attempts)
                self._fail(request_id, f"{type(exc).__name__}: {exc}"[:2000])

    def _note_rows(self, context: JobContext) -> list[dict[str, Any]]:
        assert context.request.id is not None
        return [
            event_row(
                context.request.id, EventKind.PROGRESS, self.actor, at=context.now, message=message, visible=visible
            )
            for message, visible in context.notes
        ]

    def _reject(self, request_id: int, reason: str) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            request = session.get(PrivacyRequest, request_id)
            if request is None:
                return
            try:
                transition(
                    session,
                    request,
                    RequestStatus.REJECTED,
                    actor=self.actor,
                    expected_owner=self.name,
                    message=reason,
                    rejection_reason=reason[:1000],
                    outcome=stored_text.REJECTED.format(reason=reason[:1000]),
                    now=self.clock(),
                )
            except ConcurrentChange:  # our lease was taken over: the new owner decides
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
            now = self.clock()
            retry_at = now + self.backoff(request.attempts)
            transition(
                session,
                request,
                RequestStatus.FAILED,
                actor=self.actor,
                expected_owner=self.name,
                # The timeline's texts are stored in English, shown in the reader's language (stored_text.in_words).
                message=stored_text.RETRYING.format(attempt=request.attempts, time=f"{retry_at:%H:%M:%S}"),
                last_error=error,
                next_attempt_at=retry_at,
                lease_owner=None,
                lease_expires_at=None,
                now=now,
            )
            session.commit()

    def _give_up(self, session: Session, request: PrivacyRequest, error: str) -> None:
        transition(
            session,
            request,
            RequestStatus.DEAD_LETTER,
            actor=self.actor,
            expected_owner=self.name,
            message=stored_text.GAVE_UP.format(count=request.attempts),
            last_error=error,
            lease_owner=None,
            lease_expires_at=None,
            now=self.clock(),
        )
        session.commit()

    def backoff(self, attempts: int) -> timedelta:
        return min(self.retry_base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)

    # -- the loop ---------------------------------------------------------------------------------------------
    def run(
        self,
        stop: threading.Event,
        *,
        poll_seconds: float = 0.5,
        maintenance: list[tuple[float, Callable[[], object]]] | None = None,
    ) -> None:
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
                work_available.wait(poll_seconds)
                work_available.clear()
