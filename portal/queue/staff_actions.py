"""Staff actions on a request: approve, reject, cancel, retry, extend the deadline, comment, assign.

Each checks the role first (privacy officers decide; agents may retry, comment and take requests), then moves
the request through `transitions.transition` or a conditional update, so two staff members acting at once end with
one winner and a clear message for the other. The customer is told whatever concerns them (`notifications`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from ..audit import Actor, record
from ..i18n import N_, _
from ..i18n.formats import format_date
from ..models import STAFF_ROLES, EventKind, PrivacyRequest, RequestStatus, Role
from ..models.types import utcnow
from . import deadlines, hooks, states, stored_text
from .registry import PayloadError
from .request_errors import ConcurrentChange, NotPermitted, RequestNotFound
from .states import is_open
from .timeline_events import add_event, clean_text
from .transitions import transition

MAX_REASON = 1000  # rejection and cancellation reasons ("Rejected: " + reason must fit the outcome column)
MAX_EXTENSION_REASON = 500


def _staff_request(session: Session, request_id: int, actor: Actor) -> PrivacyRequest:
    if actor.role not in STAFF_ROLES:
        raise NotPermitted(_("staff only"))
    request = session.get(PrivacyRequest, request_id)
    if request is None:
        raise RequestNotFound(_("no request {number}").format(number=request_id))
    return request


def _officer_only(actor: Actor, refusal: str) -> None:
    """`refusal`: the whole sentence, marked with N_ by the caller."""
    if actor.role != Role.DPO.value:
        raise NotPermitted(_(refusal))


def approve(session: Session, *, request_id: int, actor: Actor) -> PrivacyRequest:
    _officer_only(actor, N_("only a privacy officer may approve requests"))
    request = _staff_request(session, request_id, actor)
    if request.status not in (RequestStatus.RECEIVED.value, RequestStatus.VERIFYING.value):
        raise states.InvalidTransition(
            _("only received requests can be approved; this one is {status}").format(status=request.status)
        )
    # Timeline texts are stored in English and shown in the reader's language (stored_text.in_words).
    transition(session, request, RequestStatus.QUEUED, actor=actor, message=stored_text.APPROVED)
    return request


def reject(session: Session, *, request_id: int, actor: Actor, reason: str) -> PrivacyRequest:
    _officer_only(actor, N_("only a privacy officer may reject requests"))
    reason = clean_text(reason, "reason", limit=MAX_REASON)
    request = _staff_request(session, request_id, actor)
    transition(
        session,
        request,
        RequestStatus.REJECTED,
        actor=actor,
        message=reason,
        rejection_reason=reason,
        outcome=stored_text.REJECTED.format(reason=reason),
    )
    return request


def cancel_by_staff(session: Session, *, request_id: int, actor: Actor, reason: str) -> PrivacyRequest:
    _officer_only(actor, N_("only a privacy officer may cancel requests"))
    reason = clean_text(reason, "reason", limit=MAX_REASON)
    request = _staff_request(session, request_id, actor)
    transition(
        session,
        request,
        RequestStatus.CANCELED,
        actor=actor,
        message=reason,
        outcome=stored_text.CANCELED.format(reason=reason),
    )
    return request


def retry(session: Session, *, request_id: int, actor: Actor) -> PrivacyRequest:
    request = _staff_request(session, request_id, actor)
    if request.status not in (RequestStatus.FAILED.value, RequestStatus.DEAD_LETTER.value):
        raise states.InvalidTransition(
            _("only failed requests can be retried; this one is {status}").format(status=request.status)
        )
    transition(
        session,
        request,
        RequestStatus.QUEUED,
        actor=actor,
        message=stored_text.RETRIED,
        attempts=0,
        next_attempt_at=None,
        last_error=None,
    )
    return request


def extend(session: Session, *, request_id: int, actor: Actor, months: int, reason: str) -> PrivacyRequest:
    """Extend the deadline by up to two further months in total (GDPR Art. 12(3)); the customer sees why."""
    _officer_only(actor, N_("only a privacy officer may extend deadlines"))
    reason = clean_text(reason, "reason", limit=MAX_EXTENSION_REASON)
    request = _staff_request(session, request_id, actor)
    if not is_open(request):
        raise states.InvalidTransition(_("a finished request cannot be extended"))
    if months not in (1, 2):
        raise PayloadError(_("an extension is 1 or 2 months"))
    new_due = deadlines.add_months(request.effective_due_at, months)
    limit = deadlines.latest_extension(request.received_at)
    if new_due > limit:
        raise PayloadError(_("the deadline can be extended to {date} at the latest").format(date=format_date(limit)))
    _update(session, request, extended_due_at=new_due, extension_reason=reason)
    message = stored_text.EXTENDED.format(date=f"{new_due:%Y-%m-%d}", reason=reason)
    add_event(session, request, EventKind.EXTENSION, actor, message=message)
    record(
        session,
        action="request.extended",
        actor=actor,
        subject_id=request.subject_id,
        target_type="request",
        target_id=request.id,
        details={"months": months},
    )
    hooks.extended(session, request)
    return request


def comment(session: Session, *, request_id: int, actor: Actor, text: str, to_customer: bool) -> None:
    request = _staff_request(session, request_id, actor)
    kind = EventKind.NOTE_TO_CUSTOMER if to_customer else EventKind.STAFF_COMMENT
    add_event(session, request, kind, actor, message=clean_text(text, "comment"), visible=to_customer)
    record(
        session,
        action="request.comment",
        actor=actor,
        subject_id=request.subject_id,
        target_type="request",
        target_id=request.id,
        details={"to_customer": to_customer},
    )
    if to_customer:
        hooks.note_to_customer(session, request)


def assign(session: Session, *, request_id: int, actor: Actor, assignee_id: int | None) -> None:
    request = _staff_request(session, request_id, actor)
    if actor.role != Role.DPO.value and (
        assignee_id not in (None, actor.account_id)
        or (assignee_id is None and request.assignee_id not in (None, actor.account_id))
    ):
        raise NotPermitted(_("support agents may only assign requests to themselves or release their own"))
    _update(session, request, assignee_id=assignee_id)
    add_event(
        session,
        request,
        EventKind.ASSIGNMENT,
        actor,
        visible=False,
        message=stored_text.ASSIGNED.format(account=assignee_id) if assignee_id else stored_text.UNASSIGNED,
    )
    record(
        session,
        action="request.assigned",
        actor=actor,
        subject_id=request.subject_id,
        target_type="request",
        target_id=request.id,
        details={"assignee_id": assignee_id},
    )


def _update(session: Session, request: PrivacyRequest, **values: Any) -> None:
    result = session.exec(
        update(PrivacyRequest)
        .where(
            col(PrivacyRequest.id) == request.id,
            col(PrivacyRequest.updated_at) == request.updated_at,
        )
        .values(updated_at=utcnow(), **values)
    )
    if result.rowcount != 1:
        raise ConcurrentChange(
            _("request {number} was changed by someone else; reload and try again").format(number=request.id)
        )
    session.refresh(request)
