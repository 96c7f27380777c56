"""Queue use cases on the seeded demo database: filing, idempotency, payload validation, customer and staff
actions, object-level authorisation, deadline extensions, concurrent approvals and notifications."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.audit import Actor
from portal.db import get_engine
from portal.jobs import register_all
from portal.models import (
    AuditEvent,
    Notification,
    OutboxMessage,
    PrivacyRequest,
    RequestEvent,
    RequestStatus,
)
from portal.queue import deadlines, service, staff_actions
from portal.queue.registry import PayloadError
from portal.queue.request_errors import ConcurrentChange, NotPermitted, RequestNotFound
from portal.queue.states import TRANSITIONS, InvalidTransition
from tests.utils.queue import (
    ADA,
    DPO,
    GRACE,
    VALID_RESTRICTION,
    agent,
    count,
    counts,
    customer,
    file_diagnostic,
    file_restriction,
    load,
    officer,
    postgres_demo_engine,
    set_columns,
    status_events,
    walk,
)

S = RequestStatus
WRITTEN = (PrivacyRequest, RequestEvent, AuditEvent, Notification, OutboxMessage)


@pytest.fixture
def engine(portal_env: Path) -> Engine:
    register_all()
    return get_engine()


def _file(engine: Engine, subject_id: int, key: str) -> int:
    with Session(engine, expire_on_commit=False) as session:
        request = file_restriction(session, subject_id, key)
        session.commit()
        assert request.id is not None
        return request.id


# --- filing -------------------------------------------------------------------------------------------------


def test_submit_queues_a_type_without_review(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        request, created = service.submit(
            session,
            type_key="diagnostic",
            subject_id=DPO,
            actor=officer(),
            payload={"label": "x"},
            idempotency_key="k-1",
            channel="staff",
        )
        session.commit()
    assert created
    row = load(engine, request.id or 0)
    assert row.status == "queued"
    assert row.due_at == deadlines.add_months(row.received_at, 1)
    assert row.received_at.tzinfo is not None and row.payload == {"label": "x", "fail_times": 0, "hold_ms": 0}
    assert [to for _, to in status_events(engine, row.id or 0)] == ["received", "queued"]
    with Session(engine, expire_on_commit=False) as session:
        actions = (
            session.execute(
                select(AuditEvent.action).where(AuditEvent.target_id == str(row.id)).order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["request.received", "request.queued"]


def test_submit_leaves_a_reviewed_type_received(engine: Engine) -> None:
    request_id = _file(engine, ADA, "k-restrict")
    row = load(engine, request_id)
    assert (row.status, row.subject_id, row.actor_id, row.actor_role) == ("received", ADA, ADA, "customer")
    assert row.due_at == deadlines.add_months(row.received_at, 1)
    assert row.payload == VALID_RESTRICTION
    assert status_events(engine, request_id) == [(None, "received")]


def test_customers_cannot_file_staff_only_types(engine: Engine) -> None:
    before = counts(engine, *WRITTEN)
    with Session(engine, expire_on_commit=False) as session, pytest.raises(PayloadError, match="customers cannot file"):
        service.submit(
            session, type_key="diagnostic", subject_id=ADA, actor=customer(ADA), payload={}, idempotency_key="k"
        )
    assert counts(engine, *WRITTEN) == before


def test_same_idempotency_key_files_one_request(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        first, created_first = service.submit(
            session,
            type_key="restriction",
            subject_id=ADA,
            actor=customer(ADA),
            payload=VALID_RESTRICTION,
            idempotency_key="double-click",
        )
        session.commit()
    after_first = counts(engine, *WRITTEN)
    with Session(engine, expire_on_commit=False) as session:  # the retried POST, with a different payload even
        second, created_second = service.submit(
            session,
            type_key="restriction",
            subject_id=ADA,
            actor=customer(ADA),
            payload={"category": "technical", "reason": "A different reason entirely"},
            idempotency_key="double-click",
        )
        session.commit()
    assert (created_first, created_second) == (True, False)
    assert second.id == first.id
    assert counts(engine, *WRITTEN) == after_first, "the second call wrote something"
    assert load(engine, first.id or 0).payload == VALID_RESTRICTION
    # the key is per subject: another customer's identical key is their own
    with Session(engine, expire_on_commit=False) as session:
        other, created_other = service.submit(
            session,
            type_key="restriction",
            subject_id=GRACE,
            actor=customer(GRACE),
            payload=VALID_RESTRICTION,
            idempotency_key="double-click",
        )
        session.commit()
    assert created_other and other.id != first.id


def test_submit_answers_with_a_snapshot_the_session_does_not_track(engine: Engine) -> None:
    """A new request comes back detached: changing the answer writes nothing. One found under its key is the
    session's own object (a caller that already held it keeps tracking it)."""
    with Session(engine, expire_on_commit=False) as session:
        filed, created = service.submit(
            session,
            type_key="restriction",
            subject_id=ADA,
            actor=customer(ADA),
            payload=VALID_RESTRICTION,
            idempotency_key="snapshot",
        )
        again, created_again = service.submit(
            session,
            type_key="restriction",
            subject_id=ADA,
            actor=customer(ADA),
            payload=VALID_RESTRICTION,
            idempotency_key="snapshot",
        )
        assert (created, created_again) == (True, False) and again.id == filed.id
        assert filed not in session and again in session
        assert (filed.status, filed.type, filed.subject_id) == ("received", "restriction", ADA)
        filed.status = "completed"
        session.commit()
    assert load(engine, filed.id or 0).status == "received"


