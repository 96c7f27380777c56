"""Correcting identity details: the old → new preview, filing through the queue, the email-change link
(valid, tampered, expired, reused, another account's) and supplementary statements."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select

from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.jobs import register_all
from portal.models import (
    Account,
    AuditEvent,
    FieldStatement,
    IdentityProfile,
    Notification,
    Order,
    OutboxMessage,
    PrivacyRequest,
    RequestEvent,
    RequestStatus,
    UsedToken,
)
from portal.queue.worker import Worker
from portal.services.identity import auth, tokens
from portal.services.identity.principal import Principal
from portal.services.identity.tokens import TokenError
from portal.services.rights import rectification
from portal.services.rights.identity_validation import LIMITS
from portal.services.rights.rectification import RectificationError
from tests.utils.principals import ADA, GRACE, principal_for

ADA_IDENTITY = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "street": "12 St James's Square",
    "city": "London",
    "state": "Greater London",
    "postcode": "SW1Y 4JH",
    "country": "GB",
    "phone": "+44 20 7946 0958",
    "fax": "+44 20 7946 0959",
}
STORED = (PrivacyRequest, RequestEvent, AuditEvent, OutboxMessage, Notification, UsedToken, FieldStatement)
PASSWORD = "demo-password"  # an email change asks for the current password
LINK = re.compile(r"/confirm-email\?token=([A-Za-z0-9_.\-]+)")


@pytest.fixture
def ada(portal_env: Path) -> Principal:
    register_all()
    return principal_for(ADA)


def stored() -> dict[str, int]:
    """Row counts of every table a filing could write to, read in a fresh session."""
    with Session(get_engine()) as session:
        return {
            table.__tablename__: session.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[attr-defined]
            for table in STORED
        }


def run_worker() -> bool:
    return Worker(get_engine(), name="test-rectification").run_one()


def request_row(request_id: int | None) -> PrivacyRequest:
    assert request_id is not None
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        return request


def identity(account_id: int = ADA) -> dict[str, str]:
    with session_scope() as session:
        profile = session.get(IdentityProfile, account_id)
        assert profile is not None
        return {name: getattr(profile, name) for name in LIMITS}


def account_email(account_id: int = ADA) -> str:
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account.email


def can_sign_in(email: str) -> bool:
    with session_scope() as session:
        outcome = auth.login(
            session=session, settings=get_settings(), email=email, password="demo-password", client="127.0.0.1"
        )
    return outcome.outcome == auth.LoginOutcome.OK


def tamper(token: str) -> str:
    index = len(token) // 2
    while token[index] == ".":
        index += 1
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


def file_email_change(principal: Principal, new_email: str, key: str = "email") -> tuple[int, str]:
    """Submit a new email address; return the email_change request id and the token from the link we sent."""
    form = {**rectification.current_identity(principal), "email": new_email}
    filed = rectification.submit(principal, form, idempotency_key=key, password=PASSWORD)
    assert filed.rectification_id is None and filed.email_change_id is not None
    with session_scope() as session:
        messages = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.subject == "Confirm your new email address")
            .order_by(OutboxMessage.id.desc())
        ).all()  # type: ignore[union-attr]
        assert messages, "a confirmation email is in the outbox"
        body = messages[0].body
    match = LINK.search(body)
    assert match, body
    return filed.email_change_id, match.group(1)


# --- preview ---------------------------------------------------------------------------------------------------


def test_the_current_identity_is_the_stored_profile(ada: Principal) -> None:
    assert rectification.current_identity(ada) == ADA_IDENTITY


def test_preview_lists_exactly_the_changed_fields_old_to_new(ada: Principal) -> None:
    before = stored()
    result, changes = rectification.preview(
        ada, {**ADA_IDENTITY, "city": "Manchester", "postcode": "m1 1ae", "full_name": "  Augusta Ada   King "}
    )
    assert result.ok
    assert [(c.field, c.label, c.old, c.new) for c in changes] == [
        ("full_name", "Real name", "Ada Lovelace", "Augusta Ada King"),
        ("city", "City", "London", "Manchester"),
        ("postcode", "Postcode", "SW1Y 4JH", "M1 1AE"),
    ]
    assert stored() == before, "a preview writes nothing"


def test_preview_of_an_unchanged_or_only_renormalised_form_lists_nothing(ada: Principal) -> None:
    assert rectification.preview(ada, ADA_IDENTITY)[1] == []
    same = {
        **ADA_IDENTITY,
        "email": " ADA@Example.COM ",
        "postcode": "sw1y 4jh",
        "country": "gb",
        "full_name": "Ada   Lovelace",
    }
    result, changes = rectification.preview(ada, same)
    assert result.ok and changes == []


def test_preview_of_an_invalid_form_returns_the_errors_and_no_changes(ada: Principal) -> None:
    result, changes = rectification.preview(ada, {**ADA_IDENTITY, "phone": "0207", "city": "Manchester"})
    assert not result.ok and set(result.errors) == {"phone"}
    assert changes == []


def test_clearing_an_optional_field_is_a_change(ada: Principal) -> None:
    _, changes = rectification.preview(ada, {**ADA_IDENTITY, "fax": ""})
    assert [(c.field, c.old, c.new) for c in changes] == [("fax", "+44 20 7946 0959", "")]


# --- submit ----------------------------------------------------------------------------------------------------


def test_submitting_no_change_is_refused(ada: Principal) -> None:
    before = stored()
    with pytest.raises(RectificationError, match=r"^Nothing has changed\.$"):
        rectification.submit(ada, ADA_IDENTITY, idempotency_key="same")
    assert stored() == before


@pytest.mark.parametrize(
    "junk",
    [
        {"phone": "0207 946 0958"},
        {"email": "not-an-email"},
        {"full_name": ""},
        {"city": "x" * 81},
        {"full_name": "Ada\x00Lovelace"},
        {"street": "12\u202e St"},
        {"country": "XX"},
        {"postcode": "12345"},
        {"is_admin": "yes"},
        {"fax": 12},
        {"city": None},
    ],
    ids=lambda junk: next(iter(junk)),
)
def test_an_invalid_form_is_refused_and_writes_nothing(ada: Principal, junk: dict[str, object]) -> None:
    before = stored()
    with pytest.raises(RectificationError, match="correct the highlighted fields"):
        rectification.submit(
            ada,
            {**ADA_IDENTITY, "city": "Manchester", "email": "ada.new@example.com", **junk},
            idempotency_key=f"junk-{uuid.uuid4()}",
            password=PASSWORD,
        )
    assert stored() == before
    assert identity() == ADA_IDENTITY


PLAUSIBLE: dict[str, list[str]] = {
    "full_name": ["Augusta Ada King", "ada  lovelace", "", "Ada\nKing"],
    "email": ["ada2@example.com", "Ada.King@Example.org", "grace@example.com", "ada@"],
    "street": ["1 Piccadilly", " 12 St James's  Square"],
    "city": ["Manchester", "london", "x" * 81],
    "state": ["", "Lancashire"],
    "postcode": ["M1 1AE", "sw1y4jh", "10115"],
    "country": ["GB", "gb", "DE", "XX"],
    "phone": ["+44 161 496 0000", "0161 496 0000"],
    "fax": ["", "+44 161 496 0001"],
}
JUNK = st.one_of(st.none(), st.integers(), st.text(max_size=40))


@st.composite
def junk_forms(draw: st.DrawFn) -> dict[object, object]:
    """Ada's form with a few fields replaced by plausible values or junk, some left out, and sometimes a key
    that is no identity field: both outcomes (filed, refused) are reached."""
    raw: dict[object, object] = dict(ADA_IDENTITY)
    for name in draw(st.lists(st.sampled_from(sorted(LIMITS)), min_size=1, max_size=3, unique=True)):
        raw[name] = draw(st.sampled_from(PLAUSIBLE[name]))
    damage = draw(st.sampled_from(["none", "none", "junk", "drop", "extra"]))
    if damage == "junk":
        raw[draw(st.sampled_from(sorted(LIMITS)))] = draw(JUNK)
    elif damage == "drop":
        raw.pop(draw(st.sampled_from(sorted(LIMITS))), None)
    elif damage == "extra":
        raw.update(draw(st.dictionaries(st.text(max_size=12), JUNK, min_size=1, max_size=1)))
    return raw


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(raw=junk_forms())
def test_any_form_either_files_a_request_or_says_why_and_stores_nothing(
    ada: Principal, raw: dict[object, object]
) -> None:
    before = stored()
    try:
        filed = rectification.submit(ada, raw, idempotency_key=f"fuzz-{uuid.uuid4()}", password=PASSWORD)  # type: ignore[arg-type]
    except RectificationError as refused:
        event(f"refused: {refused}")
        assert str(refused)
        assert stored() == before, f"refused ({refused}) but something was stored"
        return
    event("filed")
    assert filed.rectification_id or filed.email_change_id
    assert stored()["privacy_request"] == before["privacy_request"] + bool(filed.rectification_id) + bool(
        filed.email_change_id
    )


def test_a_valid_correction_is_filed_once_and_applied_by_the_worker(ada: Principal) -> None:
    form = {**ADA_IDENTITY, "city": "Manchester", "postcode": "m1 1ae", "street": "1  Piccadilly"}
    filed = rectification.submit(ada, form, idempotency_key="fix-address")
    again = rectification.submit(ada, form, idempotency_key="fix-address")  # a double click
    assert again == filed
    assert filed.rectification_id is not None and filed.email_change_id is None
    with session_scope() as session:
        requests = session.exec(select(PrivacyRequest).where(PrivacyRequest.subject_id == ADA)).all()
    assert [(r.type, r.status) for r in requests] == [("rectification", RequestStatus.QUEUED.value)]
    request = requests[0]
    assert request.payload == {
        "changes": {"street": "1 Piccadilly", "city": "Manchester", "postcode": "M1 1AE"},
        "previous": {"street": "12 St James's Square", "city": "London", "postcode": "SW1Y 4JH"},
    }
    assert rectification.corrections(ada) == {}, "nothing is corrected before the worker applied it"
    assert identity() == ADA_IDENTITY

    assert run_worker()
    assert not run_worker(), "one request, processed once"
    done = request_row(filed.rectification_id)
    assert done.status == RequestStatus.COMPLETED.value
    assert done.payload == {"changes": {"street": "1 Piccadilly", "city": "Manchester", "postcode": "M1 1AE"}}, (
        "the corrected (inaccurate) values are not kept once the correction is applied"
    )
    assert identity() == {**ADA_IDENTITY, "street": "1 Piccadilly", "city": "Manchester", "postcode": "M1 1AE"}
    corrected = rectification.corrections(ada)
    assert set(corrected) == {"street", "city", "postcode"}
    assert all(when == done.completed_at for when in corrected.values())
    assert rectification.preview(ada, form)[1] == [], "the form now matches what is stored"


def test_an_email_change_waits_for_the_link_sent_to_the_new_address(ada: Principal) -> None:
    filed = rectification.submit(
        ada,
        {**ADA_IDENTITY, "email": "Ada.King@Example.org", "city": "Manchester"},
        idempotency_key="move",
        password=PASSWORD,
    )
    assert filed.rectification_id is not None and filed.email_change_id is not None
    email_request = request_row(filed.email_change_id)
    assert email_request.type == "email_change"
    assert email_request.status == RequestStatus.VERIFYING.value
    assert email_request.payload == {"new_email": "ada.king@example.org"}
    assert request_row(filed.rectification_id).payload["changes"] == {"city": "Manchester"}, (
        "the email is not part of the plain correction"
    )
    with session_scope() as session:
        confirmations = session.exec(
            select(OutboxMessage).where(OutboxMessage.subject == "Confirm your new email address")
        ).all()
    assert len(confirmations) == 1
    assert confirmations[0].to_address == "ada.king@example.org"
    assert confirmations[0].account_id == ADA
    assert LINK.search(confirmations[0].body)
    assert (
        rectification.submit(
            ada,
            {**ADA_IDENTITY, "email": "Ada.King@Example.org", "city": "Manchester"},
            idempotency_key="move",
            password=PASSWORD,
        )
        == filed
    )
    with session_scope() as session:
        assert (
            len(
                session.exec(
                    select(OutboxMessage).where(OutboxMessage.subject == "Confirm your new email address")
                ).all()
            )
            == 1
        ), "a double click sends one link"

    assert run_worker()  # the correction of the city; the email change waits for its link
    assert not run_worker()
    assert account_email() == "ada@example.com"
    assert identity()["email"] == "ada@example.com"
    assert request_row(filed.email_change_id).status == RequestStatus.VERIFYING.value


def test_opening_the_link_changes_the_sign_in_address(ada: Principal) -> None:
    request_id, token = file_email_change(ada, "ada.king@example.org")
    assert tokens.read(tokens.Purpose.EMAIL_CHANGE, token)["request_id"] == request_id
    message = rectification.confirm_email_change(token, signed_in_account=ADA)
    assert "confirmed" in message
    assert request_row(request_id).status == RequestStatus.QUEUED.value
    assert account_email() == "ada@example.com", "applied by the worker, not by opening the link"

    assert run_worker()
    assert request_row(request_id).status == RequestStatus.COMPLETED.value
    assert account_email() == "ada.king@example.org"
    assert identity()["email"] == "ada.king@example.org"
    assert "email" in rectification.corrections(ada)
    assert can_sign_in("ada.king@example.org")
    assert can_sign_in("Ada.King@Example.org")
    assert not can_sign_in("ada@example.com")


def test_the_link_also_works_when_not_signed_in(ada: Principal) -> None:
    request_id, token = file_email_change(ada, "ada.king@example.org")
    rectification.confirm_email_change(token, signed_in_account=None)
    assert run_worker()
    assert account_email() == "ada.king@example.org"
    assert request_row(request_id).status == RequestStatus.COMPLETED.value


def test_a_used_link_cannot_be_used_again(ada: Principal) -> None:
    _, token = file_email_change(ada, "ada.king@example.org")
    rectification.confirm_email_change(token, signed_in_account=ADA)
    with pytest.raises(TokenError) as reused:
        rectification.confirm_email_change(token, signed_in_account=ADA)
    assert reused.value.reason == "used"
    assert "already been used" in str(reused.value)
    assert run_worker()
    with pytest.raises(TokenError) as reused:
        rectification.confirm_email_change(token, signed_in_account=ADA)
    assert reused.value.reason == "used"
    assert account_email() == "ada.king@example.org"


def test_a_tampered_link_is_refused_and_changes_nothing(ada: Principal) -> None:
    request_id, token = file_email_change(ada, "ada.king@example.org")
    before = stored()
    with pytest.raises(TokenError) as refused:
        rectification.confirm_email_change(tamper(token), signed_in_account=ADA)
    assert refused.value.reason == "invalid"
    # it names the link and what to do, not "This link or receipt is not valid"
    assert str(refused.value).startswith("This email-confirmation link is not valid")
    assert "receipt" not in str(refused.value)
    for garbage in ("", "abc", token[:-3], token + "x"):
        with pytest.raises(TokenError):
            rectification.confirm_email_change(garbage, signed_in_account=ADA)
    assert stored() == before
    assert request_row(request_id).status == RequestStatus.VERIFYING.value
    rectification.confirm_email_change(token, signed_in_account=ADA)  # the genuine link still works


def test_an_expired_link_is_refused_and_changes_nothing(ada: Principal, monkeypatch: pytest.MonkeyPatch) -> None:
    request_id, token = file_email_change(ada, "ada.king@example.org")
    with pytest.raises(TokenError) as expired:
        tokens.read(tokens.Purpose.EMAIL_CHANGE, token, max_age=-1)
    assert expired.value.reason == "expired"
    before = stored()
    monkeypatch.setitem(tokens.MAX_AGE_SECONDS, tokens.Purpose.EMAIL_CHANGE, -1)
    with pytest.raises(TokenError) as expired:
        rectification.confirm_email_change(token, signed_in_account=ADA)
    assert expired.value.reason == "expired"
    assert str(expired.value).startswith("This email-confirmation link has expired: it works for 24 hours.")
    assert stored() == before
    assert request_row(request_id).status == RequestStatus.VERIFYING.value
    assert not run_worker()
    assert account_email() == "ada@example.com"


def test_a_link_opened_while_signed_in_as_another_account_changes_nothing(ada: Principal) -> None:
    request_id, token = file_email_change(ada, "ada.king@example.org")
    before = stored()
    with pytest.raises(TokenError) as refused:
        rectification.confirm_email_change(token, signed_in_account=GRACE)
    assert refused.value.reason == "invalid"
    assert "another account" in str(refused.value)
    assert stored() == before
    assert request_row(request_id).status == RequestStatus.VERIFYING.value
    assert not run_worker()
    assert account_email(ADA) == "ada@example.com" and account_email(GRACE) == "grace@example.com"
    rectification.confirm_email_change(token, signed_in_account=ADA)  # the link was not spent by the refusal
    assert run_worker()
    assert account_email(ADA) == "ada.king@example.org"


def test_a_link_for_a_canceled_change_no_longer_applies(ada: Principal) -> None:
    from portal.audit import Actor
    from portal.queue import service

    request_id, token = file_email_change(ada, "ada.king@example.org")
    with session_scope() as session:
        service.cancel_by_customer(
            session,
            customer_id=ADA,
            request_id=request_id,
            actor=Actor(account_id=ADA, role="customer", origin="portal"),
        )
    with pytest.raises(TokenError) as refused:
        rectification.confirm_email_change(token, signed_in_account=ADA)
    assert refused.value.reason == "invalid"
    assert not run_worker()
    assert account_email() == "ada@example.com"


@pytest.mark.parametrize("taken", ["grace@example.com", "GRACE@Example.com", " grace@example.com "])
def test_an_email_used_by_another_account_is_refused_at_submit(ada: Principal, taken: str) -> None:
    before = stored()
    with pytest.raises(RectificationError, match="cannot be used"):
        rectification.submit(
            ada, {**ADA_IDENTITY, "email": taken, "city": "Manchester"}, idempotency_key="taken", password=PASSWORD
        )
    assert stored() == before, "neither the email change nor the accompanying correction is filed"
    assert account_email(GRACE) == "grace@example.com"


def test_an_email_taken_after_the_link_was_sent_is_rejected_by_the_worker(ada: Principal) -> None:
    request_id, token = file_email_change(ada, "shared@example.org")
    grace = principal_for(GRACE)
    _, grace_token = file_email_change(grace, "shared@example.org", key="grace-email")
    rectification.confirm_email_change(grace_token, signed_in_account=GRACE)
    assert run_worker()
    assert account_email(GRACE) == "shared@example.org"
    rectification.confirm_email_change(token, signed_in_account=ADA)
    assert run_worker()
    request = request_row(request_id)
    assert request.status == RequestStatus.REJECTED.value
    assert "already in use" in (request.rejection_reason or "")
    assert account_email(ADA) == "ada@example.com"


# --- supplementary statements -----------------------------------------------------------------------------------


def _first_order(customer_id: int) -> int:
    with session_scope() as session:
        order = session.exec(select(Order).where(Order.customer_id == customer_id).order_by(Order.id)).first()
        assert order is not None and order.id is not None
        return order.id


def test_a_statement_on_own_record_is_filed_and_recorded_by_the_worker(ada: Principal) -> None:
    order_id = _first_order(ADA)
    text = "I returned one of the NSPanel Pro units; the order shows two."
    request_id = rectification.add_statement(
        ada, kind="order", record_id=order_id, field="items", statement=text, idempotency_key="statement-1"
    )
    assert (
        rectification.add_statement(
            ada, kind="order", record_id=order_id, field="items", statement=text, idempotency_key="statement-1"
        )
        == request_id
    )
    request = request_row(request_id)
    assert request.type == "statement" and request.status == RequestStatus.QUEUED.value
    assert run_worker()
    assert request_row(request_id).status == RequestStatus.COMPLETED.value
    with session_scope() as session:
        statements = session.exec(select(FieldStatement).where(FieldStatement.customer_id == ADA)).all()
    assert [(s.kind, s.record_id, s.field, s.statement) for s in statements] == [("order", order_id, "items", text)]


def test_a_statement_on_another_customers_record_is_refused(ada: Principal) -> None:
    graces_order = _first_order(GRACE)
    before = stored()
    for record_id in (graces_order, 999_999, -1):
        with pytest.raises(RectificationError, match=r"^No such record\.$"):
            rectification.add_statement(
                ada,
                kind="order",
                record_id=record_id,
                field="items",
                statement="This order is not right.",
                idempotency_key=f"s-{record_id}",
            )
    assert stored() == before


def test_a_statement_on_an_unknown_kind_or_field_is_refused(ada: Principal) -> None:
    order_id = _first_order(ADA)
    before = stored()
    with pytest.raises(RectificationError, match="Unknown kind"):
        rectification.add_statement(
            ada,
            kind="password",
            record_id=order_id,
            field="items",
            statement="This is wrong.",
            idempotency_key="s-kind",
        )
    with pytest.raises(RectificationError, match="Unknown field"):
        rectification.add_statement(
            ada,
            kind="order",
            record_id=order_id,
            field="customer_id",
            statement="This is wrong.",
            idempotency_key="s-field",
        )
    assert stored() == before


def test_corrections_completed_in_one_batch_keep_no_old_values_either(ada: Principal) -> None:
    grace = principal_for(GRACE)
    filed = [
        rectification.submit(ada, {**ADA_IDENTITY, "city": "Manchester"}, idempotency_key="batch-ada"),
        rectification.submit(grace, {**identity(GRACE), "city": "Arlington"}, idempotency_key="batch-grace"),
    ]
    assert Worker(get_engine(), name="test-batch").run_batch() == 2  # both claimed and completed together
    for submitted, city in zip(filed, ("Manchester", "Arlington"), strict=True):
        done = request_row(submitted.rectification_id)
        assert (done.status, done.payload) == (RequestStatus.COMPLETED.value, {"changes": {"city": city}})
    assert identity(GRACE)["city"] == "Arlington"
