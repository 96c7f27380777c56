"""Telling the customer: an in-portal notification and an email (through the outbox) when something happened to one
of their requests. Written in the same transaction as the change, so neither can be lost.

One message per thing that happened, in plain words: the customer who clicked a switch is not told "we received"
and then "completed" (two bell entries and two emails per click); the request's own headline ("Consent withdrawn:
Usage analytics", "Your data export is ready") says what happened once it is done. Steps in between (queued,
processing, a retry, waiting for a link the customer was just sent) are not news."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, func, select, update

from ...config import get_settings
from ...i18n import N_, _
from ...models import Account, Notification, OutboxMessage, PrivacyRequest, RequestStatus
from ...models.types import utcnow
from ...queue.registry import RequestType, get_type
from .language import day, speaking_to

_COMPLAINT_RIGHT = N_(
    "You may lodge a complaint with a data-protection supervisory authority or seek a judicial remedy."
)


def request_status_changed(session: Session, request: PrivacyRequest, previous: str) -> None:
    if request.subject_id is None or not get_type(request.type).customer_can_file:
        return  # diagnostics are not news for anyone
    request_type = get_type(request.type)
    account = session.get(Account, request.subject_id)
    with speaking_to(account):  # the customer's language, whoever's action or which worker changed the status
        if request.status == RequestStatus.COMPLETED.value:
            _tell(session, request, _headline(request_type, request), request.outcome or "")
        elif request.status == RequestStatus.REJECTED.value:
            body = (
                _("Reason: {reason}").format(reason=request.rejection_reason) + "\n\n"
                if request.rejection_reason
                else ""
            )
            title = _("Request rejected: {request_type}").format(request_type=_title(request_type))
            _tell(session, request, title, body + _(_COMPLAINT_RIGHT))
        elif request.status == RequestStatus.CANCELED.value:
            title = _("Request canceled: {request_type}").format(request_type=_title(request_type))
            _tell(session, request, title, _("Nothing more will be done for it."))


def request_received(session: Session, request: PrivacyRequest) -> None:
    """The acknowledgement for requests that wait for a privacy officer's review: days may pass before the answer."""
    if request.subject_id is None or not get_type(request.type).customer_can_file:
        return
    with speaking_to(session.get(Account, request.subject_id)):
        _tell(
            session,
            request,
            _("We received your request: {request_type}").format(request_type=_title(get_type(request.type))),
            _("A privacy officer will review it. We will answer by {date} at the latest.").format(
                date=day(request.due_at)
            ),
        )


def request_extended(session: Session, request: PrivacyRequest) -> None:
    if request.subject_id is None or request.extended_due_at is None or not get_type(request.type).customer_can_file:
        return
    with speaking_to(session.get(Account, request.subject_id)):
        title = _("We need more time for your request: {request_type}").format(
            request_type=_title(get_type(request.type))
        )
        body = _("The new deadline is {date}. Reason: {reason}").format(
            date=day(request.extended_due_at), reason=request.extension_reason
        )
        _tell(session, request, title, body)


def request_note(session: Session, request: PrivacyRequest) -> None:
    if request.subject_id is not None and get_type(request.type).customer_can_file:
        with speaking_to(session.get(Account, request.subject_id)):
            title = _("A message about your request: {request_type}").format(
                request_type=_title(get_type(request.type))
            )
            _tell(session, request, title, _("Open the request to read it."))


def _headline(request_type: RequestType, request: PrivacyRequest) -> str:
    """What is done, as the title says it: the type's own headline (worded in portal/jobs), else "Done: <title>"."""
    if request_type.headline is not None:
        return request_type.done_headline(request)
    return _("Done: {request_type}").format(request_type=_title(request_type))


def _title(request_type: RequestType) -> str:
    """A request type's title (marked where the type is registered, in portal/jobs) in the current language."""
    return _(request_type.title)


def notify_account(session: Session, *, account_id: int, title: str, body: str, link: str | None = None) -> None:
    """A notification (and email) not tied to a request, e.g. a support session starting or ending. Called inside
    `speaking_to(account)` (language.py): `title` and `body`, worded there, are stored as written, and the email's
    own words are in the same language."""
    session.add(Notification(account_id=account_id, created_at=utcnow(), title=title, body=body, link=link))
    account = session.get(Account, account_id)
    if account is not None and account.deactivated_at is None:
        enqueue_email(
            session, account_id=account_id, to_address=account.email, subject=title, body=_email_body(body, link or "/")
        )


def _tell(session: Session, request: PrivacyRequest, title: str, body: str) -> None:
    """Called inside `speaking_to` the request's subject: the texts are in their language."""
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
    return _("{body}\n\nSee the details in your privacy portal: {url}\n\nThis message was sent automatically.").format(
        body=body, url=url
    )


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


def unread_counts(session: Session, *, account_ids: Sequence[int]) -> dict[int, int]:
    """Unread counts by account for many accounts in one grouped query per 500 ids; an account without unread
    notifications is 0."""
    counts = dict.fromkeys(account_ids, 0)
    for start in range(0, len(account_ids), 500):
        chunk = list(account_ids[start : start + 500])
        rows = session.exec(
            select(Notification.account_id, func.count())
            .where(col(Notification.account_id).in_(chunk), col(Notification.read_at).is_(None))
            .group_by(col(Notification.account_id))
        ).all()
        counts.update({int(account_id): int(count) for account_id, count in rows})
    return counts


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
