"""Telling the customer: an in-portal notification and an email (through the outbox) when one of their
requests changes status. Written in the same transaction as the change, so neither can be lost."""

from __future__ import annotations

from sqlmodel import Session, col, func, select, update

from ...config import get_settings
from ...models import Account, Notification, OutboxMessage, PrivacyRequest, RequestStatus
from ...models.types import utcnow
from ...queue import states
from ...queue.registry import get_type

# Internal steps (a worker starting, a retry after a hiccup) are not news for the customer.
_QUIET = {RequestStatus.PROCESSING.value, RequestStatus.FAILED.value, RequestStatus.DEAD_LETTER.value}


def request_status_changed(session: Session, request: PrivacyRequest, previous: str) -> None:
    if request.subject_id is None or request.status in _QUIET or not get_type(request.type).customer_can_file:
        return  # diagnostics and internal steps are not news for anyone
    if (
        request.status == RequestStatus.QUEUED.value
        and previous == RequestStatus.RECEIVED.value
        and not get_type(request.type).needs_review
    ):
        title = f"We received your {_title(request)} request"
    else:
        title = f"Your {_title(request)} request is now {states.LABELS[RequestStatus(request.status)].lower()}"
    body = title + "."
    if request.status == RequestStatus.REJECTED.value and request.rejection_reason:
        body += (
            f"\n\nReason: {request.rejection_reason}\n\nYou may lodge a complaint with a data-protection "
            "supervisory authority or seek a judicial remedy."
        )
    if request.outcome and request.status == RequestStatus.COMPLETED.value:
        body += f"\n\n{request.outcome}"
    _tell(session, request, title, body)


def request_received(session: Session, request: PrivacyRequest) -> None:
    """The acknowledgement for requests that wait for a privacy officer's review."""
    if request.subject_id is None or not get_type(request.type).customer_can_file:
        return
    _tell(
        session,
        request,
        f"We received your {_title(request)} request",
        f"A privacy officer will review it. We will answer by {request.due_at:%Y-%m-%d} at the latest.",
    )


def request_extended(session: Session, request: PrivacyRequest) -> None:
    if request.subject_id is None or request.extended_due_at is None or not get_type(request.type).customer_can_file:
        return
    title = f"We need more time for your {_title(request)} request"
    body = f"The new deadline is {request.extended_due_at:%Y-%m-%d}. Reason: {request.extension_reason}"
    _tell(session, request, title, body)


def request_note(session: Session, request: PrivacyRequest) -> None:
    if request.subject_id is not None and get_type(request.type).customer_can_file:
        _tell(session, request, f"A message about your {_title(request)} request", "Open the request to read it.")


def notify_account(session: Session, *, account_id: int, title: str, body: str, link: str | None = None) -> None:
    """A notification (and email) not tied to a request, e.g. a support session starting or ending."""
    session.add(Notification(account_id=account_id, created_at=utcnow(), title=title, body=body, link=link))
    account = session.get(Account, account_id)
    if account is not None and account.deactivated_at is None:
        enqueue_email(
            session, account_id=account_id, to_address=account.email, subject=title, body=_email_body(body, link or "/")
        )


def _title(request: PrivacyRequest) -> str:
    return get_type(request.type).title.lower()


def _tell(session: Session, request: PrivacyRequest, title: str, body: str) -> None:
    assert request.subject_id is not None
    link = f"/requests/{request.id}"
    session.add(Notification(account_id=request.subject_id, created_at=utcnow(), title=title, body=body, link=link))
    account = session.get(Account, request.subject_id)
    if account is not None and account.deactivated_at is None:
        enqueue_email(
            session, account_id=account.id, to_address=account.email, subject=title, body=_email_body(body, link)
        )


def _email_body(body: str, link: str) -> str:
    url = get_settings().absolute(link)
    return f"{body}\n\nSee the details in your privacy portal: {url}\n\nThis message was sent automatically."


def enqueue_email(
    session: Session, *, account_id: int | None, to_address: str, subject: str, body: str
) -> OutboxMessage:
    message = OutboxMessage(
        account_id=account_id,
        to_address=to_address,
        subject=subject,
        body=body,
        created_at=utcnow(),
        status="pending",
        next_attempt_at=utcnow(),
    )
    session.add(message)
    return message


def unread_count(session: Session, *, account_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.account_id) == account_id, col(Notification.read_at).is_(None))
        ).one()
    )


def latest(session: Session, *, account_id: int, limit: int = 20) -> list[Notification]:
    return list(
        session.exec(
            select(Notification)
            .where(col(Notification.account_id) == account_id)
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(limit)
        )
    )


def mark_all_read(session: Session, *, account_id: int) -> None:
    session.exec(
        update(Notification)
        .where(
            col(Notification.account_id) == account_id,
            col(Notification.read_at).is_(None),
        )
        .values(read_at=utcnow())
    )


class Notifier:
    """The customer hears of their requests: subscribed to the queue's hooks at start-up (`portal.jobs`)."""

    def status_changed(self, session: Session, request: PrivacyRequest, previous: str) -> None:
        request_status_changed(session, request, previous)

    def received_for_review(self, session: Session, request: PrivacyRequest) -> None:
        request_received(session, request)

    def extended(self, session: Session, request: PrivacyRequest) -> None:
        request_extended(session, request)

    def note_to_customer(self, session: Session, request: PrivacyRequest) -> None:
        request_note(session, request)


NOTIFIER = Notifier()