def test_submit_is_part_of_the_callers_transaction(engine: Engine) -> None:
    """A caller that rolls back (an error later in the same unit of work) must find no request filed: a
    half-written request would have no timeline or audit event, and a retry with the same idempotency key
    would get that orphan back instead of a working request."""
    before = counts(engine, *WRITTEN)
    with Session(engine, expire_on_commit=False) as session:
        request, created = service.submit(
            session,
            type_key="diagnostic",
            subject_id=DPO,
            actor=officer(),
            payload={},
            idempotency_key="rolled-back",
            channel="staff",
        )
        assert created and request.status == "queued"
        session.rollback()
    assert counts(engine, *WRITTEN) == before


def test_a_repeated_key_keeps_what_the_caller_wrote_before_in_the_same_transaction(engine: Engine) -> None:
    """A double click arrives inside a unit of work that already wrote something: the duplicate must be
    answered with the first request without undoing the caller's earlier writes."""
    with Session(engine, expire_on_commit=False) as session:
        first, _ = service.submit(
            session,
            type_key="diagnostic",
            subject_id=DPO,
            actor=officer(),
            payload={},
            idempotency_key="twice-in-a-unit",
            channel="staff",
        )
        session.commit()
    before = counts(engine, *WRITTEN)
    with Session(engine, expire_on_commit=False) as session:
        earlier, _ = service.submit(
            session,
            type_key="diagnostic",
            subject_id=DPO,
            actor=officer(),
            payload={},
            idempotency_key="written-before",
            channel="staff",
        )
        again, created = service.submit(
            session,
            type_key="diagnostic",
            subject_id=DPO,
            actor=officer(),
            payload={},
            idempotency_key="twice-in-a-unit",
            channel="staff",
        )
        session.commit()
    assert (again.id, created) == (first.id, False)
    after = counts(engine, *WRITTEN)
    assert after["privacy_request"] == before["privacy_request"] + 1, "the earlier write in the unit was lost"
    assert load(engine, earlier.id or 0).status == "queued"


LONG = "x" * (service.MAX_KEY_LENGTH + 1)


