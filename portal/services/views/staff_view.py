"""The staff console's use cases: the queue with counts and filters, one request in full with the actions the
role and status allow, and the staff actions themselves (the email outbox is
`outbox_view`).

Every function takes the signed-in principal and refuses non-staff. The queue service enforces the same
role rules again, so the `actions` offered here are a courtesy for the UI, not the security boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from ...audit import record
from ...db import session_scope
from ...i18n import _
from ...models import OPEN_STATUSES, STAFF_ROLES, Account, PrivacyRequest, RequestStatus, Role
from ...models.types import utcnow
from ...queue import deadlines, staff_actions, states
from ...queue import service as queue
from ...queue.registry import all_types
from ..access import Audience, use_case
from ..identity.principal import Principal
from .paging import Page, window
from .request_facts import Fact, payload_facts
from .requests_view import RequestRow, TimelineEntry, event_text, row_of
from .staff_words import channel_in_words, role_in_words

PAGE_SIZE = 25
ASSIGNEE_FILTERS = ("anyone", "me", "unassigned")


@dataclass(frozen=True)
class QueueFilter:
    type_key: str | None = None
    status: str | None = None
    overdue_only: bool = False
    assignee: str = "anyone"
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    request: RequestRow
    subject_id: int | None
    subject_name: str
    assignee_name: str
    attempts: int


@dataclass(frozen=True)
class StaffRequestDetail:
    row: RequestRow
    subject_id: int | None
    subject_name: str
    actor: str
    channel: str
    payload: dict[str, Any]
    facts: list[Fact]  # the payload in words (the raw payload stays beside it for staff)
    extended_due_at: datetime | None
    extension_reason: str | None
    completed_at: datetime | None
    attempts: int
    max_attempts: int
    last_error: str | None
    outcome: str | None
    rejection_reason: str | None
    assignee_id: int | None
    assignee_name: str
    timeline: list[TimelineEntry]
    actions: frozenset[str]  # approve, reject, cancel, retry, extend, comment, assign-any, assign-self
    extend_months: tuple[int, ...]  # the extensions still within the statutory limit


def type_options() -> dict[str, str]:
    return {t.key: _(t.title) for t in all_types()}


@use_case(Audience.STAFF)
def status_counts(principal: Principal) -> dict[str, int]:
    with session_scope() as session:
        counts = dict(session.exec(select(PrivacyRequest.status, func.count()).group_by(PrivacyRequest.status)).all())
    return {s.value: int(counts.get(s.value, 0)) for s in RequestStatus}


@use_case(Audience.STAFF)
def queue_page(principal: Principal, query: QueueFilter) -> Page:
    conditions: list[Any] = []
    if query.type_key:
        conditions.append(col(PrivacyRequest.type) == query.type_key)
    if query.status:
        conditions.append(col(PrivacyRequest.status) == query.status)
    if query.overdue_only:
        due = func.coalesce(col(PrivacyRequest.extended_due_at), col(PrivacyRequest.due_at))
        conditions += [due < utcnow(), col(PrivacyRequest.status).in_([s.value for s in OPEN_STATUSES])]
    if query.assignee == "me":
        conditions.append(col(PrivacyRequest.assignee_id) == principal.account_id)
    elif query.assignee == "unassigned":
        conditions.append(col(PrivacyRequest.assignee_id).is_(None))
    subject, assignee = aliased(Account), aliased(Account)
    with session_scope() as session:
        shown = window(session, PrivacyRequest, conditions, query.page, PAGE_SIZE)
        statement = (
            select(PrivacyRequest, subject.display_name, assignee.display_name)
            .outerjoin(subject, col(subject.id) == col(PrivacyRequest.subject_id))
            .outerjoin(assignee, col(assignee.id) == col(PrivacyRequest.assignee_id))
            .where(*conditions)
            # Newest first by id, which follows the filing order: walking the primary key backwards
            # reads only the page's rows, where ordering by received_at sorted every request (0.7 s at a
            # million, bench/staff_queue.py); there is no index on received_at to keep filing cheap.
            .order_by(col(PrivacyRequest.id).desc())
            .offset(shown.offset)
            .limit(shown.limit)
        )
        rows = [
            QueueRow(
                request=row_of(r),
                subject_id=r.subject_id,
                subject_name=subject_name or _("(erased)"),
                assignee_name=assignee_name or "—",
                attempts=r.attempts,
            )
            for r, subject_name, assignee_name in session.exec(statement)
        ]
    return shown.of(rows)


@use_case(Audience.STAFF)
def staff_members(principal: Principal) -> dict[int, str]:
    with session_scope() as session:
        accounts = session.exec(
            select(Account)
            .where(
                col(Account.role).in_(STAFF_ROLES),
                col(Account.deactivated_at).is_(None),
            )
            .order_by(col(Account.id))
        )
        return {a.id: f"{a.display_name} ({a.role})" for a in accounts if a.id is not None}


@use_case(Audience.STAFF)
def request_detail(principal: Principal, request_id: int, *, record_view: bool = False) -> StaffRequestDetail:
    """Everything about one request, with the full timeline. `record_view` writes `staff.request_viewed`
    to the audit trail (the page does so once per visit, not on each refresh after an action)."""
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        if request is None:
            raise queue.RequestNotFound(f"no request {request_id}")
        names = _names(session, {request.subject_id, request.actor_id, request.assignee_id})
        events = queue.timeline(session, request_id=request_id, customer_view=False)
        names |= _names(session, {e.actor_id for e in events} - names.keys())
        if record_view:
            record(
                session,
                action="staff.request_viewed",
                actor=principal.actor(),
                subject_id=request.subject_id,
                target_type="request",
                target_id=request.id,
            )
        timeline = [
            TimelineEntry(
                at=e.at,
                kind=e.kind,
                text=event_text(e, for_customer=False),
                by=names.get(e.actor_id, e.actor_role or _("system")) if e.actor_id else _("system"),
                internal=not e.visible_to_customer,
            )
            for e in events
        ]
        actor = (
            names.get(request.actor_id, _("account {number}").format(number=request.actor_id))
            if request.actor_id
            else _("system")
        )
        return StaffRequestDetail(
            row=row_of(request),
            subject_id=request.subject_id,
            subject_name=names.get(request.subject_id, _("(erased)")),
            actor=_("{name} ({role})").format(name=actor, role=role_in_words(request.actor_role)),
            channel=channel_in_words(request.channel),
            payload=dict(request.payload),
            facts=payload_facts(request.payload, for_staff=True),
            extended_due_at=request.extended_due_at,
            extension_reason=request.extension_reason,
            completed_at=request.completed_at,
            attempts=request.attempts,
            max_attempts=request.max_attempts,
            last_error=request.last_error,
            outcome=request.outcome,
            rejection_reason=request.rejection_reason,
            assignee_id=request.assignee_id,
            assignee_name=names.get(request.assignee_id, "—"),
            timeline=timeline,
            actions=_actions(principal, request),
            extend_months=_extend_months(request),
        )


def _names(session: Any, ids: set[int | None]) -> dict[int | None, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {a.id: a.display_name for a in session.exec(select(Account).where(col(Account.id).in_(wanted)))}


def _actions(principal: Principal, request: PrivacyRequest) -> frozenset[str]:
    status = RequestStatus(request.status)
    allowed = states.TRANSITIONS[status]
    actions = {"comment", "assign-self"}
    if status in (RequestStatus.FAILED, RequestStatus.DEAD_LETTER):
        actions.add("retry")
    if principal.role == Role.DPO.value:
        actions.add("assign-any")
        if status in (RequestStatus.RECEIVED, RequestStatus.VERIFYING):
            actions.add("approve")
        if RequestStatus.REJECTED in allowed:
            actions.add("reject")
        if RequestStatus.CANCELED in allowed:
            actions.add("cancel")
        if queue.is_open(request) and _extend_months(request):
            actions.add("extend")
    return frozenset(actions)


def _extend_months(request: PrivacyRequest) -> tuple[int, ...]:
    limit = deadlines.latest_extension(request.received_at)
    return tuple(m for m in (1, 2) if deadlines.add_months(request.effective_due_at, m) <= limit)


# --- actions: thin wrappers so every call carries the principal's actor and commits as one unit ------------


@use_case(Audience.STAFF)
def approve(principal: Principal, request_id: int) -> None:
    with session_scope() as session:
        staff_actions.approve(session, request_id=request_id, actor=principal.actor())


@use_case(Audience.STAFF)
def reject(principal: Principal, request_id: int, reason: str) -> None:
    with session_scope() as session:
        staff_actions.reject(session, request_id=request_id, actor=principal.actor(), reason=reason)


@use_case(Audience.STAFF)
def cancel(principal: Principal, request_id: int, reason: str) -> None:
    with session_scope() as session:
        staff_actions.cancel_by_staff(session, request_id=request_id, actor=principal.actor(), reason=reason)


@use_case(Audience.STAFF)
def retry(principal: Principal, request_id: int) -> None:
    with session_scope() as session:
        staff_actions.retry(session, request_id=request_id, actor=principal.actor())


@use_case(Audience.STAFF)
def extend(principal: Principal, request_id: int, months: int, reason: str) -> None:
    with session_scope() as session:
        staff_actions.extend(session, request_id=request_id, actor=principal.actor(), months=months, reason=reason)


@use_case(Audience.STAFF)
def comment(principal: Principal, request_id: int, text: str, to_customer: bool) -> None:
    with session_scope() as session:
        staff_actions.comment(
            session, request_id=request_id, actor=principal.actor(), text=text, to_customer=to_customer
        )


@use_case(Audience.STAFF)
def assign(principal: Principal, request_id: int, assignee_id: int | None) -> None:
    with session_scope() as session:
        staff_actions.assign(session, request_id=request_id, actor=principal.actor(), assignee_id=assignee_id)
