"""GDPR Art. 19 notices: who received the data is known (the disclosure log), and every completed rectification,
erasure, restriction and lifting of a restriction writes one notice per recipient that received the affected data,
carrying only what that recipient needs. The customer sees them on the request; staff work the notice desk."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from portal.audit import Actor
from portal.db import get_engine, session_scope
from portal.errors import Conflict, Forbidden, Invalid, NotFound
from portal.jobs import inline, register_all
from portal.models import Disclosure, Notification, RecipientEndpoint, RecipientNotice
from portal.models.types import utcnow
from portal.queue import staff_actions
from portal.queue.worker import Worker
from portal.services.recipients import desk, views
from portal.services.rights import consent_withdrawal, erasure, receipts, rectification
from portal.services.views import requests_view
from tests.utils.principals import ADA, AGENT, DPO, GRACE, LINUS, MARGARET, principal_for


@pytest.fixture(autouse=True)
def _types(portal_env: Path) -> None:
    register_all()


def run_worker() -> None:
    assert Worker(get_engine(), name="test-notices").run_one()


def notices(request_id: int) -> dict[str, RecipientNotice]:
    with session_scope() as session:
        rows = session.exec(select(RecipientNotice).where(col(RecipientNotice.request_id) == request_id)).all()
        return {row.recipient: row for row in rows}


def test_the_disclosure_log_follows_the_catalogue_and_the_consents() -> None:
    with session_scope() as session:
        sent = {(row.customer_id, row.recipient) for row in session.exec(select(Disclosure))}
    assert (GRACE, "partners") in sent and (GRACE, "mailing") in sent, "grace gave both consents"
    assert (LINUS, "partners") not in sent and (LINUS, "mailing") not in sent, "linus never did"
    assert (ADA, "partners") in sent, "ada's profile went out in the month her partner consent was given"
    assert {(c, "payments") for c in (ADA, GRACE, LINUS, MARGARET)} <= sent


def test_the_customer_sees_who_received_a_category_and_never_another_customers_log() -> None:
    grace = views.category_disclosures(principal_for(GRACE), "transaction")
    assert any(name.startswith("BrightHome Retail GmbH") for name in grace.recipients)
    assert grace.total > len(grace.recent) == views.RECENT_DISCLOSURES
    linus = views.category_disclosures(principal_for(LINUS), "transaction")
    assert not any(name.startswith("BrightHome") for name in linus.recipients)
    assert all(not any(ref.startswith("SO-2") for ref in item.refs) for item in linus.recent), "only his own orders"
    usage = views.category_disclosures(principal_for(ADA), "usage")
    assert usage.recipients == (
        "Metricly Analytics Inc. (web analytics provider, processor, United States); "
        "transferred under EU Standard Contractual Clauses (Commission Decision 2021/914, "
        "module 2) and the EU-US Data Privacy Framework certification of Metricly Analytics "
        "Inc.",
    )
    with pytest.raises(NotFound):
        views.category_disclosures(principal_for(ADA), "nonsense")


def test_a_correction_tells_each_recipient_of_the_profile_only_what_it_needs() -> None:
    ada = principal_for(ADA)
    with session_scope() as session:
        session.add(
            RecipientEndpoint(
                recipient="logistics", url="https://carrier.example/hook", token_sha256="0" * 64, updated_at=utcnow()
            )
        )
    raw = {**rectification.current_identity(ada), "phone": "+44 20 7946 0000"}
    request_id = rectification.submit(ada, raw, idempotency_key="fix-phone").rectification_id
    assert request_id is not None
    run_worker()

    told = notices(request_id)
    assert set(told) == {"logistics", "support_desk", "partners"}, "every recipient of the profile, no one else"
    for recipient, notice in told.items():
        assert notice.body["type"] == "art19.rectification"
        assert notice.body["changes"] == {"identity_profile": {"phone": "+44 20 7946 0000"}}
        assert notice.body["records"] == [{"kind": "identity_profile", "refs": []}]
        assert "Ada" not in str(notice.body) and "ada@" not in str(notice.body), "nothing it did not need"
        assert notice.channel == ("webhook" if recipient == "logistics" else "staff_task")
        assert notice.status == ("pending" if recipient == "logistics" else "open")
    assert len({n.body["customer_ref"] for n in told.values()}) == 3, "recipients cannot link their notices"

    shown = views.request_notices(ada, request_id)
    assert [n.recipient for n in shown] == ["ParcelWay Logistics SAS", "BrightHome Retail GmbH", "HelpHub Software Ltd"]
    assert shown[0].state == "Being sent" and shown[1].state == "Our privacy team tells them directly"
    with pytest.raises(NotFound):
        views.request_notices(principal_for(GRACE), request_id)


def test_an_erasure_tells_every_recipient_and_the_signed_receipt_names_them() -> None:
    margaret = principal_for(MARGARET)
    request_id = erasure.request_withdrawal(margaret, password="demo-password", confirmed=True, idempotency_key="w")
    token = inline.process_now(request_id, timeout=30)
    assert token
    told = notices(request_id)
    assert set(told) == {"payments", "logistics", "support_desk", "analytics", "mailing"}
    assert all(n.body["type"] == "art19.erasure" and "changes" not in n.body for n in told.values())
    orders = next(r for r in told["payments"].body["records"] if r["kind"] == "order")  # type: ignore[union-attr]
    assert orders["refs"] == ["SO-400001", "SO-400002", "SO-400003"], "the order numbers the provider was given"
    assert receipts.read(token)["recipients_told"] == [
        "HelpHub Software Ltd",
        "Metricly Analytics Inc.",
        "ParcelWay Logistics SAS",
        "PayBridge Payments B.V.",
        "PostLane Mail ApS",
    ]
    assert "Recipients of your data we told to erase it too:" in receipts.as_text(token)
    with session_scope() as session:
        assert session.exec(select(Disclosure).where(Disclosure.customer_id == MARGARET)).all() == []


def test_withdrawing_usage_analytics_tells_the_analytics_provider() -> None:
    request_id = consent_withdrawal.withdraw_and_erase(
        principal_for(ADA), purpose_key="usage_analytics", confirmed=True
    )
    token = inline.process_now(request_id, timeout=30)
    assert token and set(notices(request_id)) == {"analytics"}
    assert receipts.read(token)["recipients_told"] == ["Metricly Analytics Inc."]


def test_a_restriction_and_its_lifting_are_told_and_an_objection_is_not() -> None:
    grace = principal_for(GRACE)
    officer = Actor(account_id=DPO, role="dpo", origin="staff")
    restriction = requests_view.file_restriction(
        grace, kind="restriction", category="transaction", reason="The order amounts are wrong.", idempotency_key="r"
    )
    objection = requests_view.file_restriction(
        grace, kind="objection", category="technical", reason="I object to the device tracking.", idempotency_key="o"
    )
    with session_scope() as session:
        for request_id in (restriction, objection):
            staff_actions.approve(session, request_id=request_id, actor=officer)
    run_worker()
    run_worker()
    assert set(notices(restriction)) == {"payments", "logistics", "partners", "support_desk"}
    assert all(n.body["type"] == "art19.restriction" for n in notices(restriction).values())
    assert notices(objection) == {}, "Art. 19 covers restrictions, not objections"

    lift = requests_view.lift_restriction(grace, restriction_request=restriction, idempotency_key="lift")
    run_worker()
    assert set(notices(lift)) == set(notices(restriction))
    assert all(n.body["type"] == "art19.restriction_lifted" for n in notices(lift).values())
    assert requests_view.category_restrictions(grace, "transaction").active == []
    with pytest.raises(Invalid):  # lifted already, or another customer's: the same refusal
        requests_view.lift_restriction(principal_for(ADA), restriction_request=objection, idempotency_key="x")


def test_the_notice_desk_resends_closes_tasks_and_flags_what_is_overdue() -> None:
    ada = principal_for(ADA)
    request_id = rectification.submit(
        ada, {**rectification.current_identity(ada), "city": "Bath"}, idempotency_key="fix-city"
    ).rectification_id
    assert request_id is not None
    run_worker()
    task = notices(request_id)["support_desk"]
    agent, officer = principal_for(AGENT), principal_for(DPO)

    assert {n.id for n in views.staff_notices(agent, show="open")} >= {task.id}
    with pytest.raises(Conflict):
        desk.resend(agent, task.id)  # a task has no endpoint to send to
    with pytest.raises(Forbidden):
        desk.close_task(agent, task.id, answer="done", note="Phoned them.")
    with pytest.raises(Invalid):
        desk.close_task(officer, task.id, answer="done", note=" ")
    desk.close_task(officer, task.id, answer="done", note="Told HelpHub's DPO by email; they corrected it.")
    assert notices(request_id)["support_desk"].status == "acknowledged"
    state = {n.recipient_key: n.state for n in views.request_notices(ada, request_id)}["support_desk"]
    assert state.startswith("Confirmed on ")
    with pytest.raises(Conflict):
        desk.close_task(officer, task.id, answer="done", note="again")

    later = utcnow() + timedelta(days=31)
    assert desk.flag_overdue(get_engine(), now=later) == 2, "the two other notices of the correction"
    assert desk.flag_overdue(get_engine(), now=later) == 0, "once per notice"
    with session_scope() as session:
        told = session.exec(select(Notification).where(Notification.account_id == DPO)).all()
    assert len(told) == 2 and all(n.title.startswith("Overdue: ") for n in told)
    with pytest.raises(Forbidden):
        views.staff_notices(ada)