@pytest.mark.parametrize(
    ("type_key", "payload", "key", "message"),
    [
        ("no-such-type", VALID_RESTRICTION, "k", "unknown request type"),
        ("restriction", {"reason": "I dispute the accuracy of this data."}, "k", "category"),
        ("restriction", {"category": "usage", "reason": "too short"}, "k", "reason"),
        ("restriction", {"category": "no-such-category", "reason": "I dispute the accuracy."}, "k", "unknown category"),
        (
            "restriction",
            {"category": "usage", "reason": "I dispute\x00 the\x1b[2J accuracy"},
            "k",
            "control characters",
        ),
        ("restriction", {"category": "usage", "reason": "x" * 1001}, "k", "reason"),
        ("restriction", ["category", "usage"], "k", "must be an object"),
        ("restriction", "category=usage", "k", "must be an object"),
        ("restriction", None, "k", "must be an object"),
        ("restriction", VALID_RESTRICTION, "", "idempotency key"),
        ("restriction", VALID_RESTRICTION, LONG, "idempotency key"),
    ],
    ids=[
        "unknown-type",
        "missing-category",
        "reason-too-short",
        "unknown-category",
        "control-characters",
        "reason-too-long",
        "payload-list",
        "payload-string",
        "payload-none",
        "empty-key",
        "long-key",
    ],
)
def test_bad_submissions_raise_payload_error_and_write_nothing(
    engine: Engine, type_key: str, payload: Any, key: str, message: str
) -> None:
    before = counts(engine, *WRITTEN)
    with Session(engine, expire_on_commit=False) as session:
        with pytest.raises(PayloadError, match=message):
            service.submit(
                session, type_key=type_key, subject_id=ADA, actor=customer(ADA), payload=payload, idempotency_key=key
            )
        session.commit()  # even a caller that commits afterwards finds nothing written
    assert counts(engine, *WRITTEN) == before


# --- customers ------------------------------------------------------------------------------------------------

PATHS = {
    S.RECEIVED: [],
    S.VERIFYING: [S.VERIFYING],
    S.QUEUED: [S.QUEUED],
    S.PROCESSING: [S.QUEUED, S.PROCESSING],
    S.COMPLETED: [S.QUEUED, S.PROCESSING, S.COMPLETED],
    S.REJECTED: [S.REJECTED],
    S.FAILED: [S.QUEUED, S.PROCESSING, S.FAILED],
    S.DEAD_LETTER: [S.QUEUED, S.PROCESSING, S.DEAD_LETTER],
    S.CANCELED: [S.CANCELED],
}


def _in_status(engine: Engine, status: S, subject_id: int = ADA, key: str | None = None) -> int:
    with Session(engine, expire_on_commit=False) as session:
        request = walk(session, file_restriction(session, subject_id, key or f"in-{status.value}"), PATHS[status])
        session.commit()
        assert request.id is not None and request.status == status.value
        return request.id


@pytest.mark.parametrize("status", list(S), ids=lambda s: s.value)
def test_customer_cancel_only_before_work_starts(engine: Engine, status: S) -> None:
    request_id = _in_status(engine, status)
    before = counts(engine, *WRITTEN), load(engine, request_id).model_dump()
    with Session(engine, expire_on_commit=False) as session:
        if status in (S.RECEIVED, S.VERIFYING, S.QUEUED):
            service.cancel_by_customer(session, customer_id=ADA, request_id=request_id, actor=customer(ADA))
            session.commit()
            row = load(engine, request_id)
            assert row.status == "canceled" and row.completed_at is not None
            assert [to for _, to in status_events(engine, request_id)].count("canceled") == 1
        else:
            with pytest.raises(InvalidTransition):
                service.cancel_by_customer(session, customer_id=ADA, request_id=request_id, actor=customer(ADA))
            session.commit()
            assert (counts(engine, *WRITTEN), load(engine, request_id).model_dump()) == before


