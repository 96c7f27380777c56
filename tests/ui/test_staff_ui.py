"""Simulated-user tests for the staff console: the queue, one request's actions per role, the audit trail and
the outbox — and the whole journey of a restriction from the customer's click to its completion."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from nicegui.testing import User
from sqlmodel import select

from portal.audit import Actor
from portal.catalogue import get_catalogue
from portal.db import session_scope
from portal.models import AuditEvent, OutboxMessage, PrivacyRequest, RequestStatus
from portal.queue import deadlines, staff_actions
from portal.queue import service as queue
from portal.services.identity import password_reset
from portal.services.views import outbox_view
from tests.ui.test_requests_ui import ADA, DPO, REASON, file_request, status_of, statuses_shown, wait_for_status
from tests.utils.principals import principal_for
from tests.utils.signin import sign_in

AGENT = 5


async def test_customer_is_refused_at_every_staff_page(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "ada@example.com")
    for path in ("/staff", f"/staff/requests/{request_id}", "/staff/audit", "/staff/outbox"):
        response = await user.http_client.get(path)
        assert response.status_code == 403, path
        assert "staff only" in response.text


async def test_staff_asking_for_a_missing_request_get_a_page_in_the_console_with_a_way_back(user: User) -> None:
    await sign_in(user, "dpo@example.com")
    for path in ("/staff/requests/999999", "/staff/requests/abc"):
        response = await user.http_client.get(path)
        assert response.status_code == 404, path
        assert "There is no request with this number." in response.text
        assert "HTTPException" not in response.text, "the framework's bare error page"
        assert "nav-staff-audit" in response.text, "the console's own navigation"
        assert "problem-way-on" in response.text and "Back to the request queue" in response.text


async def test_restriction_from_click_to_completion(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/data/usage")
    await user.should_see(marker="category-restrict")
    user.find(marker="category-restrict").click()
    user.find(marker="restrict-reason").type(REASON)
    user.find(marker="restrict-submit").click()
    await user.should_see("filed")
    with session_scope() as session:
        request_id = session.exec(select(PrivacyRequest.id).where(PrivacyRequest.subject_id == ADA)).one()
    await user.open("/requests")
    await user.should_see(marker=f"request-row-{request_id}")
    assert statuses_shown(user) == ["received"]

    await sign_in(user, "dpo@example.com")
    await user.open("/staff")
    await user.should_see(marker=f"staff-row-{request_id}")
    await user.should_see("#1 Ada Lovelace")
    await user.should_see(marker="staff-count-received")
    await user.open(f"/staff/requests/{request_id}")
    await user.should_see(marker="staff-approve")
    user.find(marker="staff-approve").click()
    await user.should_see("Approved: the request is queued.")
    await wait_for_status(request_id, RequestStatus.COMPLETED.value)

    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see(marker="request-outcome")
    assert statuses_shown(user) == ["completed"]
    await user.should_see("Approved by the privacy officer")
    await user.should_see(marker="header-notifications-count")  # the bell's timer fills it in
    user.find(marker="header-notifications").click()
    await user.should_see(marker="notification-item")
    await user.should_see("Processing restricted: Usage data")
    await user.should_not_see(marker="header-notifications-count")
    await user.open("/data/usage")
    await user.should_see(marker="category-restriction")


async def test_reject_without_a_reason_shows_an_error_and_changes_nothing(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "dpo@example.com")
    await user.open(f"/staff/requests/{request_id}")
    await user.should_see(marker="staff-reject")
    user.find(marker="staff-reject").click()
    await user.should_see(marker="staff-reject-confirm")
    user.find(marker="staff-reject-confirm").click()
    field = next(iter(user.find(marker="staff-reject-reason").elements))
    assert field.error == "A reason is required."  # type: ignore[attr-defined]
    assert status_of(request_id) == "received"


async def test_rejection_reason_and_complaint_right_reach_the_customer(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "dpo@example.com")
    await user.open(f"/staff/requests/{request_id}")
    await user.should_see(marker="staff-reject")
    user.find(marker="staff-reject").click()
    await user.should_see(marker="staff-reject-reason")
    user.find(marker="staff-reject-reason").type("We need this data to detect fraud.")
    user.find(marker="staff-reject-confirm").click()
    await user.should_see("Rejected.")
    assert status_of(request_id) == "rejected"
    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see("We need this data to detect fraud.")
    await user.should_see(marker="request-complaint-right")


async def test_agent_cannot_approve(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "agent@example.com")
    await user.open(f"/staff/requests/{request_id}")
    await user.should_see(marker="staff-comment-send")
    await user.should_not_see(marker="staff-approve")
    await user.should_not_see(marker="staff-reject")
    await user.should_not_see(marker="staff-extend")
    with pytest.raises(queue.NotPermitted), session_scope() as session:
        staff_actions.approve(
            session, request_id=request_id, actor=Actor(account_id=AGENT, role="agent", origin="portal")
        )
    assert status_of(request_id) == "received"


async def test_internal_comments_stay_internal(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "agent@example.com")
    await user.open(f"/staff/requests/{request_id}")
    await user.should_see(marker="staff-comment-input")
    user.find(marker="staff-comment-input").type("Checked the account history.")
    user.find(marker="staff-comment-send").click()
    await user.should_see("Internal comment: Checked the account history.")
    await user.should_see(marker="request-event-internal")
    user.find(marker="staff-comment-input").type("We are looking into it.")
    user.find(marker="staff-comment-to-customer").click()
    user.find(marker="staff-comment-send").click()
    await user.should_see("Message to customer: We are looking into it.")
    # The box goes back to internal after each send, so the next note cannot reach the customer by accident.
    assert [box.value for box in user.find(marker="staff-comment-to-customer").elements] == [False]
    user.find(marker="staff-comment-input").type("Second internal note.")
    user.find(marker="staff-comment-send").click()
    await user.should_see("Internal comment: Second internal note.")
    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see("Message from our privacy team: We are looking into it.")
    await user.should_not_see("Checked the account history.")
    await user.should_not_see("Second internal note.")


async def test_viewing_a_request_is_audited(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "agent@example.com")
    await user.open(f"/staff/requests/{request_id}")
    await user.should_see(marker="request-timeline")
    with session_scope() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "staff.request_viewed")).all()
    assert [(e.actor_id, e.subject_id, e.target_id) for e in events] == [(AGENT, ADA, str(request_id))]


async def test_queue_filters_by_status(user: User) -> None:
    first, second = file_request(ADA), file_request(ADA, kind="objection", category="technical")
    with session_scope() as session:
        queue.cancel_by_customer(
            session, customer_id=ADA, request_id=first, actor=Actor(account_id=ADA, role="customer")
        )
    await sign_in(user, "dpo@example.com")
    await user.open("/staff")
    await user.should_see(marker=f"staff-row-{second}")
    await user.should_see(marker=f"staff-row-{first}")
    user.find(marker="staff-count-canceled").click()
    await user.should_not_see(marker=f"staff-row-{second}")
    await user.should_see(marker=f"staff-row-{first}")


async def test_audit_page_verifies_the_chain(user: User) -> None:
    file_request(ADA)
    await sign_in(user, "dpo@example.com")
    await user.open("/staff/audit")
    await user.should_see(marker="audit-table")
    await user.should_see("request.received")
    user.find(marker="audit-verify").click()
    await user.should_see("audit chain intact")


async def test_agents_are_told_the_audit_trail_is_for_privacy_officers(user: User) -> None:
    await sign_in(user, "agent@example.com")
    await user.open("/staff/audit")
    await user.should_see("The audit trail is for privacy officers only.")
    await user.should_not_see(marker="audit-table")
    await user.should_not_see(marker="nav-staff-audit")  # the navigation does not offer it to agents


async def test_outbox_shows_the_mail_a_status_change_sent(user: User) -> None:
    request_id = file_request(ADA)
    with session_scope() as session:
        staff_actions.reject(
            session, request_id=request_id, actor=Actor(account_id=DPO, role="dpo"), reason="Not possible."
        )
    await sign_in(user, "agent@example.com")
    await user.open("/staff/outbox")
    await user.should_see(marker="outbox-table")
    await user.should_see("ada@example.com")
    await user.should_see("Request rejected: Restriction of processing")
    with session_scope() as session:  # ada's: the agent's own sign-in from a new browser wrote a notice after it
        message_id = session.exec(
            select(OutboxMessage.id)
            .where(OutboxMessage.to_address == "ada@example.com")
            .order_by(OutboxMessage.id.desc())  # type: ignore[union-attr]
        ).first()
    user.find(marker=f"outbox-read-{message_id}").click()
    await user.should_see(marker="outbox-body")
    await user.should_see("Reason: Not possible.")


def make_overdue(request_id: int) -> None:
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        request.received_at -= timedelta(days=40)
        request.due_at = deadlines.due_date(request.received_at)
        session.add(request)


async def test_overdue_requests_are_flagged_and_filterable(user: User) -> None:
    late, fresh = file_request(ADA), file_request(ADA, kind="objection")
    make_overdue(late)
    await sign_in(user, "dpo@example.com")
    await user.open("/staff")
    await user.should_see(marker=f"staff-row-{fresh}")
    await user.should_see(marker=f"staff-row-{late}")
    with user.scope(marker=f"staff-row-{late}"):
        await user.should_see("overdue")
    user.find(marker="staff-filter-overdue").click()
    await user.should_not_see(marker=f"staff-row-{fresh}")
    await user.should_see(marker=f"staff-row-{late}")
    await sign_in(user, "ada@example.com")
    await user.open("/requests")
    await user.should_see(marker=f"request-row-{late}")
    with user.scope(marker=f"request-row-{late}"):
        await user.should_see(marker="request-due-badge")


async def test_extension_reason_reaches_the_customer(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "dpo@example.com")
    await user.open(f"/staff/requests/{request_id}")
    await user.should_see(marker="staff-extend")
    user.find(marker="staff-extend").click()
    await user.should_see(marker="staff-extend-reason")
    user.find(marker="staff-extend-reason").type("We must check records held by a processor.")
    user.find(marker="staff-extend-confirm").click()
    await user.should_see("Deadline extended.")
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.extended_due_at is not None
        new_due = f"{request.extended_due_at:%Y-%m-%d}"
    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see(f"Extended to {new_due}: We must check records held by a processor.")


async def test_staff_see_a_list_payload_as_json(user: User) -> None:
    with session_scope() as session:
        request, _ = queue.submit(
            session,
            type_key="export",
            subject_id=ADA,
            actor=Actor(account_id=ADA, role="customer", origin="portal"),
            payload={"categories": ["identity", "usage"], "formats": ["json"]},
            idempotency_key="staff-payload-json",
        )
        request_id = request.id
    await sign_in(user, "dpo@example.com")
    await user.open(f"/staff/requests/{request_id}")
    await user.should_see(marker="staff-payload-categories")
    assert user.find(marker="staff-payload-categories").elements.pop().text == '["identity", "usage"]'
    # ...and beside the stored payload, what it asks for in words, with the catalogue's names
    catalogue = get_catalogue()
    assert user.find(marker="staff-fact-categories").elements.pop().text == (
        f"{catalogue.categories['identity'].title}, {catalogue.categories['usage'].title}"
    )
    assert user.find(marker="staff-fact-formats").elements.pop().text == "JSON"


async def test_staff_reading_the_outbox_never_see_a_link_token(user: User) -> None:
    # A password reset link in the outbox would let any agent take over ada's account without a grant.
    password_reset.request_reset("ada@example.com", client="198.51.100.7")
    with session_scope() as session:
        message = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert message is not None and "/reset-password?token=" in message.body
        token = message.body.split("token=", 1)[1].split()[0]
        message_id = message.id
    assert len(token) > 20
    await sign_in(user, "agent@example.com")
    await user.open("/staff/outbox")
    await user.should_see(marker=f"outbox-read-{message_id}")
    user.find(marker=f"outbox-read-{message_id}").click()
    await user.should_see(marker="outbox-body")
    body = next(iter(user.find(marker="outbox-body").elements)).text  # type: ignore[attr-defined]
    assert "/reset-password?token=(hidden: only the recipient can use this link)" in body
    assert token not in body
    page = outbox_view.outbox_page(principal_for(AGENT))
    assert all(token not in row.body for row in page.rows), "the service never hands the token to staff"


async def test_the_audit_csv_link_carries_the_filters_shown(user: User) -> None:
    """'Download CSV' downloads what the officer filtered: the link follows the filters (#21 point 8)."""
    await sign_in(user, "dpo@example.com")
    await user.open("/staff/audit")
    await user.should_see(marker="audit-table")
    user.find(marker="audit-filter-subject").type(str(DPO))  # the officer's own sign-in
    user.find(marker="audit-filter-action").type("signed_in")
    (link,) = user.find(marker="audit-download").elements
    for _ in range(50):
        if f"subject={DPO}" in link.props.get("href", "") and "action=signed_in" in link.props.get("href", ""):
            break
        await asyncio.sleep(0.1)
    href = link.props["href"]
    assert href.startswith("/staff/audit.csv?") and f"subject={DPO}" in href and "action=signed_in" in href, href
    response = await user.http_client.get(href)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("seq,time_utc,action,") and len(lines) > 1
    assert all(",auth.signed_in," in line and f",{DPO},dpo," in line for line in lines[1:]), lines[:3]
