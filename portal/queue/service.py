"""Queue use cases: filing a request, moving it through the state machine, and staff actions.

Every status change is a conditional UPDATE on the status the caller saw, so two staff members
approving at once, or a worker racing a cancel, end with exactly one winner and a clear message for
the other. Every change writes a timeline event and an audit event in the same transaction.
"""

from __future__ import annotations

import threading
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import TextClause, Update, bindparam, case, text, update
from sqlalchemy.orm import class_mapper
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from ..audit import Actor, audit_insert, audit_row, record
from ..db import prepared
from ..errors import Conflict, Forbidden, NotFound
from ..models import EventKind, PrivacyRequest, RequestEvent, RequestStatus
from ..models.types import UTCDateTime, table_of, utcnow
from . import deadlines, filing, hooks, states
from .registry import PayloadError, get_type

MAX_KEY_LENGTH = 80
MAX_TEXT = 2000
MAX_REASON = 1000  # rejection and cancellation reasons ("Rejected: " + reason must fit the outcome column)
MAX_EXTENSION_REASON = 500

DEFAULT_MAX_ATTEMPTS: int = PrivacyRequest.model_fields["max_attempts"].default  # then a human looks at it

# Set whenever work is queued, so an in-process worker wakes at once instead of at its next poll.
work_available = threading.Event()


class RequestNotFound(NotFound):
    """No such request for this principal (the same answer whether it does not exist or is someone else's)."""


class ConcurrentChange(Conflict):
    """Someone else changed the request first; nothing was written."""


class NotPermitted(Forbidden):
    """The role may not perform this action."""


def submit(
    session: Session,
    *,
    type_key: str,
    subject_id: int,
    actor: Actor,
    payload: dict[str, Any],
    idempotency_key: str,
    channel: str = "portal",
) -> tuple[PrivacyRequest, bool]:
    """File a request. The same idempotency key for the same subject returns the existing request
    (a double click or a retried POST files one request, not two). Returns (request, created).

    A type that needs no review or verification is filed straight into "queued": the timeline and the
    audit trail still show both steps (received, then queued). How the rows are written, in as few
    statements as the database allows, is `filing.write`.

    A new request comes back detached: a snapshot of what was filed, not tracked by `session`. Callers read it
    (its id, for the page to show); one that changes it further loads it (`session.get`). Tracking it (or
    marking it as a stored row) would cost a tenth of a filing, for every request of every customer. A request
    found under the key is the one `session` loaded (or already held: it stays the caller's)."""
    request_type = get_type(type_key)
    if channel == "portal" and not request_type.customer_can_file:
        raise PayloadError(f"{type_key}: customers cannot file this type of request")
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise PayloadError(f"idempotency key must be 1-{MAX_KEY_LENGTH} characters")
    clean = request_type.validate(payload)
    auto_queue = not (request_type.needs_review or request_type.needs_verification)
    if auto_queue:
        states.check(RequestStatus.RECEIVED.value, RequestStatus.QUEUED.value)
    now = utcnow()
    status = RequestStatus.QUEUED if auto_queue else RequestStatus.RECEIVED
    values: dict[str, Any] = {
        "type": type_key,
        "subject_id": subject_id,
        "actor_id": actor.account_id,
        "actor_role": actor.role,
        "grant_id": actor.grant_id,
        "channel": channel,
        "payload": clean,
        "status": status.value,
        "idempotency_key": idempotency_key,
        "attempts": 0,
        "max_attempts": DEFAULT_MAX_ATTEMPTS,
        "progress_done": 0,
        "progress_total": 0,
        "received_at": now,
        "due_at": deadlines.due_date(now),
        "updated_at": now,
    }
    events = [
        event_row(
            None,
            EventKind.STATUS,
            actor,
            at=now,
            to_status=RequestStatus.RECEIVED.value,
            message=f"{request_type.title} received",
        )
    ]
    audits = [
        audit_row(
            action="request.received",
            actor=actor,
            subject_id=subject_id,
            target_type="request",
            details={"type": type_key, "channel": channel},
            at=now,
        )
    ]
    if auto_queue:
        events.append(
            event_row(
                None,
                EventKind.STATUS,
                actor,
                at=now,
                from_status=RequestStatus.RECEIVED.value,
                to_status=RequestStatus.QUEUED.value,
            )
        )
        audits.append(
            audit_row(
                action="request.queued",
                actor=actor,
                subject_id=subject_id,
                target_type="request",
                details={"from": RequestStatus.RECEIVED.value, "type": type_key},
                at=now,
            )
        )
    # Built before the first write: on SQLite the database's one write lock is held from there to the commit.
    request = _as_loaded(values)
    request_id = filing.write(session, values, events, audits)
    if request_id is None:  # this key was used before (a double click, a retry, a concurrent submit)
        existing = _by_key(session, subject_id, idempotency_key)
        if existing is None:
            raise ConcurrentChange("the request could not be filed; please try again")
        return existing, False
    request.__dict__["id"] = request_id
    if auto_queue:
        work_available.set()
        hooks.status_changed(session, request, RequestStatus.RECEIVED.value)
    elif request_type.needs_review:
        hooks.received_for_review(session, request)
    return request, True