def test_customer_cannot_reach_another_customers_request(engine: Engine) -> None:
    theirs = _file(engine, GRACE, "graces")
    with Session(engine, expire_on_commit=False) as session:
        missing = (session.execute(select(PrivacyRequest.id).order_by(PrivacyRequest.id.desc())).scalar() or 0) + 1000
    before = counts(engine, *WRITTEN), load(engine, theirs).model_dump()

    def messages(request_id: int) -> list[str]:
        found = []
        calls: list[Callable[[Session], object]] = [
            lambda s: service.get_for_customer(s, customer_id=ADA, request_id=request_id),
            lambda s: service.cancel_by_customer(s, customer_id=ADA, request_id=request_id, actor=customer(ADA)),
            lambda s: service.note_from_customer(
                s, customer_id=ADA, request_id=request_id, actor=customer(ADA), text="Please hurry"
            ),
        ]
        for call in calls:
            with Session(engine, expire_on_commit=False) as session:
                with pytest.raises(RequestNotFound) as caught:
                    call(session)
                session.commit()
            found.append(str(caught.value).replace(str(request_id), "<id>"))
        return found

    assert messages(theirs) == messages(missing), "the answer must not reveal that the request exists"
    assert (counts(engine, *WRITTEN), load(engine, theirs).model_dump()) == before
    with Session(engine, expire_on_commit=False) as session:
        assert service.list_for_customer(session, customer_id=ADA) == []
        assert [r.id for r in service.list_for_customer(session, customer_id=GRACE)] == [theirs]
        # and the owner can do all three
        assert service.get_for_customer(session, customer_id=GRACE, request_id=theirs).id == theirs
        service.note_from_customer(
            session, customer_id=GRACE, request_id=theirs, actor=customer(GRACE), text="Please hurry"
        )
        service.cancel_by_customer(session, customer_id=GRACE, request_id=theirs, actor=customer(GRACE))
        session.commit()
    assert load(engine, theirs).status == "canceled"


def test_customer_note_is_cleaned_and_required(engine: Engine) -> None:
    request_id = _file(engine, ADA, "note")
    with Session(engine, expire_on_commit=False) as session:
        with pytest.raises(PayloadError):
            service.note_from_customer(
                session, customer_id=ADA, request_id=request_id, actor=customer(ADA), text=" \x00\x07 "
            )
        service.note_from_customer(
            session, customer_id=ADA, request_id=request_id, actor=customer(ADA), text="  Call me\x1b back  "
        )
        session.commit()
        notes = service.timeline(session, request_id=request_id, customer_view=True)
    assert [(e.kind, e.message) for e in notes if e.kind == "note_from_customer"] == [
        ("note_from_customer", "Call me back")
    ]


# --- staff ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\x00\x07\x1b", None])
def test_reject_requires_a_reason(engine: Engine, reason: Any) -> None:
    request_id = _file(engine, ADA, "reject-empty")
    before = counts(engine, *WRITTEN), load(engine, request_id).model_dump()
    with Session(engine, expire_on_commit=False) as session:
        with pytest.raises(PayloadError, match="reason"):
            staff_actions.reject(session, request_id=request_id, actor=officer(), reason=reason)
        session.commit()
    assert (counts(engine, *WRITTEN), load(engine, request_id).model_dump()) == before


def test_reject_records_the_reason_and_tells_the_customer(engine: Engine) -> None:
    request_id = _file(engine, ADA, "reject")
    with Session(engine, expire_on_commit=False) as session:
        staff_actions.reject(
            session, request_id=request_id, actor=officer(), reason="  We hold no usage data for you. "
        )
        session.commit()
        note = (
            session.execute(select(Notification).where(Notification.account_id == ADA).order_by(Notification.id.desc()))
            .scalars()
            .first()
        )
    row = load(engine, request_id)
    assert (row.status, row.rejection_reason) == ("rejected", "We hold no usage data for you.")
    assert row.completed_at is not None and row.outcome == "Rejected: We hold no usage data for you."
    assert note is not None and "We hold no usage data for you." in note.body and "supervisory authority" in note.body


