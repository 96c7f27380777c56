"""Simulated-user tests for the customer's side of the request queue: filing a restriction from a category
page, the request list and detail, canceling, notes, and object-level authorisation on request ids."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import func, select

from portal.audit import Actor
from portal.db import session_scope
from portal.models import PrivacyRequest, RequestStatus
from portal.queue import service as queue
from portal.queue import staff_actions
from portal.queue.states import InvalidTransition
from tests.utils.signin import sign_in

ADA, GRACE, DPO = 1, 2, 6
REASON = "I dispute the accuracy of this data."


def file_request(customer_id: int, kind: str = "restriction", category: str = "usage") -> int:
    """File a restriction straight through the queue service, as the customer would."""
    with session_scope() as session:
        request, _ = queue.submit(
            session,
            type_key=kind,
            subject_id=customer_id,
            actor=Actor(account_id=customer_id, role="customer", origin="portal"),
            payload={"category": category, "reason": REASON},
            idempotency_key=uuid.uuid4().hex,
        )
        assert request.id is not None
        return request.id


def status_of(request_id: int) -> str:
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        return request.status


async def wait_for_status(request_id: int, status: str, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if status_of(request_id) == status:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"request {request_id} is {status_of(request_id)}, not {status}")


def approve(request_id: int) -> None:
    with session_scope() as session:
        staff_actions.approve(session, request_id=request_id, actor=Actor(account_id=DPO, role="dpo", origin="portal"))


def request_count(customer_id: int) -> int:
    with session_scope() as session:
        return int(
            session.exec(
                select(func.count()).select_from(PrivacyRequest).where(PrivacyRequest.subject_id == customer_id)
            ).one()
        )


def statuses_shown(user: User) -> list[str]:
    return [e.text for e in user.find(marker="request-status").elements if isinstance(e, ui.label)]


async def file_restriction_in_ui(user: User, reason: str = REASON) -> None:
    await user.open("/data/usage")
    await user.should_see(marker="category-restrict")
    user.find(marker="category-restrict").click()
    user.find(marker="restrict-reason").type(reason)
    user.find(marker="restrict-submit").click()


async def test_customer_files_a_restriction_and_sees_it_received(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await file_restriction_in_ui(user)
    await user.should_see("filed")
    await user.should_see(marker="category-restriction-pending")
    await user.open("/requests")
    await user.should_see("Restriction of processing")
    with session_scope() as session:
        request_id = session.exec(select(PrivacyRequest.id).where(PrivacyRequest.subject_id == ADA)).one()
    await user.should_see(marker=f"request-row-{request_id}")
    assert statuses_shown(user) == ["received"]
    await user.open("/")
    await user.should_see(marker=f"overview-request-{request_id}")
    await user.should_see(f"Restriction of processing #{request_id}: received")  # the account activity, in words


async def test_a_short_reason_is_refused_next_to_the_field(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await file_restriction_in_ui(user, reason="too short")
    field = next(iter(user.find(marker="restrict-reason").elements))
    for _ in range(100):  # the refusal arrives within moments; a busy machine may need more than the old 0.2 s
        if field.error:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.05)
    assert field.error and "at least 10 characters" in field.error  # type: ignore[attr-defined]
    assert request_count(ADA) == 0


async def test_a_double_click_files_one_request(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await file_restriction_in_ui(user)
    user.find(marker="restrict-submit").click()  # the second click of a double click, same dialog
    await user.should_see("filed")
    await asyncio.sleep(0.3)
    assert request_count(ADA) == 1


async def test_customer_cancels_a_received_request(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see(marker="request-cancel")
    user.find(marker="request-cancel").click()
    await user.should_see(marker="request-cancel-confirm")
    user.find(marker="request-cancel-confirm").click()
    await user.should_see(f"Request #{request_id} was canceled.")
    assert status_of(request_id) == "canceled"
    assert statuses_shown(user) == ["canceled"]
    await user.should_not_see(marker="request-cancel")
    await user.should_see("Canceled by you")


async def test_a_completed_request_cannot_be_canceled(user: User) -> None:
    request_id = file_request(ADA)
    approve(request_id)
    await wait_for_status(request_id, RequestStatus.COMPLETED.value)
    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see(marker="request-outcome")
    assert statuses_shown(user) == ["completed"]
    await user.should_not_see(marker="request-cancel")
    with pytest.raises(InvalidTransition), session_scope() as session:
        queue.cancel_by_customer(
            session, customer_id=ADA, request_id=request_id, actor=Actor(account_id=ADA, role="customer")
        )
    assert status_of(request_id) == "completed"


async def test_another_customers_request_reads_exactly_like_a_missing_one(user: User) -> None:
    graces = file_request(GRACE)
    await sign_in(user, "ada@example.com")
    theirs = await user.http_client.get(f"/requests/{graces}")
    missing = await user.http_client.get("/requests/999999")
    assert theirs.status_code == missing.status_code == 404
    for response in (theirs, missing):
        assert "There is no such request in your account." in response.text
    assert REASON not in theirs.text and "Grace" not in theirs.text
    assert (await user.http_client.get("/requests/abc")).status_code == 404


async def test_customer_sends_a_note_to_staff(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see(marker="request-note-input")
    user.find(marker="request-note-input").type("Please also check my old account.")
    user.find(marker="request-note-send").click()
    await user.should_see("Your note: Please also check my old account.")
    assert len(user.find(marker="request-event").elements) == 2


async def test_staff_have_no_customer_request_pages(user: User) -> None:
    await sign_in(user, "dpo@example.com")
    assert (await user.http_client.get("/requests")).status_code == 403


async def test_a_finished_request_explains_that_notes_are_closed_instead_of_offering_a_form(user: User) -> None:
    request_id = file_request(ADA)
    with session_scope() as session:
        queue.cancel_by_customer(
            session,
            customer_id=ADA,
            request_id=request_id,
            actor=Actor(account_id=ADA, role="customer", origin="portal"),
        )
    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see(marker="request-note-closed")
    await user.should_see("privacy@sonoff.example")
    await user.should_not_see(marker="request-note-input")


async def test_the_request_shows_what_it_asks_for_in_words_not_keys(user: User) -> None:
    request_id = file_request(ADA, category="usage")
    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see(marker="request-payload-category")
    assert user.find(marker="request-payload-category").elements.pop().text == "Usage data"
    assert user.find(marker="request-payload-reason").elements.pop().text == REASON
    await user.should_see("Your reason")


async def test_a_finished_request_says_when_it_finished_not_when_it_was_due(user: User) -> None:
    request_id = file_request(ADA)
    approve(request_id)
    await wait_for_status(request_id, RequestStatus.COMPLETED.value)
    waiting = file_request(ADA, category="technical")
    await sign_in(user, "ada@example.com")
    await user.open("/requests")
    await user.should_see(marker=f"request-row-{request_id}")
    with session_scope() as session:
        finished = session.get(PrivacyRequest, request_id)
        assert finished is not None and finished.completed_at is not None
        day = f"{finished.completed_at:%Y-%m-%d}"
    (done_row,) = user.find(marker=f"request-row-{request_id}").elements
    (open_row,) = user.find(marker=f"request-row-{waiting}").elements
    finished = [label.text for label in user.find(marker="request-finished").elements if _inside(label, done_row)]  # type: ignore[attr-defined]
    assert finished == [f"Finished {day}"]
    assert not [label for label in user.find(marker="request-due").elements if _inside(label, done_row)]
    assert [label for label in user.find(marker="request-due").elements if _inside(label, open_row)]
    await user.open(f"/requests/{request_id}")
    await user.should_see(marker="request-completed")
    await user.should_not_see(marker="request-due")


def _inside(element: ui.element, ancestor: ui.element) -> bool:
    while element.parent_slot is not None:
        element = element.parent_slot.parent
        if element is ancestor:
            return True
    return False