_REQUEST_COLUMNS = tuple(column.key for column in table_of(PrivacyRequest).columns)


def _as_loaded(values: dict[str, Any]) -> PrivacyRequest:
    """The request about to be inserted, as the ORM would load it, built from the values we write instead of
    read back; the caller fills in its id. Built like a loaded row (no __init__): SQLModel's validating
    constructor costs a quarter of a filing transaction."""
    request = class_mapper(PrivacyRequest).class_manager.new_instance()  # configures the mappers on first use
    request.__dict__.update(dict.fromkeys(_REQUEST_COLUMNS), **values)
    return request


def event_row(
    request_id: int | None,
    kind: EventKind,
    actor: Actor,
    *,
    at: datetime | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    message: str | None = None,
    visible: bool = True,
) -> dict[str, Any]:
    """The column values of one timeline event, for `write_events`."""
    return {
        "request_id": request_id,
        "at": at or utcnow(),
        "kind": kind.value,
        "from_status": from_status,
        "to_status": to_status,
        "actor_id": actor.account_id,
        "actor_role": actor.role,
        "message": message[:MAX_TEXT] if message else None,
        "visible_to_customer": visible,
    }


def write_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert timeline events in one statement, in the session's transaction."""
    prepared.insert_many(session.connection(), filing.events_insert(), rows)


def _by_key(session: Session, subject_id: int, key: str) -> PrivacyRequest | None:
    return session.exec(
        select(PrivacyRequest).where(PrivacyRequest.subject_id == subject_id, PrivacyRequest.idempotency_key == key)
    ).first()


