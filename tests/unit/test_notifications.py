"""What the customer is told about their requests: one message per thing that happened, in plain words.

A tester clicked consent switches for one session and ada's bell reached 26 unread: every click was "We received
your consent change request" and then "Your consent change request is now completed", each also an email. Now a
click is one notification and one email, titled with what happened."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal.db import get_engine
from portal.jobs import register_all
from portal.models import Notification, OutboxMessage
from portal.queue import service, staff_actions
from portal.queue.worker import Worker
from tests.utils.queue import ADA, customer, file_restriction, officer


@pytest.fixture
def engine(portal_env: Path) -> Engine:
    register_all()
    return get_engine()


def _told(engine: Engine, account_id: int, since: int) -> list[tuple[str, str]]:
    """(notification title, email subject) pairs written after notification id `since`, oldest first."""
    with Session(engine) as session:
        titles = list(
            session.exec(
                select(Notification.title)
                .where(Notification.account_id == account_id, col(Notification.id) > since)
                .order_by(col(Notification.id))
            )
        )
        subjects = list(
            session.exec(
                select(OutboxMessage.subject)
                .where(OutboxMessage.account_id == account_id, col(OutboxMessage.id) > since)
                .order_by(col(OutboxMessage.id))
            )
        )
    return list(zip(titles, subjects, strict=True))


def _last_ids(engine: Engine) -> int:
    with Session(engine) as session:
        last_note = session.exec(select(Notification.id).order_by(col(Notification.id).desc())).first() or 0
        last_mail = session.exec(select(OutboxMessage.id).order_by(col(OutboxMessage.id).desc())).first() or 0
    return max(last_note, last_mail)


def _file(engine: Engine, type_key: str, payload: dict[str, object], key: str) -> int:
    with Session(engine, expire_on_commit=False) as session:
        request, _ = service.submit(
            session, type_key=type_key, subject_id=ADA, actor=customer(ADA), payload=payload, idempotency_key=key
        )
        session.commit()
    assert request.id is not None
    return request.id


def _work(engine: Engine) -> None:
    worker = Worker(engine, name="test-notifications")
    while worker.run_batch():
        pass


@pytest.mark.parametrize(
    ("granted", "expected"),
    [(True, "Consent given: Transfer to partners"), (False, "Consent withdrawn: Transfer to partners")],
)
def test_a_consent_click_is_one_notification_and_one_email_saying_what_happened(
    engine: Engine, granted: bool, expected: str
) -> None:
    since = _last_ids(engine)
    _file(engine, "consent_change", {"purpose": "partner_sharing", "granted": granted}, f"click-{granted}")
    assert _told(engine, ADA, since) == [], "filing what the customer just clicked is not news"
    _work(engine)
    assert _told(engine, ADA, since) == [(expected, expected)]


def test_an_export_says_it_is_ready(engine: Engine) -> None:
    since = _last_ids(engine)
    _file(engine, "export", {"categories": ["identity"], "formats": ["json"]}, "export-once")
    _work(engine)
    assert _told(engine, ADA, since) == [("Your data export is ready", "Your data export is ready")]


def test_a_reviewed_request_is_acknowledged_then_told_once_done_or_rejected(engine: Engine) -> None:
    since = _last_ids(engine)
    with Session(engine, expire_on_commit=False) as session:
        approved = file_restriction(session, ADA, "reviewed-approved")
        rejected = file_restriction(session, ADA, "reviewed-rejected")
        session.commit()
        staff_actions.approve(session, request_id=approved.id or 0, actor=officer())
        staff_actions.reject(
            session, request_id=rejected.id or 0, actor=officer(), reason="We need it for fraud checks."
        )
        session.commit()
    _work(engine)
    titles = [title for title, _ in _told(engine, ADA, since)]
    assert titles == [
        "We received your request: Restriction of processing",
        "We received your request: Restriction of processing",
        "Request rejected: Restriction of processing",
        "Processing restricted: Usage data",
    ], "queued and processing are not news; each request is acknowledged once and answered once"
    with Session(engine) as session:
        body = session.exec(
            select(Notification.body).where(Notification.title == "Request rejected: Restriction of processing")
        ).one()
    assert "We need it for fraud checks." in body and "supervisory authority" in body


def test_no_title_lowercases_a_request_type_into_a_sentence(engine: Engine) -> None:
    """ "Your export of my data request is now completed" came from lower-casing the type's title into a template."""
    since = _last_ids(engine)
    _file(engine, "consent_change", {"purpose": "marketing_email", "granted": True}, "words")
    _file(engine, "export", {"categories": ["usage"], "formats": ["csv"]}, "words-export")
    _work(engine)
    for title, _ in _told(engine, ADA, since):
        assert " request is now " not in title and "export of my data" not in title, title
