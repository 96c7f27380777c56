"""The queue worker driven step by step (no threads unless a test is about races): claiming, retries with
back-off, dead-lettering, lease takeover, rejection, and the audit trail of it all."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.db import get_engine
from portal.jobs import register_all
from portal.jobs.diagnostic import DiagnosticPayload
from portal.models import AuditEvent, Notification, PrivacyRequest, RequestEvent
from portal.queue import registry, service, staff_actions
from portal.queue.registry import JobContext, RejectRequest, RequestType
from portal.queue.request_errors import NotPermitted
from portal.queue.states import InvalidTransition
from portal.queue.worker import MAX_BACKOFF, Worker
from tests.utils.clock import ManualClock
from tests.utils.queue import (
    ADA,
    agent,
    count,
    counts,
    customer,
    effect_count,
    file_diagnostic,
    file_restriction,
    load,
    postgres_demo_engine,
    set_columns,
    status_events,
)

RETRY_BASE = timedelta(milliseconds=200)
PAST = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def engine(portal_env: Path) -> Engine:
    register_all()
    return get_engine()


def _worker(
    engine: Engine, name: str, lease: timedelta = timedelta(seconds=30), clock: ManualClock | None = None
) -> Worker:
    """A worker on a test's clock when given one (time moves only when the test moves it), else the wall clock."""
    if clock is None:
        return Worker(engine, name=name, lease=lease, retry_base=RETRY_BASE)
    return Worker(engine, name=name, lease=lease, retry_base=RETRY_BASE, clock=clock)


def _diagnostics(engine: Engine, n: int, prefix: str = "d", **payload: object) -> list[int]:
    with Session(engine, expire_on_commit=False) as session:
        ids = [file_diagnostic(session, f"{prefix}-{i}", **payload).id for i in range(n)]
        session.commit()
    assert all(ids)
    return [i for i in ids if i is not None]


def _outcomes(engine: Engine, request_id: int) -> list[str | None]:
    """The statuses a request's timeline moved to, leaving out the claims (see the last test for those)."""
    return [to for _, to in status_events(engine, request_id) if to != "processing"]


# --- claiming ------------------------------------------------------------------------------------------------


