"""Delivering the email outbox over SMTP. Failures leave the message pending with a back-off, so a
server that is down delays mail but never loses it."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ...config import Settings
from ...models import OutboxMessage
from ...models.types import utcnow

log = logging.getLogger("portal.mailer")
BATCH = 50
MAX_BACKOFF = timedelta(minutes=30)
MAX_ATTEMPTS = 12  # about four hours of retries with back-off
CLAIM = timedelta(minutes=2)


def deliver_pending(engine: Engine, settings: Settings) -> int:
    """Send what is due; returns how many went out. Without SMTP configured, mail stays in the outbox
    (staff can read it at /staff/outbox). Every worker process runs this: each message is claimed with a
    conditional UPDATE first, so two mailers never send the same message."""
    if not settings.smtp_host:
        return 0
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        due = list(
            session.exec(
                select(OutboxMessage)
                .where(
                    col(OutboxMessage.status) == "pending",
                    col(OutboxMessage.next_attempt_at) <= now,
                )
                .order_by(col(OutboxMessage.id))
                .limit(BATCH)
            )
        )
    claimed = [m for m in due if _claim(engine, m, now)]
    if not claimed:
        return 0
    sent = 0
    try:
        with _connect(settings) as smtp:
            for message in claimed:
                try:
                    smtp.send_message(_email(message, settings))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                    # This message is refused; the others must not wait behind it.
                    _mark(engine, message.id, sent=False, error=f"{type(exc).__name__}: {exc}"[:500])
                    continue
                _mark(engine, message.id, sent=True)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP delivery failed after %s of %s messages: %s", sent, len(claimed), type(exc).__name__)
        for message in claimed:
            _mark(engine, message.id, sent=False, error=f"{type(exc).__name__}: {exc}"[:500], only_unsent=True)
    return sent


def _claim(engine: Engine, message: OutboxMessage, now: datetime) -> bool:
    """Take a message for this mailer for a while; another mailer skips it (and retries it if we die)."""
    with engine.begin() as connection:
        result = connection.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == message.id,
                col(OutboxMessage.status) == "pending",
                col(OutboxMessage.next_attempt_at) == message.next_attempt_at,
            )
            .values(next_attempt_at=now + CLAIM)
        )
        return result.rowcount == 1


def _connect(settings: Settings) -> smtplib.SMTP:
    assert settings.smtp_host
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10)
    if settings.smtp_starttls:
        smtp.starttls()
    if settings.smtp_user and settings.smtp_password:
        smtp.login(settings.smtp_user, settings.smtp_password)
    return smtp


def _email(message: OutboxMessage, settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@privacy-portal>"  # lets a receiver drop a duplicate resend
    email.set_content(message.body)
    return email


def _mark(
    engine: Engine, message_id: int | None, *, sent: bool, error: str | None = None, only_unsent: bool = False
) -> None:
    with Session(engine) as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or (only_unsent and message.status != "pending"):
            return
        message.attempts += 1
        if sent:
            message.status, message.sent_at, message.last_error = "sent", utcnow(), None
        else:
            message.last_error = error
            message.next_attempt_at = utcnow() + min(timedelta(seconds=5 * 2 ** min(message.attempts, 10)), MAX_BACKOFF)
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"  # staff see it in the outbox with its last error
        session.add(message)
        session.commit()
