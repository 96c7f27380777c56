"""What customers and staff see of recipients: who received a category's data and when (Art. 15(1)(c)), which
recipients were told of a request's change and what each answered (Art. 19), and the staff's notice desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from ...catalogue import get_catalogue
from ...db import session_scope
from ...errors import Invalid, NotFound
from ...models import Disclosure, PrivacyRequest, RecipientNotice
from ...models.types import utcnow
from ..access import Audience, use_case
from ..identity.principal import Principal

RECENT_DISCLOSURES = 20
ANSWERS = {"done": "Confirmed", "not_held": "Confirmed: they did not hold it", "refused": "Refused"}
STAFF_FILTERS = ("open", "overdue", "answered", "dead", "all")


@dataclass(frozen=True)
class DisclosureView:
    recipient: str  # the recipient's legal name
    kind: str
    purpose: str
    at: datetime
    records: int
    refs: tuple[str, ...]


@dataclass(frozen=True)
class CategoryDisclosures:
    recent: tuple[DisclosureView, ...]
    total: int  # all sendings of the category's records
    recipients: tuple[str, ...]  # everyone who ever received any of it: legal name, what it does, where


@dataclass(frozen=True)
class NoticeView:
    id: str
    recipient: str  # legal name
    recipient_key: str
    action: str
    channel: str  # webhook | staff_task
    status: str
    state: str  # in words: "Confirmed on 2026-12-07", "Waiting for their confirmation", ...
    created_at: datetime
    due_at: datetime
    answer: str | None
    answer_note: str | None
    answered_at: datetime | None
    attempts: int
    last_error: str | None
    overdue: bool
    request_id: int


@use_case(Audience.CUSTOMER, what="personal data")
def category_disclosures(principal: Principal, category_key: str) -> CategoryDisclosures:
    catalogue = get_catalogue()
    category = catalogue.categories.get(category_key)
    if category is None:
        raise NotFound("No such category.")
    kinds = {kind.key: kind.title for kind in category.kinds}
    mine = (col(Disclosure.customer_id) == principal.account_id, col(Disclosure.kind).in_(kinds))
    with session_scope() as session:
        rows = session.exec(
            select(Disclosure).where(*mine).order_by(col(Disclosure.disclosed_at).desc()).limit(RECENT_DISCLOSURES)
        ).all()
        total = int(session.exec(select(func.count()).select_from(Disclosure).where(*mine)).one())
        who = session.exec(select(Disclosure.recipient).where(*mine).distinct()).all()
    recent = tuple(
        DisclosureView(
            recipient=catalogue.recipients[row.recipient].legal_name,
            kind=kinds[row.kind],
            purpose=catalogue.purposes[row.purpose].title,
            at=row.disclosed_at,
            records=row.record_count,
            refs=tuple(row.record_refs),
        )
        for row in rows
    )
    return CategoryDisclosures(recent, total, tuple(sorted(catalogue.recipients[r].label for r in who)))


@use_case(Audience.CUSTOMER, what="requests")
def request_notices(principal: Principal, request_id: int) -> list[NoticeView]:
    """The recipients told about one of the customer's own requests (another customer's: NotFound, the same answer
    as a request that does not exist)."""
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        if request is None or request.subject_id != principal.account_id:
            raise NotFound("No such request.")
        rows = session.exec(
            select(RecipientNotice)
            .where(col(RecipientNotice.request_id) == request_id)
            .order_by(col(RecipientNotice.recipient))
        ).all()
    return [_view(row) for row in rows]


@use_case(Audience.STAFF, what="see recipient notices")
def staff_notices(principal: Principal, *, show: str = "open", limit: int = 200) -> list[NoticeView]:
    """The notice desk: open (waiting for a delivery, an answer or a staff task), overdue, answered, dead."""
    if show not in STAFF_FILTERS:
        raise Invalid(f"Show one of: {', '.join(STAFF_FILTERS)}.")
    now = utcnow()
    statement = select(RecipientNotice)
    if show == "open":
        statement = statement.where(col(RecipientNotice.status).in_(("pending", "delivered", "open")))
    elif show == "overdue":
        statement = statement.where(col(RecipientNotice.status) != "acknowledged", col(RecipientNotice.due_at) < now)
    elif show == "answered":
        statement = statement.where(col(RecipientNotice.status) == "acknowledged")
    elif show == "dead":
        statement = statement.where(col(RecipientNotice.status) == "dead")
    with session_scope() as session:
        rows = session.exec(statement.order_by(col(RecipientNotice.due_at)).limit(limit)).all()
    return [_view(row, now=now) for row in rows]


def _view(row: RecipientNotice, *, now: datetime | None = None) -> NoticeView:
    recipients = get_catalogue().recipients
    now = now or utcnow()
    overdue = row.status != "acknowledged" and row.due_at < now
    return NoticeView(
        id=row.id,
        recipient=recipients[row.recipient].legal_name if row.recipient in recipients else row.recipient,
        recipient_key=row.recipient,
        action=row.action,
        channel=row.channel,
        status=row.status,
        state=_state(row, overdue),
        created_at=row.created_at,
        due_at=row.due_at,
        answer=row.answer,
        answer_note=row.answer_note,
        answered_at=row.answered_at,
        attempts=row.attempts,
        last_error=row.last_error,
        overdue=overdue,
        request_id=row.request_id,
    )


def _state(row: RecipientNotice, overdue: bool) -> str:
    if row.status == "acknowledged" and row.answer:
        when = f" on {row.answered_at:%Y-%m-%d}" if row.answered_at else ""
        text = ANSWERS.get(row.answer, row.answer) + when
        return text + (f": {row.answer_note}" if row.answer == "refused" and row.answer_note else "")
    if row.status == "dead":
        return "Could not be delivered: our privacy team follows it up"
    waiting = {
        "pending": "Being sent",
        "delivered": "Sent; waiting for their confirmation",
        "open": "Our privacy team tells them directly",
    }.get(row.status, row.status)
    return waiting + (" (overdue)" if overdue else "")
