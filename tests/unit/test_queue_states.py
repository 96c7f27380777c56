"""The request state machine: every (from, to) pair of statuses, and what an illegal change leaves behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from portal.audit import Actor
from portal.db import get_engine
from portal.jobs import register_all
from portal.models import AuditEvent, Notification, OutboxMessage, PrivacyRequest, RequestEvent, RequestStatus
from portal.queue import service, staff_actions, states
from portal.queue.states import TRANSITIONS, InvalidTransition, check
from tests.utils.queue import (
    ADA,
    counts,
    file_diagnostic,
    file_restriction,
    officer,
    set_columns,
    walk,
)

S = RequestStatus
# The legal moves, written out from the design (received -> (verifying) -> queued -> processing ->
# completed | rejected | failed (retried, then dead-lettered) | canceled), independently of states.py.
EXPECTED_LEGAL = {
    (S.RECEIVED, S.VERIFYING),
    (S.RECEIVED, S.QUEUED),
    (S.RECEIVED, S.REJECTED),
    (S.RECEIVED, S.CANCELED),
    (S.VERIFYING, S.QUEUED),
    (S.VERIFYING, S.REJECTED),
    (S.VERIFYING, S.CANCELED),
    (S.QUEUED, S.PROCESSING),
    (S.QUEUED, S.REJECTED),
    (S.QUEUED, S.CANCELED),
    (S.PROCESSING, S.PROCESSING),
    (S.PROCESSING, S.COMPLETED),
    (S.PROCESSING, S.FAILED),
    (S.PROCESSING, S.DEAD_LETTER),
    (S.PROCESSING, S.REJECTED),
    (S.FAILED, S.PROCESSING),
    (S.FAILED, S.QUEUED),
    (S.FAILED, S.DEAD_LETTER),
    (S.FAILED, S.CANCELED),
    (S.FAILED, S.REJECTED),
    (S.DEAD_LETTER, S.QUEUED),
    (S.DEAD_LETTER, S.CANCELED),
    (S.DEAD_LETTER, S.REJECTED),
}
ALL_PAIRS = [(a, b) for a in S for b in S]
LEGAL = [pair for pair in ALL_PAIRS if pair in EXPECTED_LEGAL]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in EXPECTED_LEGAL]
FINAL = (S.COMPLETED, S.REJECTED, S.CANCELED)


def _id(pair: tuple[S, S]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


def test_transition_table_is_the_designed_one() -> None:
    actual = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
    assert actual == EXPECTED_LEGAL
    assert set(TRANSITIONS) == set(S), "every status needs an entry, even if it has no way out"


@pytest.mark.parametrize("pair", LEGAL, ids=_id)
def test_legal_transition_passes(pair: tuple[S, S]) -> None:
    check(pair[0].value, pair[1].value)  # raises on failure


@pytest.mark.parametrize("pair", ILLEGAL, ids=_id)
def test_illegal_transition_raises(pair: tuple[S, S]) -> None:
    with pytest.raises(InvalidTransition, match=f"{pair[0].value} cannot become {pair[1].value}"):
        check(pair[0].value, pair[1].value)


@pytest.mark.parametrize(("current", "target"), [("received", "archived"), ("bogus", "queued"), ("", "")])
def test_unknown_status_raises_invalid_transition(current: str, target: str) -> None:
    with pytest.raises(InvalidTransition, match="unknown status"):
        check(current, target)


def test_shape_of_the_machine() -> None:
    for final in FINAL:
        assert TRANSITIONS[final] == frozenset(), f"{final} is final"
    assert not any(S.RECEIVED in targets for targets in TRANSITIONS.values()), "nothing goes back to received"
    assert {source for source, targets in TRANSITIONS.items() if S.COMPLETED in targets} == {S.PROCESSING}
    # every open status can reach a final one
    for start in set(S) - set(FINAL):
        seen, frontier = {start}, [start]
        while frontier:
            for nxt in TRANSITIONS[frontier.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert seen & set(FINAL), f"{start} can never finish"
    assert {S.RECEIVED, S.VERIFYING, S.QUEUED} == states.CUSTOMER_CANCELABLE
    assert issubclass(InvalidTransition, ValueError)


# --- through the service, on a real database ------------------------------------------------------------------

# The legal path from a fresh restriction request (received) to each status.
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
ROW_FIELDS = [name for name in PrivacyRequest.model_fields]
COUNTED = (PrivacyRequest, RequestEvent, AuditEvent, Notification, OutboxMessage)


def _snapshot(request_id: int) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    with Session(get_engine()) as session:
        row = session.get(PrivacyRequest, request_id)
        assert row is not None
        events = session.execute(
            select(
                RequestEvent.id,
                RequestEvent.kind,
                RequestEvent.from_status,
                RequestEvent.to_status,
                RequestEvent.message,
            )
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.id)
        ).all()
        return {name: getattr(row, name) for name in ROW_FIELDS}, [tuple(e) for e in events]


def test_illegal_transition_through_the_service_changes_nothing(portal_env: Path) -> None:
    register_all()
    engine = get_engine()
    ids: dict[S, int] = {}
    with Session(engine) as session:
        for status, path in PATHS.items():
            request = walk(session, file_restriction(session, ADA, f"states-{status.value}"), path)
            assert request.status == status.value
            assert request.id is not None
            ids[status] = request.id
        session.commit()

    tried = 0
    for source, target in ILLEGAL:
        before_row, before_events = _snapshot(ids[source])
        before_counts = counts(engine, *COUNTED)
        with Session(engine) as session:
            request = session.get(PrivacyRequest, ids[source])
            assert request is not None
            with pytest.raises(InvalidTransition):
                service.transition(session, request, target, actor=Actor.system(), message="must not appear")
            session.commit()  # even a caller that commits afterwards must find nothing written
        after_row, after_events = _snapshot(ids[source])
        assert after_row == before_row, f"{source}->{target} changed the row"
        assert after_events == before_events, f"{source}->{target} changed the timeline"
        assert counts(engine, *COUNTED) == before_counts, f"{source}->{target} wrote something"
        tried += 1
    assert tried == len(ILLEGAL) == 81 - len(EXPECTED_LEGAL)


def test_staff_actions_refuse_illegal_moves_without_writing(portal_env: Path) -> None:
    register_all()
    engine = get_engine()
    with Session(engine) as session:
        done = walk(session, file_diagnostic(session, "states-done"), [S.PROCESSING, S.COMPLETED])
        queued = file_diagnostic(session, "states-queued")
        session.commit()
        done_id, queued_id = done.id, queued.id
    assert done_id is not None and queued_id is not None
    before = counts(engine, *COUNTED), _snapshot(done_id), _snapshot(queued_id)
    attempts = [
        lambda s: staff_actions.approve(s, request_id=queued_id, actor=officer()),  # already queued
        lambda s: staff_actions.retry(s, request_id=queued_id, actor=officer()),  # not failed
        lambda s: staff_actions.reject(s, request_id=done_id, actor=officer(), reason="Too late to reject"),
        lambda s: staff_actions.cancel_by_staff(s, request_id=done_id, actor=officer(), reason="Too late to cancel"),
        lambda s: staff_actions.extend(s, request_id=done_id, actor=officer(), months=1, reason="Finished already"),
    ]
    for attempt in attempts:
        with Session(engine) as session:
            with pytest.raises(InvalidTransition):
                attempt(session)
            session.commit()
    assert (counts(engine, *COUNTED), _snapshot(done_id), _snapshot(queued_id)) == before


def test_a_status_changed_behind_our_back_is_not_overwritten(portal_env: Path) -> None:
    """`transition` checks the status it read; a stale object cannot move a request that moved on."""
    register_all()
    engine = get_engine()
    with Session(engine) as session:
        request = file_diagnostic(session, "states-stale")
        session.commit()
        request_id = request.id
    assert request_id is not None
    with Session(engine) as stale:
        stale_copy = stale.get(PrivacyRequest, request_id)
        assert stale_copy is not None and stale_copy.status == "queued"
        set_columns(engine, request_id, status="canceled")
        with pytest.raises(service.ConcurrentChange):
            service.transition(stale, stale_copy, S.PROCESSING, actor=Actor.system())
        stale.rollback()
    with Session(engine) as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == "canceled"
