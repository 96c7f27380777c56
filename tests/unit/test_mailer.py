"""Delivering the email outbox to a real (local) SMTP server: delivery, the server being down, recovery
without loss or duplicates, and no SMTP configured at all."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal.config import Settings, load_settings
from portal.db import get_engine
from portal.jobs import register_all
from portal.models import OutboxMessage
from portal.queue import staff_actions
from portal.services.messaging.mailer import deliver_pending
from tests.utils.environment import TEST_SECRET
from tests.utils.queue import ADA, GRACE, LINUS, MARGARET, file_restriction, officer
from tests.utils.smtp import SmtpServer, free_port

EMAILS = {
    ADA: "ada@example.com",
    GRACE: "grace@example.com",
    LINUS: "linus@example.com",
    MARGARET: "margaret@example.com",
}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def engine(portal_env: Path) -> Engine:
    register_all()
    return get_engine()


def _settings(data_dir: Path, **smtp_env: str) -> Settings:
    return load_settings(
        env={"PORTAL_DATA_DIR": str(data_dir), "PORTAL_MODE": "demo", "PORTAL_SECRET_KEY": TEST_SECRET, **smtp_env}
    )


def _notify(engine: Engine, *customers: int) -> None:
    """File and approve one request per customer: the acknowledgement of each (it waits for review) is an email."""
    with Session(engine, expire_on_commit=False) as session:
        for n, customer_id in enumerate(customers):
            request = file_restriction(session, customer_id, f"mail-{customer_id}-{n}-{datetime.now(UTC).timestamp()}")
            staff_actions.approve(session, request_id=request.id or 0, actor=officer())
        session.commit()


def _outbox(engine: Engine) -> list[OutboxMessage]:
    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


def _make_due(engine: Engine) -> None:
    with Session(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()


def _expected(engine: Engine) -> list[tuple[str, str, str]]:
    """(Message-ID, To, Subject) of every pending outbox message, in id order."""
    return [
        (f"<outbox-{row.id}@privacy-portal>", row.to_address, row.subject)
        for row in _outbox(engine)
        if row.status == "pending"
    ]


def _received(smtp: SmtpServer) -> list[tuple[str, str, str]]:
    return [(m["Message-ID"], m["To"], m["Subject"]) for m in smtp.messages]


def test_pending_mail_is_delivered(engine: Engine, smtp: SmtpServer, portal_env: Path) -> None:
    _notify(engine, ADA, GRACE, LINUS)
    expected = _expected(engine)
    assert len(expected) >= 3
    assert {to for _, to, _ in expected} == {EMAILS[ADA], EMAILS[GRACE], EMAILS[LINUS]}
    assert "We received your request: Restriction of processing" in {subject for _, _, subject in expected}
    settings = _settings(portal_env, **smtp.env())
    assert deliver_pending(engine, settings) == len(expected)
    assert _received(smtp) == expected
    for message in smtp.messages:
        assert message["From"] == settings.mail_from
        assert "/requests/" in message.get_content()
    assert [envelope[1] for envelope in smtp.handler.envelopes] == [[m["To"]] for m in smtp.messages]
    for row in _outbox(engine):
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
        assert row.sent_at is not None
    assert deliver_pending(engine, settings) == 0
    assert len(smtp.messages) == len(expected)


def test_server_down_then_back_delivers_everything_exactly_once(
    engine: Engine, smtp: SmtpServer, portal_env: Path
) -> None:
    settings = _settings(portal_env, **smtp.env())
    smtp.stop()
    _notify(engine, ADA, GRACE, LINUS, MARGARET)
    expected = _expected(engine)
    before = datetime.now(UTC)
    assert deliver_pending(engine, settings) == 0
    for row in _outbox(engine):
        assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
        assert row.last_error and "Connection" in row.last_error
        assert row.next_attempt_at is not None and row.next_attempt_at > before + timedelta(seconds=5)
    assert deliver_pending(engine, settings) == 0
    assert {row.attempts for row in _outbox(engine)} == {1}, "retried before its back-off passed"

    smtp.start()
    assert deliver_pending(engine, settings) == 0, "nothing is due yet"
    assert smtp.messages == []
    _make_due(engine)
    assert deliver_pending(engine, settings) == len(expected)
    assert deliver_pending(engine, settings) == 0
    assert Counter(_received(smtp)) == Counter(expected), "every message exactly once"
    assert {to for _, to, _ in _received(smtp)} == set(EMAILS.values())
    assert {(row.status, row.attempts, row.last_error) for row in _outbox(engine)} == {("sent", 2, None)}


def test_unreachable_port_keeps_mail_pending(engine: Engine, portal_env: Path) -> None:
    settings = _settings(portal_env, PORTAL_SMTP_HOST="127.0.0.1", PORTAL_SMTP_PORT=str(free_port()))
    _notify(engine, ADA)
    assert deliver_pending(engine, settings) == 0
    rows = _outbox(engine)
    assert rows and all((row.status, row.attempts) == ("pending", 1) and row.last_error for row in rows)


def test_backlog_larger_than_a_batch_is_delivered_by_repeated_runs(
    engine: Engine, smtp: SmtpServer, portal_env: Path
) -> None:
    settings = _settings(portal_env, **smtp.env())
    _notify(engine, *([ADA, GRACE, LINUS, MARGARET] * 16))  # 64 approvals, more than one batch of mail
    expected = _expected(engine)
    assert len(expected) > 50
    sent = [deliver_pending(engine, settings) for _ in range(len(expected) // 50 + 2)]
    assert sum(sent) == len(expected) and sent[-1] == 0
    assert sorted(_received(smtp)) == sorted(expected)


def test_without_smtp_host_nothing_is_sent(engine: Engine, smtp: SmtpServer, portal_env: Path) -> None:
    settings = _settings(portal_env, PORTAL_SMTP_PORT=str(smtp.port))
    assert settings.smtp_host is None
    _notify(engine, ADA, GRACE)
    assert deliver_pending(engine, settings) == 0
    assert smtp.messages == []
    rows = _outbox(engine)
    assert rows and {(row.status, row.attempts, row.last_error) for row in rows} == {("pending", 0, None)}


def test_a_refused_recipient_does_not_hold_back_other_mail(engine: Engine, smtp: SmtpServer, portal_env: Path) -> None:
    """The server refusing one address (a full or closed mailbox) is that message's problem: the other
    messages of the batch go out now, instead of sharing its back-off."""
    smtp.handler.refused.add("ada@example.com")
    settings = _settings(portal_env, **smtp.env())
    _notify(engine, ADA, GRACE, LINUS)  # ada's mail comes first
    others = [item for item in _expected(engine) if item[1] != EMAILS[ADA]]
    sent = deliver_pending(engine, settings)
    assert _received(smtp) == others
    assert sent == len(others)
    for row in _outbox(engine):
        if row.to_address == EMAILS[ADA]:
            assert row.status != "sent" and row.last_error
        else:
            assert row.status == "sent"


def test_two_mailers_running_at_once_send_each_message_once(engine: Engine, smtp: SmtpServer, portal_env: Path) -> None:
    """Every worker process runs the mailer (portal/jobs/runtime.py), so two of them regularly find the
    same pending messages at the same time; each message must still go out once."""
    smtp.handler.delay = 0.2
    settings = _settings(portal_env, **smtp.env())
    _notify(engine, ADA, GRACE, LINUS)
    expected = _expected(engine)
    barrier = threading.Barrier(2)

    def mailer() -> None:
        barrier.wait()
        deliver_pending(engine, settings)

    threads = [threading.Thread(target=mailer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert Counter(_received(smtp)) == Counter(expected), "every message exactly once"