def transition(
    session: Session,
    request: PrivacyRequest,
    target: RequestStatus,
    *,
    actor: Actor,
    message: str | None = None,
    expected_owner: str | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> None:
    """Move a request to `target` if it is still in the status we read; raise otherwise. `now` (default: the
    wall clock) stamps the change and its timeline event (a worker passes its own clock's)."""
    states.check(request.status, target.value)
    now = now or utcnow()
    conditions = [col(PrivacyRequest.id) == request.id, col(PrivacyRequest.status) == request.status]
    if expected_owner is not None:
        conditions.append(col(PrivacyRequest.lease_owner) == expected_owner)
    values = {"status": target.value, "updated_at": now, **changes}
    if target in (RequestStatus.COMPLETED, RequestStatus.REJECTED, RequestStatus.CANCELED):
        values.setdefault("completed_at", now)
        values.setdefault("lease_owner", None)
        values.setdefault("lease_expires_at", None)
    previous = request.status  # read before the UPDATE: the ORM syncs the new status into the object
    result = session.exec(update(PrivacyRequest).where(*conditions).values(**values))
    if result.rowcount != 1:
        raise ConcurrentChange(f"request {request.id} was changed by someone else; reload and try again")
    session.refresh(request)
    add_event(
        session, request, EventKind.STATUS, actor, from_status=previous, to_status=target.value, message=message, at=now
    )
    record(
        session,
        action=f"request.{target.value}",
        actor=actor,
        subject_id=request.subject_id,
        target_type="request",
        target_id=request.id,
        details={"from": previous, "type": request.type},
    )
    if target == RequestStatus.QUEUED:
        work_available.set()
    hooks.status_changed(session, request, previous)


def complete_many(
    session: Session,
    requests: list[PrivacyRequest],
    outcomes: dict[int, str],
    *,
    actor: Actor,
    owner: str,
    notes: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> None:
    """Complete several requests one worker processed (one UPDATE; on SQLite one prepared UPDATE per request),
    with their timeline events (the handlers' `notes` first) and audit events in two bulk inserts. Raises
    ConcurrentChange unless every one of them is still processing under `owner`'s lease (the caller rolls back:
    all complete, or none)."""
    for request in requests:
        states.check(request.status, RequestStatus.COMPLETED.value)
    now = now or utcnow()
    outcomes = {key: value[:MAX_TEXT] for key, value in outcomes.items()}
    # Everything is built before the first write: on SQLite the write lock is held from the UPDATE to the commit.
    events = list(notes or []) + [
        event_row(
            r.id,
            EventKind.STATUS,
            actor,
            at=now,
            from_status=r.status,
            to_status=RequestStatus.COMPLETED.value,
            message=outcomes[_stored_id(r)],
        )
        for r in requests
    ]
    audits = [
        audit_row(
            action="request.completed",
            actor=actor,
            subject_id=r.subject_id,
            target_type="request",
            target_id=r.id,
            at=now,
            details={"from": r.status, "type": r.type},
        )
        for r in requests
    ]
    previous = {r.id: r.status for r in requests}
    written = {
        "status": RequestStatus.COMPLETED.value,
        "completed_at": now,
        "updated_at": now,
        "lease_owner": None,
        "lease_expires_at": None,
    }
    ids = [_stored_id(request) for request in requests]
    connection = session.connection()
    if prepared.supported(connection.dialect):
        # SQLite: one prepared UPDATE per request, no statement to build, and every row converted before the
        # UPDATE takes the write lock that the other writers (customers filing) wait for.
        dialect = connection.dialect
        complete = prepared.prepare(_complete_one(), dialect)
        event_insert = prepared.prepare(filing.events_insert(), dialect, tuple(events[0]))
        audit_insert_ = prepared.prepare(audit_insert(), dialect, tuple(audits[0]))
        updates = [
            complete.parameters(
                {
                    "request_id": request_id,
                    "outcome": outcomes[request_id],
                    "now": now,
                    "owner": owner,
                }
            )
            for request_id in ids
        ]
        event_rows = [event_insert.parameters(event) for event in events]
        audit_rows = [audit_insert_.parameters(audit) for audit in audits]
        _record_completion(requests, written, outcomes)
        if complete.execute_converted(connection, updates) != len(ids):
            raise ConcurrentChange("a request of the batch was changed by someone else")
        event_insert.execute_converted(connection, event_rows)
        audit_insert_.execute_converted(connection, audit_rows)
    else:  # one UPDATE for the whole batch: one round trip
        if connection.dialect.name == "postgresql":
            changed = connection.execute(
                _complete_postgresql(),
                {
                    "ids": ids,
                    "outcomes": [outcomes[request_id] for request_id in ids],
                    "now": now,
                    "owner": owner,
                },
            ).rowcount
        else:
            table = table_of(PrivacyRequest)
            changed = connection.execute(
                update(table)
                .where(
                    table.c.id.in_(ids),
                    table.c.status == RequestStatus.PROCESSING.value,
                    table.c.lease_owner == owner,
                )
                .values(**written, outcome=case(outcomes, value=table.c.id))
            ).rowcount
        if changed != len(ids):
            raise ConcurrentChange("a request of the batch was changed by someone else")
        prepared.insert_many(connection, filing.events_insert(), events)
        prepared.insert_many(connection, audit_insert(), audits)
        _record_completion(requests, written, outcomes)
    for request in requests:
        hooks.status_changed(session, request, previous[request.id])


def _stored_id(request: PrivacyRequest) -> int:
    assert request.id is not None, "a request the worker claimed is stored: it has an id"
    return request.id


def _record_completion(requests: list[PrivacyRequest], written: dict[str, Any], outcomes: dict[int, str]) -> None:
    """The completing UPDATE goes past the ORM: tell each object what it writes (the notifications read the
    outcome). Should the UPDATE fail, the caller rolls back, which expires these values again."""
    for request in requests:
        for key, value in {**written, "outcome": outcomes[_stored_id(request)]}.items():
            set_committed_value(request, key, value)


@cache
def _complete_one() -> Update:
    """Complete request :request_id if it is still processing under :owner's lease (see `complete_many`)."""
    table = table_of(PrivacyRequest)
    return (
        update(table)
        .where(
            table.c.id == bindparam("request_id"),
            table.c.status == RequestStatus.PROCESSING.value,
            table.c.lease_owner == bindparam("owner"),
        )
        .values(
            status=RequestStatus.COMPLETED.value,
            completed_at=bindparam("now", type_=UTCDateTime()),
            updated_at=bindparam("now", type_=UTCDateTime()),
            lease_owner=None,
            lease_expires_at=None,
            outcome=bindparam("outcome"),
        )
    )


@cache
def _complete_postgresql() -> TextClause:
    """PostgreSQL: `complete_many`'s UPDATE in one shape for every batch, the outcomes passed as an array. Built
    with `CASE id WHEN .. THEN ..` per request, each batch size was a new statement for SQLAlchemy to compile:
    a tenth of a busy worker's time."""
    return text(
        f"UPDATE privacy_request SET status = '{RequestStatus.COMPLETED.value}', completed_at = :now, "
        "updated_at = :now, lease_owner = NULL, lease_expires_at = NULL, outcome = v.outcome "
        "FROM unnest(CAST(:ids AS integer[]), CAST(:outcomes AS text[])) AS v(id, outcome) "
        f"WHERE privacy_request.id = v.id AND privacy_request.status = '{RequestStatus.PROCESSING.value}' "
        "AND privacy_request.lease_owner = :owner"
    ).bindparams(bindparam("now", type_=UTCDateTime()))


def add_event(
    session: Session,
    request: PrivacyRequest,
    kind: EventKind,
    actor: Actor,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    message: str | None = None,
    visible: bool = True,
    at: datetime | None = None,
) -> RequestEvent:
    assert request.id is not None
    event = RequestEvent(
        request_id=request.id,
        at=at or utcnow(),
        kind=kind.value,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.account_id,
        actor_role=actor.role,
        message=message[:MAX_TEXT] if message else None,
        visible_to_customer=visible,
    )
    session.add(event)
    return event


# --- customer side -------------------------------------------------------------------------------------------


def get_for_customer(session: Session, *, customer_id: int, request_id: int) -> PrivacyRequest:
    request = session.get(PrivacyRequest, request_id)
    if request is None or request.subject_id != customer_id:
        raise RequestNotFound(f"no request {request_id}")
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
        raise states.InvalidTransition("this request is already being processed or finished and cannot be canceled")
    transition(session, request, RequestStatus.CANCELED, actor=actor, message="Canceled by you")
    return request


def note_from_customer(session: Session, *, customer_id: int, request_id: int, actor: Actor, text: str) -> None:
    request = get_for_customer(session, customer_id=customer_id, request_id=request_id)
    if not is_open(request):
        raise states.InvalidTransition("this request is finished; please file a new one")
    add_event(session, request, EventKind.NOTE_FROM_CUSTOMER, actor, message=clean_text(text, "note"))
    record(
        session,
        action="request.note_from_customer",
        actor=actor,
        subject_id=customer_id,
        target_type="request",
        target_id=request.id,
    )


def clean_text(value: str, what: str, *, limit: int = MAX_TEXT) -> str:
    cleaned = "".join(ch for ch in (value or "") if ch.isprintable() or ch == "\n").strip()
    if not cleaned:
        raise PayloadError(f"a {what} is required")
    if len(cleaned) > limit:
        raise PayloadError(f"the {what} is longer than {limit} characters")
    return cleaned


def is_open(request: PrivacyRequest) -> bool:
    return RequestStatus(request.status) not in (
        RequestStatus.COMPLETED,
        RequestStatus.REJECTED,
        RequestStatus.CANCELED,
    )


def urgency(request: PrivacyRequest, now: datetime | None = None) -> str:
    return deadlines.urgency(request.effective_due_at, now or utcnow(), open_=is_open(request))
