"""The customer's side of the request queue: their requests, one request's detail and timeline, canceling,
notes to staff, restriction/objection requests per category, and in-portal notifications.

The subject is always the signed-in customer (`principal.account_id`). A request id that belongs to someone
else raises the same `RequestNotFound` as an id that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from ...db import session_scope
from ...i18n import N_, _
from ...models import (
    EventKind,
    PrivacyRequest,
    ProcessingRestriction,
    RecipientNotice,
    RequestEvent,
    RequestStatus,
    Role,
)
from ...queue import service as queue
from ...queue import states
from ...queue.registry import PayloadError, all_types, get_type
from ..access import WRITES, Audience, use_case
from ..identity.principal import Principal
from .activity_words import who_acted
from .request_facts import Fact, payload_facts

RESTRICTION_KINDS = ("restriction", "objection")


@dataclass(frozen=True)
class RequestRow:
    id: int
    type_key: str
    type_title: str
    status: str
    status_label: str
    received_at: datetime
    due_at: datetime  # the effective deadline: the extended one when there is one
    urgency: str  # overdue | due-soon | on-time
    is_open: bool
    finished_at: datetime | None = None  # completed, rejected or canceled: then, not a due date, is what matters


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    text: str
    by: str
    internal: bool


@dataclass(frozen=True)
class RequestDetail:
    row: RequestRow
    facts: list[Fact]  # what the request asks for, readable (the payload as the customer should see it)
    extended_due_at: datetime | None
    extension_reason: str | None
    completed_at: datetime | None
    outcome: str | None
    rejection_reason: str | None
    filed_by_support: bool
    cancelable: bool
    open: bool  # notes can be added while it is open
    timeline: list[TimelineEntry]


@dataclass(frozen=True)
class RestrictionView:
    kind: str
    kind_title: str
    reason: str
    since: datetime
    request_id: int


@dataclass(frozen=True)
class CategoryRestrictions:
    active: list[RestrictionView]
    pending: list[RequestRow]  # filed for this category and not finished yet


# Events the portal itself writes (not a person's note or comment): their text is stored in English and worded for the
# reader here, where the code that wrote it marked it (`N_`); anything else (a staff member's reason) shows as written.
_SYSTEM_WORDED = (EventKind.STATUS.value, EventKind.PROGRESS.value, EventKind.ASSIGNMENT.value)


# What a request's page shows (its row, its timeline, the recipients told of it): the page refreshes when one of
# these tables was written, by whichever process (portal/ui/page_changes.py).
REQUEST_TABLES = frozenset({PrivacyRequest.__tablename__, RequestEvent.__tablename__, RecipientNotice.__tablename__})


def type_title(key: str) -> str:
    try:
        return _(get_type(key).title)
    except PayloadError:  # a type whose feature is not loaded in this process: show its key, never fail
        return key


def row_of(request: PrivacyRequest) -> RequestRow:
    assert request.id is not None
    return RequestRow(
        id=request.id,
        type_key=request.type,
        type_title=type_title(request.type),
        status=request.status,
        status_label=_(states.LABELS[RequestStatus(request.status)]),
        received_at=request.received_at,
        due_at=request.effective_due_at,
        urgency=queue.urgency(request),
        is_open=queue.is_open(request),
        finished_at=None if queue.is_open(request) else request.completed_at,
    )


def _worded(message: str) -> str:
    """A stored system message in the reader's language: a marked one through the catalogue, and the filing's
    "<type title> received" (portal/queue/submission.py) rebuilt from its parts."""
    for request_type in all_types():
        if message == f"{request_type.title} received":
            return _("{request_type} received").format(request_type=_(request_type.title))
    return _(message)


def event_text(event: RequestEvent, *, for_customer: bool) -> str:
    message = event.message or ""
    if event.kind in _SYSTEM_WORDED and message:
        message = _worded(message)
    if event.kind == EventKind.STATUS.value and event.to_status:
        label = _(states.LABELS[RequestStatus(event.to_status)])
        if not message or label.lower() in message.lower():
            return message or label  # "Restriction of processing received" says it already
        return _("{status}: {message}").format(status=label, message=message)
    prefixes = {
        EventKind.NOTE_TO_CUSTOMER.value: N_("Message from our privacy team")
        if for_customer
        else N_("Message to customer"),
        EventKind.NOTE_FROM_CUSTOMER.value: N_("Your note") if for_customer else N_("Note from the customer"),
        EventKind.STAFF_COMMENT.value: N_("Internal comment"),
    }
    if event.kind in prefixes:
        return _("{label}: {message}").format(label=_(prefixes[event.kind]), message=message)
    return message


@use_case(Audience.CUSTOMER, what=N_("requests"))
def list_requests(principal: Principal) -> list[RequestRow]:
    customer_id = principal.account_id
    with session_scope() as session:
        return [row_of(r) for r in queue.list_for_customer(session, customer_id=customer_id)]


@use_case(Audience.CUSTOMER, what=N_("requests"))
def open_requests(principal: Principal, limit: int = 5) -> list[RequestRow]:
    return [row for row in list_requests(principal) if row.is_open][:limit]


@use_case(Audience.CUSTOMER, what=N_("requests"))
def request_detail(principal: Principal, request_id: int) -> RequestDetail:
    customer_id = principal.account_id
    with session_scope() as session:
        request = queue.get_for_customer(session, customer_id=customer_id, request_id=request_id)
        events = queue.timeline(session, request_id=request_id, customer_view=True)
        return RequestDetail(
            row=row_of(request),
            facts=payload_facts(request.payload),
            extended_due_at=request.extended_due_at,
            extension_reason=request.extension_reason,
            completed_at=request.completed_at,
            outcome=request.outcome,
            rejection_reason=request.rejection_reason,
            filed_by_support=request.actor_role == Role.AGENT.value,
            cancelable=RequestStatus(request.status) in states.CUSTOMER_CANCELABLE,
            open=queue.is_open(request),
            timeline=[
                TimelineEntry(
                    at=e.at,
                    kind=e.kind,
                    text=event_text(e, for_customer=True),
                    by=who_acted(e.actor_role, e.actor_id, customer_id),
                    internal=False,
                )
                for e in events
            ],
        )


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("requests"))
def cancel_request(principal: Principal, request_id: int) -> None:
    customer_id = principal.account_id
    with session_scope() as session:
        queue.cancel_by_customer(session, customer_id=customer_id, request_id=request_id, actor=principal.actor())


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("requests"))
def send_note(principal: Principal, request_id: int, text: str) -> None:
    customer_id = principal.account_id
    with session_scope() as session:
        queue.note_from_customer(
            session, customer_id=customer_id, request_id=request_id, actor=principal.actor(), text=text
        )


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("requests"))
def file_restriction(principal: Principal, *, kind: str, category: str, reason: str, idempotency_key: str) -> int:
    """File a restriction (Art. 18) or objection (Art. 21) for one category; returns the request id.
    The same idempotency key returns the request already filed, so a double click files one request."""
    customer_id = principal.account_id
    if kind not in RESTRICTION_KINDS:
        raise PayloadError(f"unknown kind {kind!r}: choose restriction or objection")
    with session_scope() as session:
        request, _created = queue.submit(
            session,
            type_key=kind,
            subject_id=customer_id,
            actor=principal.actor(),
            payload={"category": category, "reason": reason},
            idempotency_key=idempotency_key,
        )
        assert request.id is not None
        return request.id


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("requests"))
def lift_restriction(principal: Principal, *, restriction_request: int, idempotency_key: str) -> int:
    """Lift a restriction or objection in force (one the customer asked for); returns the request id."""
    with session_scope() as session:
        restriction = session.exec(
            select(ProcessingRestriction).where(
                col(ProcessingRestriction.request_id) == restriction_request,
                col(ProcessingRestriction.customer_id) == principal.account_id,
                col(ProcessingRestriction.lifted_at).is_(None),
            )
        ).first()
        if restriction is None:  # another customer's, or lifted already: the same answer for both
            raise PayloadError(_("There is no such restriction or objection in force on your account."))
        request, _created = queue.submit(
            session,
            type_key="restriction_lift",
            subject_id=principal.account_id,
            actor=principal.actor(),
            payload={"restriction_request": restriction_request},
            idempotency_key=idempotency_key,
        )
        assert request.id is not None
        return request.id


@use_case(Audience.CUSTOMER, what=N_("requests"))
def category_restrictions(principal: Principal, category: str) -> CategoryRestrictions:
    customer_id = principal.account_id
    with session_scope() as session:
        rows = session.exec(
            select(ProcessingRestriction)
            .where(
                col(ProcessingRestriction.customer_id) == customer_id,
                col(ProcessingRestriction.category) == category,
                col(ProcessingRestriction.lifted_at).is_(None),
            )
            .order_by(col(ProcessingRestriction.id))
        )
        active = [
            RestrictionView(
                kind=r.kind, kind_title=type_title(r.kind), reason=r.reason, since=r.created_at, request_id=r.request_id
            )
            for r in rows
        ]
        requests = session.exec(
            select(PrivacyRequest).where(
                col(PrivacyRequest.subject_id) == customer_id, col(PrivacyRequest.type).in_(RESTRICTION_KINDS)
            )
        )
        pending = [row_of(r) for r in requests if queue.is_open(r) and r.payload.get("category") == category]
    return CategoryRestrictions(active=active, pending=sorted(pending, key=lambda r: r.id))