def test_claim_takes_queued_requests_oldest_first_and_never_received_ones(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        waiting = file_restriction(session, ADA, "awaiting-review")  # oldest, but received: needs approval
        session.commit()
    queued = _diagnostics(engine, 3)
    clock = ManualClock()  # the lease is 30 s from the claim, however long the claims take on a busy machine
    worker = _worker(engine, "w1", clock=clock)
    before = clock()
    assert [worker.claim() for _ in range(4)] == [*queued, None]
    for request_id in queued:
        row = load(engine, request_id)
        assert (row.status, row.lease_owner, row.attempts) == ("processing", "w1", 1)
        assert row.lease_expires_at is not None
        assert before + timedelta(seconds=29) < row.lease_expires_at <= clock() + timedelta(seconds=30)
    assert load(engine, waiting.id or 0).status == "received"


def test_claim_skips_a_live_lease_and_a_failed_request_before_its_retry_time(engine: Engine) -> None:
    first, second = _diagnostics(engine, 2)
    a, b = _worker(engine, "a"), _worker(engine, "b")
    assert a.claim() == first
    set_columns(engine, second, status="failed", next_attempt_at=datetime.now(UTC) + timedelta(minutes=5))
    assert b.claim() is None, "a live lease and a retry not yet due are both off limits"
    set_columns(engine, second, next_attempt_at=PAST)
    assert b.claim() == second


def test_a_claim_and_its_timeline_and_audit_events_are_one_transaction(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that fails (or dies) between claiming and recording the claim leaves the requests claimable,
    with no trace: never a claim without its timeline and audit events. On SQLite the claim is a `WITH ..
    UPDATE`, which Python's sqlite3 module used to run as a transaction of its own."""
    ids = _diagnostics(engine, 2, prefix="atomic")
    before = counts(engine, PrivacyRequest, RequestEvent, AuditEvent)
    worker = _worker(engine, "w-atomic")

    def fail(*_: object) -> None:
        raise RuntimeError("the worker died after the claim, before its records")

    monkeypatch.setattr(worker, "_record_claims", fail)
    with pytest.raises(RuntimeError, match="died after the claim"):
        worker.claim_many(10)
    assert [load(engine, request_id).status for request_id in ids] == ["queued", "queued"]
    assert all(load(engine, request_id).lease_owner is None for request_id in ids)
    assert counts(engine, PrivacyRequest, RequestEvent, AuditEvent) == before
    monkeypatch.undo()
    assert sorted(_worker(engine, "w-next").claim_many(10)) == ids


def test_two_workers_never_claim_the_same_request(engine: Engine) -> None:
    ids = _diagnostics(engine, 40)
    a, b = _worker(engine, "a"), _worker(engine, "b")
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    while True:
        got = [(name, worker.claim()) for name, worker in (("a", a), ("b", b))]
        for name, request_id in got:
            if request_id is not None:
                claimed[name].append(request_id)
        if all(request_id is None for _, request_id in got):
            break
    assert not set(claimed["a"]) & set(claimed["b"])
    assert sorted(claimed["a"] + claimed["b"]) == ids
    assert len(claimed["a"]) == len(claimed["b"]) == 20


def _race_claims(engine: Engine, ids: list[int], threads: int = 4) -> dict[int, list[int]]:
    workers = [_worker(engine, f"t{n}") for n in range(threads)]
    claimed: dict[int, list[int]] = {n: [] for n in range(threads)}
    barrier = threading.Barrier(threads)

    def loop(n: int) -> None:
        barrier.wait()
        while (request_id := workers[n].claim()) is not None:
            claimed[n].append(request_id)

    running = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(120)
    return claimed


def _assert_disjoint(claimed: dict[int, list[int]], ids: list[int]) -> None:
    every = [request_id for got in claimed.values() for request_id in got]
    assert len(every) == len(set(every)), "a request was claimed twice"
    assert sorted(every) == ids


def test_racing_threads_never_claim_the_same_request(engine: Engine) -> None:
    ids = _diagnostics(engine, 150)
    _assert_disjoint(_race_claims(engine, ids), ids)


@pytest.mark.postgres
def test_racing_threads_never_claim_the_same_request_on_postgres(portal_env: Path) -> None:
    register_all()
    with postgres_demo_engine() as pg:
        ids = _diagnostics(pg, 150)
        claimed = _race_claims(pg, ids)
        _assert_disjoint(claimed, ids)
        assert sum(1 for got in claimed.values() if got) >= 2, "SKIP LOCKED should let the threads share the work"


# --- retries -------------------------------------------------------------------------------------------------


def test_backoff_doubles_and_is_capped() -> None:
    worker = Worker(None, name="x", retry_base=timedelta(seconds=5))  # type: ignore[arg-type]
    assert [worker.backoff(n) for n in (1, 2, 3, 4)] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert worker.backoff(30) == MAX_BACKOFF


def test_failing_handler_is_retried_with_growing_backoff_then_completes(engine: Engine) -> None:
    (request_id,) = _diagnostics(engine, 1, fail_times=2)
    clock = ManualClock()  # stands still between the failure and the claims below: no race with a busy machine
    worker = _worker(engine, "w", clock=clock)
    gaps, retry_times = [], []
    for attempt in (1, 2):
        assert worker.run_one()
        row = load(engine, request_id)
        assert (row.status, row.attempts, row.lease_owner) == ("failed", attempt, None)
        assert row.last_error == f"RuntimeError: diagnostic failure {attempt} of 2"
        assert row.next_attempt_at is not None
        gaps.append(row.next_attempt_at - row.updated_at)
        retry_times.append(row.next_attempt_at)
        assert worker.claim() is None, "claimed before its back-off passed"
        clock.advance_to(row.next_attempt_at - timedelta(milliseconds=1))
        assert worker.claim() is None, "claimed a moment before its back-off passed"
        clock.advance_to(row.next_attempt_at)
    # the failure's retry time and its updated_at come from the same reading of the worker's clock
    slack = timedelta(milliseconds=100)
    assert RETRY_BASE - slack < gaps[0] <= RETRY_BASE, gaps
    assert 2 * RETRY_BASE - slack < gaps[1] <= 2 * RETRY_BASE, gaps
    assert retry_times[1] > retry_times[0]
    assert worker.run_one()
    row = load(engine, request_id)
    assert (row.status, row.attempts, row.outcome) == ("completed", 3, "Diagnostic request processed")
    assert row.completed_at is not None and row.lease_owner is None and row.lease_expires_at is None
    assert effect_count(engine, request_id) == 1
    assert _outcomes(engine, request_id) == ["received", "queued", "failed", "failed", "completed"]


def test_out_of_attempts_goes_to_dead_letter_and_staff_retry_revives_it(engine: Engine) -> None:
    (request_id,) = _diagnostics(engine, 1, fail_times=5)
    set_columns(engine, request_id, max_attempts=3)
    clock = ManualClock()
    worker = _worker(engine, "w", clock=clock)
    for _ in range(3):
        row = load(engine, request_id)
        if row.next_attempt_at:
            clock.advance_to(row.next_attempt_at)
        assert worker.run_one()
    row = load(engine, request_id)
    assert (row.status, row.attempts, row.lease_owner) == ("dead_letter", 3, None)
    assert row.last_error == "RuntimeError: diagnostic failure 3 of 5"
    set_columns(engine, request_id, next_attempt_at=PAST)
    assert worker.claim() is None, "a dead letter is never picked up by itself"

    with Session(engine) as session:
        with pytest.raises(NotPermitted):
            staff_actions.retry(session, request_id=request_id, actor=customer(ADA))
        staff_actions.retry(session, request_id=request_id, actor=agent())
        session.commit()
    row = load(engine, request_id)
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == ("queued", 0, None, None)
    with Session(engine) as session, pytest.raises(InvalidTransition):
        staff_actions.retry(session, request_id=request_id, actor=agent())  # it is queued now, not failed
    # the cause is fixed (this diagnostic counts attempts, which the retry reset): it now completes
    set_columns(engine, request_id, payload={"label": "self-test", "fail_times": 0})
    assert worker.run_one()
    row = load(engine, request_id)
    assert (row.status, row.attempts) == ("completed", 1)
    assert effect_count(engine, request_id) == 1
    assert _outcomes(engine, request_id) == [
        "received",
        "queued",
        "failed",
        "failed",
        "dead_letter",
        "queued",
        "completed",
    ]


def test_a_request_whose_worker_keeps_dying_is_dead_lettered(engine: Engine) -> None:
    (request_id,) = _diagnostics(engine, 1)
    set_columns(engine, request_id, max_attempts=1)
    a, b = _worker(engine, "a"), _worker(engine, "b")
    assert a.claim() == request_id  # ... and a dies
    set_columns(engine, request_id, lease_expires_at=PAST)
    assert b.claim() == request_id
    b.process(request_id)
    row = load(engine, request_id)
    assert (row.status, row.attempts) == ("dead_letter", 2)
    assert effect_count(engine, request_id) == 0


# --- leases --------------------------------------------------------------------------------------------------


def test_expired_lease_is_taken_over_and_the_late_worker_changes_nothing(engine: Engine) -> None:
    (request_id,) = _diagnostics(engine, 1)
    a, b = _worker(engine, "a"), _worker(engine, "b")
    assert a.claim() == request_id
    assert b.claim() is None
    set_columns(engine, request_id, lease_expires_at=PAST)
    assert b.claim() == request_id
    row = load(engine, request_id)
    assert (row.lease_owner, row.attempts) == ("b", 2)
    a.process(request_id)  # A wakes up while B holds the lease: nothing happens
    assert (load(engine, request_id).status, effect_count(engine, request_id)) == ("processing", 0)
    b.process(request_id)
    completed = load(engine, request_id)
    assert completed.status == "completed" and completed.completed_at is not None
    a.process(request_id)  # and again after B finished
    assert load(engine, request_id).model_dump() == completed.model_dump()
    assert effect_count(engine, request_id) == 1
    assert [to for _, to in status_events(engine, request_id)].count("completed") == 1


@pytest.fixture
def custom_type(engine: Engine) -> Iterator[Callable[..., str]]:
    """Register a request type with a test's own handler; removed afterwards."""
    keys: list[str] = []

    def add(key: str, handler: Callable[[JobContext], str], *, customer_can_file: bool = False) -> str:
        registry.register(
            RequestType(
                key=key,
                title=key.replace("-", " ").capitalize(),
                payload=DiagnosticPayload,
                handler=handler,
                customer_can_file=customer_can_file,
            )
        )
        keys.append(key)
        return key

    yield add
    for key in keys:
        registry._TYPES.pop(key, None)


def test_worker_losing_its_lease_mid_job_discards_its_work(engine: Engine, custom_type: Callable[..., str]) -> None:
    b = _worker(engine, "b")
    taken_over: list[int | None] = []

    def slow_handler(context: JobContext) -> str:
        assert context.request.id is not None
        context.session.add(
            RequestEvent(
                request_id=context.request.id,
                at=context.now,
                kind="progress",
                message="diagnostic effect",
                visible_to_customer=False,
            )
        )
        if context.request.lease_owner == "a":  # A stalls past its lease; B takes the request meanwhile
            set_columns(engine, context.request.id, lease_expires_at=PAST)
            taken_over.append(b.claim())
        return "done"

    key = custom_type("test-slow", slow_handler)
    with Session(engine, expire_on_commit=False) as session:
        request, _ = service.submit(
            session, type_key=key, subject_id=6, actor=agent(), payload={}, idempotency_key="slow", channel="staff"
        )
        session.commit()
    request_id = request.id or 0
    a = _worker(engine, "a")
    assert a.run_one()
    assert taken_over == [request_id]
    row = load(engine, request_id)
    assert (row.status, row.lease_owner) == ("processing", "b"), "A completed a request it no longer held"
    assert effect_count(engine, request_id) == 0, "A's work was not rolled back"
    b.process(request_id)
    assert load(engine, request_id).status == "completed"
    assert effect_count(engine, request_id) == 1


@pytest.mark.parametrize("verdict", ["reject", "crash"])
def test_worker_losing_its_lease_before_a_rejection_or_failure_changes_nothing(
    engine: Engine, custom_type: Callable[..., str], verdict: str
) -> None:
    """A stalled worker whose handler then rejects (or fails) must leave the request to its new owner, and
    handle that as quietly as a lost completion (no exception out of `process`, no status change)."""
    b = _worker(engine, "b")

    def stalling_handler(context: JobContext) -> str:
        assert context.request.id is not None
        if context.request.lease_owner == "a":
            set_columns(engine, context.request.id, lease_expires_at=PAST)
            assert b.claim() == context.request.id
            if verdict == "reject":
                raise RejectRequest("We could not verify the request.")
            raise RuntimeError("the processor timed out")
        return "done"

    key = custom_type(f"test-stall-{verdict}", stalling_handler)
    with Session(engine, expire_on_commit=False) as session:
        request, _ = service.submit(
            session, type_key=key, subject_id=6, actor=agent(), payload={}, idempotency_key="stall", channel="staff"
        )
        session.commit()
    request_id = request.id or 0
    escaped: Exception | None = None
    try:
        _worker(engine, "a").run_one()
    except Exception as error:
        escaped = error
    row = load(engine, request_id)
    assert (row.status, row.lease_owner, row.rejection_reason) == ("processing", "b", None)
    b.process(request_id)
    assert load(engine, request_id).status == "completed"
    assert escaped is None, f"process() let {escaped!r} escape after losing its lease"


def test_handler_rejection_rejects_with_the_reason(engine: Engine, custom_type: Callable[..., str]) -> None:
    def refuse(context: JobContext) -> str:
        raise RejectRequest("We could not verify that this account is yours.")

    key = custom_type("test-refuse", refuse, customer_can_file=True)
    with Session(engine, expire_on_commit=False) as session:
        request, _ = service.submit(
            session, type_key=key, subject_id=ADA, actor=customer(ADA), payload={}, idempotency_key="refuse"
        )
        session.commit()
    request_id = request.id or 0
    assert _worker(engine, "w").run_one()
    row = load(engine, request_id)
    assert (row.status, row.rejection_reason) == ("rejected", "We could not verify that this account is yours.")
    assert row.outcome == "Rejected: We could not verify that this account is yours."
    assert row.completed_at is not None and row.lease_owner is None and row.attempts == 1
    with Session(engine) as session:
        note = (
            session.execute(
                select(Notification)
                .where(Notification.link == f"/requests/{request_id}")
                .order_by(Notification.id.desc())
            )
            .scalars()
            .first()
        )
    assert note is not None and note.account_id == ADA
    assert "We could not verify that this account is yours." in note.body
    assert [to for _, to in status_events(engine, request_id)][-1] == "rejected"


# --- the audit trail -----------------------------------------------------------------------------------------


def _audit_actions(engine: Engine, request_id: int) -> list[str]:
    with Session(engine) as session:
        return list(
            session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.target_type == "request", AuditEvent.target_id == str(request_id))
                .order_by(AuditEvent.id)
            ).scalars()
        )