@pytest.mark.parametrize("action", ["approve", "reject", "cancel", "extend"])
@pytest.mark.parametrize("who", ["agent", "customer"])
def test_officer_only_actions(engine: Engine, action: str, who: str) -> None:
    request_id = _file(engine, ADA, "officer-only")
    actor = agent() if who == "agent" else customer(ADA)
    calls: dict[str, Callable[[Session], object]] = {
        "approve": lambda s: staff_actions.approve(s, request_id=request_id, actor=actor),
        "reject": lambda s: staff_actions.reject(s, request_id=request_id, actor=actor, reason="Some reason"),
        "cancel": lambda s: staff_actions.cancel_by_staff(s, request_id=request_id, actor=actor, reason="Some reason"),
        "extend": lambda s: staff_actions.extend(s, request_id=request_id, actor=actor, months=1, reason="Complex"),
    }
    before = counts(engine, *WRITTEN), load(engine, request_id).model_dump()
    with Session(engine, expire_on_commit=False) as session:
        with pytest.raises(NotPermitted):
            calls[action](session)
        session.commit()
    assert (counts(engine, *WRITTEN), load(engine, request_id).model_dump()) == before


def test_customers_cannot_use_staff_actions(engine: Engine) -> None:
    request_id = _in_status(engine, S.DEAD_LETTER)
    for call in (
        lambda s: staff_actions.retry(s, request_id=request_id, actor=customer(ADA)),
        lambda s: staff_actions.comment(s, request_id=request_id, actor=customer(ADA), text="hi", to_customer=True),
        lambda s: staff_actions.assign(s, request_id=request_id, actor=customer(ADA), assignee_id=ADA),
    ):
        with Session(engine, expire_on_commit=False) as session, pytest.raises(NotPermitted):
            call(session)


# --- extensions -----------------------------------------------------------------------------------------------

RECEIVED = datetime(2026, 5, 10, 9, 30, tzinfo=UTC)


def _received_on(engine: Engine, key: str, received: datetime = RECEIVED) -> int:
    request_id = _file(engine, ADA, key)
    set_columns(engine, request_id, received_at=received, due_at=deadlines.due_date(received))
    return request_id


def _extend(
    engine: Engine, request_id: int, months: Any, reason: Any = "The request is complex.", actor: Actor | None = None
) -> PrivacyRequest:
    with Session(engine, expire_on_commit=False) as session:
        request = staff_actions.extend(
            session, request_id=request_id, actor=actor or officer(), months=months, reason=reason
        )
        session.commit()
        return request


def test_extend_by_two_months_reaches_the_limit(engine: Engine) -> None:
    request_id = _received_on(engine, "ext-2")
    assert _extend(engine, request_id, 2).extended_due_at == datetime(2026, 8, 10, 9, 30, tzinfo=UTC)
    assert load(engine, request_id).effective_due_at == deadlines.latest_extension(RECEIVED)
    with pytest.raises(PayloadError, match="2026-08-10"):
        _extend(engine, request_id, 1)


def test_extend_month_by_month_up_to_three_months_from_receipt(engine: Engine) -> None:
    request_id = _received_on(engine, "ext-1-1")
    assert _extend(engine, request_id, 1).extended_due_at == datetime(2026, 7, 10, 9, 30, tzinfo=UTC)
    with pytest.raises(PayloadError):
        _extend(engine, request_id, 2)  # would end 2026-09-10, beyond received + 3 months
    assert _extend(engine, request_id, 1).extended_due_at == datetime(2026, 8, 10, 9, 30, tzinfo=UTC)
    with pytest.raises(PayloadError):
        _extend(engine, request_id, 1)
    row = load(engine, request_id)
    assert row.due_at == datetime(2026, 6, 10, 9, 30, tzinfo=UTC), "the original deadline stays on record"


@pytest.mark.parametrize(
    ("months", "reason", "message"),
    [
        (0, "Complex request", "1 or 2 months"),
        (3, "Complex request", "1 or 2 months"),
        (-1, "Complex request", "1 or 2 months"),
        (1, "", "reason"),
        (1, " \x07 ", "reason"),
    ],
)
def test_extend_refuses_bad_arguments_without_writing(engine: Engine, months: int, reason: str, message: str) -> None:
    request_id = _received_on(engine, "ext-bad")
    before = counts(engine, *WRITTEN), load(engine, request_id).model_dump()
    with pytest.raises(PayloadError, match=message):
        _extend(engine, request_id, months, reason)
    assert (counts(engine, *WRITTEN), load(engine, request_id).model_dump()) == before


