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
from ...i18n import N_, _
from ...i18n.formats import format_date
from ...models import Disclosure, PrivacyRequest, RecipientNotice
from ...models.types import utcnow
from ..access import Audience, use_case
from ..identity.principal import Principal

RECENT_DISCLOSURES = 20
ANSWERS = {  # shown with _(…)
    "done": N_("Confirmed"),
    "not_held": N_("Confirmed: they did not hold it"),
    "refused": N_("Refused"),
}
# With the date of the answer: one whole phrase each.
_ANSWERED_ON = {
    "done": N_("Confirmed on {date}"),
    "not_held": N_("Confirmed: they did not hold it on {date}"),
    "refused": N_("Refused on {date}"),
}
_WAITING = {
    "pending": N_("Being sent"),
    "delivered": N_("Sent; waiting for their confirmation"),
    "open": N_("Our privacy team tells them directly"),
}
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


@use_case(Audience.CUSTOMER, what=N_("personal data"))
def category_disclosures(principal: Principal, category_key: str) -> CategoryDisclosures:
    catalogue = get_catalogue()
    category = catalogue.categories.get(category_key)
    if category is None:
        raise NotFound(_("No such category."))
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


@use_case(Audience.CUSTOMER, what=N_("requests"))
def request_notices(principal: Principal, request_id: int) -> list[NoticeView]:
    """The recipients told about one of the customer's own requests (another customer's: NotFound, the same answer
    as a request that does not exist)."""
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        if request is None or request.subject_id != principal.account_id:
            raise NotFound(_("No such request."))
        rows = session.exec(
            select(RecipientNotice)
            .where(col(RecipientNotice.request_id) == request_id)
            .order_by(col(RecipientNotice.recipient))
        ).all()
    return [_view(row) for row in rows]


@use_case(Audience.STAFF, what=N_("see recipient notices"))
def staff_notices(principal: Principal, *, show: str = "open", limit: int = 200) -> list[NoticeView]:
    """The notice desk: open (waiting for a delivery, an answer or a staff task), overdue, answered, dead."""
    if show not in STAFF_FILTERS:
        raise Invalid(_("Show one of: {filters}.").format(filters=", ".join(STAFF_FILTERS)))
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
        if row.answered_at and row.answer in _ANSWERED_ON:
            text = _(_ANSWERED_ON[row.answer]).format(date=format_date(row.answered_at))
        else:
            text = _(ANSWERS[row.answer]) if row.answer in ANSWERS else row.answer
        if row.answer == "refused" and row.answer_note:
            return _("{answer}: {reason}").format(answer=text, reason=row.answer_note)
        return text
    if row.status == "dead":
        return _("Could not be delivered: our privacy team follows it up")
    waiting = _(_WAITING[row.status]) if row.status in _WAITING else row.status
    return _("{state} (overdue)").format(state=waiting) if overdue else waiting