def test_each_worker_status_change_is_audited(engine: Engine) -> None:
    (request_id,) = _diagnostics(engine, 1, fail_times=1)
    clock = ManualClock()
    worker = _worker(engine, "w", clock=clock)
    assert worker.run_one()
    clock.advance_to(load(engine, request_id).next_attempt_at or PAST)
    assert worker.run_one()
    actions = _audit_actions(engine, request_id)
    for action in ("request.received", "request.queued", "request.failed", "request.completed"):
        assert actions.count(action) == 1, actions
    with Session(engine) as session:
        origins = set(
            session.execute(
                select(AuditEvent.origin).where(
                    AuditEvent.target_id == str(request_id),
                    AuditEvent.action.in_(["request.failed", "request.completed"]),
                )
            ).scalars()
        )
        assert origins == {"worker:w"}
        assert count(session, AuditEvent, AuditEvent.seq.is_not(None)) == 0, "sealing is the sealer's job"


def test_claiming_is_a_status_change_on_the_timeline_and_in_the_audit_trail(engine: Engine) -> None:
    """queued -> processing (and failed -> processing, and a lease takeover) are status changes like any
    other: the timeline and the audit trail must show when a worker took the request, and which one."""
    (request_id,) = _diagnostics(engine, 1, fail_times=1)
    clock = ManualClock()
    worker = _worker(engine, "w", clock=clock)
    assert worker.run_one()
    clock.advance_to(load(engine, request_id).next_attempt_at or PAST)
    assert worker.run_one()
    assert [to for _, to in status_events(engine, request_id)] == [
        "received",
        "queued",
        "processing",
        "failed",
        "processing",
        "completed",
    ]
    assert _audit_actions(engine, request_id) == [
        "request.received",
        "request.queued",
        "request.processing",
        "request.failed",
        "request.processing",
        "request.completed",
    ]