def test_extension_is_visible_to_the_customer_and_notified(engine: Engine) -> None:
    request_id = _received_on(engine, "ext-visible")
    before = counts(engine, Notification, OutboxMessage)
    _extend(engine, request_id, 1, "We are consulting the processor.")
    row = load(engine, request_id)
    assert row.extension_reason == "We are consulting the processor."
    with Session(engine, expire_on_commit=False) as session:
        visible = service.timeline(session, request_id=request_id, customer_view=True)
        note = (
            session.execute(select(Notification).where(Notification.account_id == ADA).order_by(Notification.id.desc()))
            .scalars()
            .first()
        )
        mail = session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc())).scalars().first()
        audit = count(
            session, AuditEvent, AuditEvent.action == "request.extended", AuditEvent.target_id == str(request_id)
        )
    extension = [e for e in visible if e.kind == "extension"]
    assert len(extension) == 1
    assert extension[0].message == "Deadline extended to 2026-07-10: We are consulting the processor."
    assert counts(engine, Notification, OutboxMessage) == {k: v + 1 for k, v in before.items()}
    assert note is not None and "2026-07-10" in note.body and "consulting the processor" in note.body
    assert mail is not None and mail.to_address == "ada@example.com" and mail.subject == note.title
    assert audit == 1
    assert row.status == "received", "an extension is not a status change"


# --- concurrency ----------------------------------------------------------------------------------------------


def _notes(engine: Engine, request_id: int) -> int:
    with Session(engine) as session:
        return count(session, Notification, Notification.link == f"/requests/{request_id}")


def _approval_outcome(engine: Engine, request_id: int, notes_before: int) -> tuple[int, int, int]:
    """(status events to queued, audit events request.queued, notifications added since filing: none, an approval
    is not news for the customer, the completion that follows it is)"""
    events = [to for _, to in status_events(engine, request_id)].count("queued")
    with Session(engine, expire_on_commit=False) as session:
        audits = count(
            session, AuditEvent, AuditEvent.action == "request.queued", AuditEvent.target_id == str(request_id)
        )
    return events, audits, _notes(engine, request_id) - notes_before


def test_two_officers_approving_at_once_one_wins(engine: Engine) -> None:
    request_id = _file(engine, ADA, "approve-race")
    notes_before = _notes(engine, request_id)
    first, second = Session(engine, expire_on_commit=False), Session(engine, expire_on_commit=False)
    try:
        a, b = first.get(PrivacyRequest, request_id), second.get(PrivacyRequest, request_id)
        assert a is not None and b is not None and a.status == b.status == "received"
        staff_actions.approve(first, request_id=request_id, actor=officer())
        first.commit()
        with pytest.raises(ConcurrentChange):
            staff_actions.approve(second, request_id=request_id, actor=officer())
        second.rollback()
    finally:
        first.close()
        second.close()
    assert load(engine, request_id).status == "queued"
    assert _approval_outcome(engine, request_id, notes_before) == (1, 1, 0)


