"""The customer's side of the queue: their requests (list, get, timeline), canceling one, adding a note.

Apart from staff actions and filing because every call here is scoped to the customer: a request that is
someone else's is answered as not found."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ..audit import Actor, record
from ..i18n import _
from ..models import EventKind, PrivacyRequest, RequestEvent, RequestStatus
from . import states, stored_text
from .request_errors import RequestNotFound
from .timeline_events import add_event, clean_text
from .transitions import transition


def get_for_customer(session: Session, *, customer_id: int, request_id: int) -> PrivacyRequest:
    request = session.get(PrivacyRequest, request_id)
    if request is None or request.subject_id != customer_id:
        raise RequestNotFound(_("no request {number}").format(number=request_id))
    return request


def list_for_customer(session: Session, *, customer_id: int) -> list[PrivacyRequest]:
    return list(
        session.exec(
            select(PrivacyRequest)
            .where(PrivacyRequest.subject_id == customer_id)
            .order_by(col(PrivacyRequest.received_at).desc(), col(PrivacyRequest.id).desc())
        )
    )


def timeline(session: Session, *, request_id: int, customer_view: bool) -> list[RequestEvent]:
    statement = select(RequestEvent).where(col(RequestEvent.request_id) == request_id)
    if customer_view:
        statement = statement.where(col(RequestEvent.visible_to_customer) == True)  # noqa: E712
    return list(session.exec(statement.order_by(col(RequestEvent.at), col(RequestEvent.id))))


def cancel_by_customer(session: Session, *, customer_id: int, request_id: int, actor: Actor) -> PrivacyRequest:
    request = get_for_customer(session, customer_id=customer_id, request_id=request_id)
    if RequestStatus(request.status) not in states.CUSTOMER_CANCELABLE:
        raise states.InvalidTransition(_("this request is already being processed or finished and cannot be canceled"))
    transition(session, request, RequestStatus.CANCELED, actor=actor, message=stored_text.CANCELED_BY_CUSTOMER)
    return request


def note_from_customer(session: Session, *, customer_id: int, request_id: int, actor: Actor, text: str) -> None:
    request = get_for_customer(session, customer_id=customer_id, request_id=request_id)
    if not states.is_open(request):
        raise states.InvalidTransition(_("this request is finished; please file a new one"))
    add_event(session, request, EventKind.NOTE_FROM_CUSTOMER, actor, message=clean_text(text, "note"))
    record(
        session,
        action="request.note_from_customer",
        actor=actor,
        subject_id=customer_id,
        target_type="request",
        target_id=request.id,
    )