# --- batches of quick requests ---------------------------------------------------------------------------------


def test_a_batch_is_claimed_in_one_step_and_completed_together_with_full_timelines(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    ids = _diagnostics(engine, 5, prefix="batch")
    worker = _worker(engine, "w")
    assert worker.claim_many(3, types=["diagnostic"]) == ids[:3], "the oldest first, up to the limit"
    assert [load(engine, i).status for i in ids] == ["processing"] * 3 + ["queued"] * 2
    worker.process_batch(ids[:3])
    assert "one by one" not in caplog.text, "the batch fell back to one request at a time"
    assert len({load(engine, i).completed_at for i in ids[:3]}) == 1, "completed in one transaction"
    for request_id in ids[:3]:
        row = load(engine, request_id)
        assert (row.status, row.outcome, row.lease_owner, effect_count(engine, request_id)) == (
            "completed",
            "Diagnostic request processed",
            None,
            1,
        )
        assert row.completed_at is not None
        assert [to for _, to in status_events(engine, request_id)] == ["received", "queued", "processing", "completed"]
        assert _audit_actions(engine, request_id) == [
            "request.received",
            "request.queued",
            "request.processing",
            "request.completed",
        ]
    assert worker.run_batch() == 2 and [load(engine, i).status for i in ids[3:]] == ["completed"] * 2
    assert worker.run_batch() == 0


def test_one_failing_request_in_a_batch_does_not_hold_back_the_others(engine: Engine) -> None:
    good = _diagnostics(engine, 2, prefix="good")
    (bad,) = _diagnostics(engine, 1, prefix="bad", fail_times=1)
    later = _diagnostics(engine, 2, prefix="later")
    worker = _worker(engine, "w")
    assert worker.run_batch() == 5
    assert [load(engine, i).status for i in good + later] == ["completed"] * 4
    assert load(engine, bad).status == "failed" and effect_count(engine, bad) == 0
    assert all(effect_count(engine, i) == 1 for i in good + later), "a rolled-back batch was applied twice"


def test_a_batch_with_a_lost_lease_completes_the_rest_and_leaves_that_one_to_its_new_owner(engine: Engine) -> None:
    ids = _diagnostics(engine, 3, prefix="lease")
    a, b = _worker(engine, "a"), _worker(engine, "b")
    assert a.claim_many(10, types=["diagnostic"]) == ids
    set_columns(engine, ids[1], lease_expires_at=PAST)
    assert b.claim() == ids[1]
    a.process_batch(ids)
    assert [load(engine, i).status for i in ids] == ["completed", "processing", "completed"]
    assert load(engine, ids[1]).lease_owner == "b" and effect_count(engine, ids[1]) == 0
    b.process(ids[1])
    assert [effect_count(engine, i) for i in ids] == [1, 1, 1]


def test_a_rejection_in_a_batch_rejects_only_that_request(engine: Engine, custom_type: Callable[..., str]) -> None:
    def picky(context: JobContext) -> str:
        if context.request.payload.get("label") == "no":
            raise RejectRequest("not this one")
        return "fine"

    key = custom_type("test-picky", picky)
    with Session(engine, expire_on_commit=False) as session:
        ids = [
            service.submit(
                session,
                type_key=key,
                subject_id=6,
                actor=agent(),
                payload={"label": label},
                idempotency_key=f"picky-{label}",
                channel="staff",
            )[0].id
            for label in ("yes", "no", "ok")
        ]
        session.commit()
    assert _worker(engine, "w").run_batch() == 3
    assert [(load(engine, i).status, load(engine, i).outcome) for i in ids if i] == [
        ("completed", "fine"),
        ("rejected", "Rejected: not this one"),
        ("completed", "fine"),
    ]


def test_long_jobs_are_never_batched(engine: Engine, custom_type: Callable[..., str]) -> None:
    seen: list[int] = []

    def long_job(context: JobContext) -> str:
        assert context.request.id is not None
        seen.append(context.request.id)
        return "built"

    registry.register(
        RequestType(
            key="test-long",
            title="Long",
            payload=DiagnosticPayload,
            handler=long_job,
            customer_can_file=False,
            long_running=True,
        )
    )
    try:
        with Session(engine, expire_on_commit=False) as session:
            longs = [
                service.submit(
                    session,
                    type_key="test-long",
                    subject_id=6,
                    actor=agent(),
                    payload={},
                    idempotency_key=f"long-{n}",
                    channel="staff",
                )[0].id
                for n in range(2)
            ]
            session.commit()
        quick = _diagnostics(engine, 3, prefix="quick")
        worker = _worker(engine, "w")
        assert worker.run_batch() == 4, "all quick requests in one batch, then one long job"
        assert seen == longs[:1] and load(engine, longs[1] or 0).status == "queued"
        assert all(load(engine, i).status == "completed" for i in quick)
        assert worker.run_batch() == 1 and seen == longs
    finally:
        registry._TYPES.pop("test-long", None)


# --- the loop ----------------------------------------------------------------------------------------------------


def test_a_maintenance_task_with_more_to_do_runs_again_at_the_next_step_not_after_its_interval(engine: Engine) -> None:
    calls: list[float] = []

    def task() -> bool:  # like the sealer: True while a backlog is left
        calls.append(time.monotonic())
        return len(calls) < 4

    stop = threading.Event()
    # An idle worker waits an hour between steps: four turns within the minute below only happen without that
    # wait (a generous minute: a busy machine may be slow, a passing run returns as soon as the fourth turn is in).
    loop = threading.Thread(
        target=_worker(engine, "w").run, kwargs={"stop": stop, "poll_seconds": 3600, "maintenance": [(3600.0, task)]}
    )
    loop.start()
    try:
        deadline = time.monotonic() + 60
        while len(calls) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
    finally:
        stop.set()
        service.work_available.set()  # wake the idle wait
        loop.join(10)
    assert not loop.is_alive()
    assert len(calls) == 4, "a task with nothing left waits for its interval (an hour)"