def _race_approvals(engine: Engine, request_id: int) -> list[str]:
    """Two threads, each with its own session that already loaded the request, approve at the same moment."""
    barrier, results = threading.Barrier(2), []

    def officer_approves() -> None:
        with Session(engine, expire_on_commit=False) as session:
            loaded = session.get(PrivacyRequest, request_id)  # held, so the session keeps what it read
            assert loaded is not None and loaded.status == "received"
            barrier.wait()
            try:
                staff_actions.approve(session, request_id=request_id, actor=officer())
                session.commit()
                results.append("approved")
            except ConcurrentChange:
                session.rollback()
                results.append("conflict")
            except Exception as error:  # anything else is a failure of its own, reported by name
                session.rollback()
                results.append(f"{type(error).__name__}: {error}"[:300])

    threads = [threading.Thread(target=officer_approves) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(results)


def test_two_threads_approving_at_once_one_wins(engine: Engine) -> None:
    for n in range(5):
        request_id = _file(engine, ADA, f"approve-thread-{n}")
        notes_before = _notes(engine, request_id)
        assert _race_approvals(engine, request_id) == ["approved", "conflict"]
        assert _approval_outcome(engine, request_id, notes_before) == (1, 1, 0)


@pytest.mark.postgres
def test_two_threads_approving_at_once_one_wins_on_postgres(portal_env: Path) -> None:
    register_all()
    with postgres_demo_engine() as pg:
        for n in range(5):
            request_id = _file(pg, ADA, f"approve-pg-{n}")
            notes_before = _notes(pg, request_id)
            assert _race_approvals(pg, request_id) == ["approved", "conflict"]
            assert _approval_outcome(pg, request_id, notes_before) == (1, 1, 0)


# --- notifications --------------------------------------------------------------------------------------------

# What happened, once: the steps between filing and the end (queued, verifying, processing, a retry) are not news.
NEWS = {S.COMPLETED, S.REJECTED, S.CANCELED}
LEGAL = [(a, b) for a in S for b in sorted(TRANSITIONS[a])]


@pytest.mark.parametrize("pair", LEGAL, ids=lambda p: f"{p[0].value}->{p[1].value}")
def test_a_status_change_tells_the_subject_once_when_it_ends_the_request(engine: Engine, pair: tuple[S, S]) -> None:
    source, target = pair
    request_id = _in_status(engine, source, subject_id=GRACE)
    before = counts(engine, Notification, OutboxMessage)
    with Session(engine, expire_on_commit=False) as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        service.transition(session, request, target, actor=Actor.system())
        session.commit()
        new_notes = (
            session.execute(
                select(Notification)
                .order_by(Notification.id.desc())
                .limit(counts(engine, Notification)["notification"] - before["notification"])
            )
            .scalars()
            .all()
        )
        new_mail = (
            session.execute(
                select(OutboxMessage)
                .order_by(OutboxMessage.id.desc())
                .limit(counts(engine, OutboxMessage)["outbox_message"] - before["outbox_message"])
            )
            .scalars()
            .all()
        )
    expected = 1 if target in NEWS else 0
    assert (len(new_notes), len(new_mail)) == (expected, expected)
    if expected:
        assert new_notes[0].account_id == GRACE and new_notes[0].link == f"/requests/{request_id}"
        assert new_mail[0].to_address == "grace@example.com" and new_mail[0].status == "pending"
        assert new_mail[0].subject == new_notes[0].title


@pytest.mark.parametrize("pair", LEGAL, ids=lambda p: f"{p[0].value}->{p[1].value}")
def test_diagnostic_status_changes_never_notify(engine: Engine, pair: tuple[S, S]) -> None:
    source, target = pair
    before = counts(engine, Notification, OutboxMessage)
    with Session(engine, expire_on_commit=False) as session:
        request = file_diagnostic(session, "diag-quiet")  # now queued
        session.commit()
    assert request.id is not None
    set_columns(engine, request.id, status=source.value)
    with Session(engine, expire_on_commit=False) as session:
        request = session.get(PrivacyRequest, request.id)
        assert request is not None
        service.transition(session, request, target, actor=Actor.system())
        session.commit()
    assert load(engine, request.id or 0).status == target.value
    assert counts(engine, Notification, OutboxMessage) == before


def test_staff_actions_on_a_diagnostic_do_not_notify(engine: Engine) -> None:
    """Diagnostics are filed by staff to prove the queue; like their status changes, an extension or a
    note on one is not news for the account it was filed under."""
    with Session(engine, expire_on_commit=False) as session:
        request = file_diagnostic(session, "diag-staff")
        session.commit()
    assert request.id is not None
    before = counts(engine, Notification, OutboxMessage)
    with Session(engine, expire_on_commit=False) as session:
        staff_actions.extend(session, request_id=request.id, actor=officer(), months=1, reason="Complex")
        staff_actions.comment(session, request_id=request.id, actor=officer(), text="Looked at it", to_customer=True)
        session.commit()
    assert counts(engine, Notification, OutboxMessage) == before


# --- what a status event says ---------------------------------------------------------------------------------


def test_status_events_record_the_status_they_left(engine: Engine) -> None:
    """Each timeline event names the status it moved from and to; so does the audit event."""
    request_id = _file(engine, ADA, "from-to")
    with Session(engine, expire_on_commit=False) as session:
        staff_actions.approve(session, request_id=request_id, actor=officer())
        session.commit()
    with Session(engine, expire_on_commit=False) as session:
        service.cancel_by_customer(session, customer_id=ADA, request_id=request_id, actor=customer(ADA))
        session.commit()
        audit = session.execute(
            select(AuditEvent.action, AuditEvent.details)
            .where(AuditEvent.target_id == str(request_id))
            .order_by(AuditEvent.id)
        ).all()
    assert status_events(engine, request_id) == [(None, "received"), ("received", "queued"), ("queued", "canceled")]
    assert [(action, details.get("from")) for action, details in audit] == [
        ("request.received", None),
        ("request.queued", "received"),
        ("request.canceled", "queued"),
    ]


@pytest.fixture
def instant_type(engine: Engine) -> Iterator[str]:
    """A customer request type that needs no review (like an export), registered for this test only."""
    from portal.jobs.diagnostic import DiagnosticPayload
    from portal.queue import registry

    key = "test-instant"
    registry.register(
        registry.RequestType(key=key, title="Instant test", payload=DiagnosticPayload, handler=lambda context: "done")
    )
    yield key
    registry._TYPES.pop(key, None)


def test_filing_without_review_is_not_news_until_it_is_done(engine: Engine, instant_type: str) -> None:
    """The customer just did it on screen: "we received" and then "done" were two bell entries and two emails for
    one click. Only what happened is told, once (see test_notifications.py)."""
    with Session(engine, expire_on_commit=False) as session:
        request, _ = service.submit(
            session, type_key=instant_type, subject_id=ADA, actor=customer(ADA), payload={}, idempotency_key="instant"
        )
        session.commit()
        titles = (
            session.execute(select(Notification.title).where(Notification.link == f"/requests/{request.id}"))
            .scalars()
            .all()
        )
    assert titles == []


# --- PostgreSQL column limits -----------------------------------------------------------------------------------


@pytest.fixture
def pg(portal_env: Path) -> Iterator[Engine]:
    register_all()
    with postgres_demo_engine() as pg_engine:
        yield pg_engine


REASON_LENGTHS = (service.MAX_TEXT, service.MAX_TEXT - 9, 1001, 1000, 600, 501, 500, 100)


@pytest.mark.postgres
@pytest.mark.parametrize("action", ["reject", "cancel", "extend"])
def test_every_reason_the_service_accepts_is_stored_on_postgres(pg: Engine, action: str) -> None:
    """PostgreSQL enforces the column lengths that SQLite ignores: a reason is either refused cleanly
    (PayloadError) or stored whole, along with everything it is copied into (outcome, notification)."""
    stored = 0
    for length in REASON_LENGTHS:
        request_id = _file(pg, ADA, f"long-{action}-{length}")
        reason = "R" * length
        with Session(pg, expire_on_commit=False) as session:
            try:
                if action == "reject":
                    staff_actions.reject(session, request_id=request_id, actor=officer(), reason=reason)
                elif action == "cancel":
                    staff_actions.cancel_by_staff(session, request_id=request_id, actor=officer(), reason=reason)
                else:
                    staff_actions.extend(session, request_id=request_id, actor=officer(), months=1, reason=reason)
                session.commit()
            except PayloadError:
                continue
        row = load(pg, request_id)
        saved = {
            "reject": row.rejection_reason,
            "cancel": (row.outcome or "").removeprefix("Canceled: "),
            "extend": row.extension_reason,
        }[action]
        assert saved == reason, f"a {length}-character reason was accepted but not stored whole"
        stored += 1
    assert stored, "no reason length was accepted at all"
