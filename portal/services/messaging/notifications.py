"""Telling the customer: an in-portal notification and an email (through the outbox) when something happened to one
of their requests. Written in the same transaction as the change, so neither can be lost.

One message per thing that happened, in plain words: the customer who clicked a switch is not told "we received"
and then "completed" (two bell entries and two emails per click); the request's own headline ("Consent withdrawn:
Usage analytics", "Your data export is ready") says what happened once it is done. Steps in between (queued,
processing, a retry, waiting for a link the customer was just sent) are not news."""

from __future__ import annotations

from sqlmodel import Session, col, func, select, update

from ...config import get_settings
from ...models import Account, Notification, OutboxMessage, PrivacyRequest, RequestStatus
from ...models.types import utcnow
from ...queue.registry import get_type

_COMPLAINT_RIGHT = "You may lodge a complaint with a data-protection supervisory authority or seek a judicial remedy."


def request_status_changed(session: Session, request: PrivacyRequest, previous: str) -> None:
    if request.subject_id is None or not get_type(request.type).customer_can_file:
        return  # diagnostics are not news for anyone
    request_type = get_type(request.type)
    if request.status == RequestStatus.COMPLETED.value:
        _tell(session, request, request_type.done_headline(request), request.outcome or "")
    elif request.status == RequestStatus.REJECTED.value:
        body = f"Reason: {request.rejection_reason}\n\n" if request.rejection_reason else ""
        _tell(session, request, f"Request rejected: {request_type.title}", body + _COMPLAINT_RIGHT)
    elif request.status == RequestStatus.CANCELED.value:
        _tell(session, request, f"Request canceled: {request_type.title}", "Nothing more will be done for it.")


def request_received(session: Session, request: PrivacyRequest) -> None:
    """The acknowledgement for requests that wait for a privacy officer's review: days may pass before the answer."""
    if request.subject_id is None or not get_type(request.type).customer_can_file:
        return
    _tell(
        session,
        request,
        f"We received your request: {get_type(request.type).title}",
        f"A privacy officer will review it. We will answer by {request.due_at:%Y-%m-%d} at the latest.",
    )


def request_extended(session: Session, request: PrivacyRequest) -> None:
    if request.subject_id is None or request.extended_due_at is None or not get_type(request.type).customer_can_file:
        return
    title = f"We need more time for your request: {get_type(request.type).title}"
    body = f"The new deadline is {request.extended_due_at:%Y-%m-%d}. Reason: {request.extension_reason}"
    _tell(session, request, title, body)


def request_note(session: Session, request: PrivacyRequest) -> None:
    if request.subject_id is not None and get_type(request.type).customer_can_file:
        title = f"A message about your request: {get_type(request.type).title}"
        _tell(session, request, title, "Open the request to read it.")


def notify_account(session: Session, *, account_id: int, title: str, body: str, link: str | None = None) -> None:
    """A notification (and email) not tied to a request, e.g. a support session starting or ending."""
    session.add(Notification(account_id=account_id, created_at=utcnow(), title=title, body=body, link=link))
    account = session.get(Account, account_id)
    if account is not None and account.deactivated_at is None:
        enqueue_email(
            session, account_id=account_id, to_address=account.email, subject=title, body=_email_body(body, link or "/")
        )


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
