"""Filing a request: validating what the customer (or staff) sent, and writing the request with its first
timeline and audit events in one transaction, idempotently per key.

Apart from the transitions because filing is the hot path for every customer and has its own shape: no
request row to read first, a detached snapshot handed back, the statements in `filing`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import class_mapper
from sqlmodel import Session, select

from ..audit import Actor, audit_row
from ..i18n import _
from ..models import EventKind, PrivacyRequest, RequestStatus
from ..models.types import table_of, utcnow
from . import deadlines, filing, hooks, states, stored_text
from .registry import PayloadError, get_type
from .request_errors import ConcurrentChange
from .timeline_events import event_row
from .wakeup import work_available

MAX_KEY_LENGTH = 80

DEFAULT_MAX_ATTEMPTS: int = PrivacyRequest.model_fields["max_attempts"].default  # then a human looks at it


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
        raise PayloadError(_("{type}: customers cannot file this type of request").format(type=type_key))
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise PayloadError(_("idempotency key must be 1-{limit} characters").format(limit=MAX_KEY_LENGTH))
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
            message=stored_text.RECEIVED.format(title=request_type.title),  # English; shown by in_words
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
            raise ConcurrentChange(_("the request could not be filed; please try again"))
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


def _by_key(session: Session, subject_id: int, key: str) -> PrivacyRequest | None:
    return session.exec(
        select(PrivacyRequest).where(PrivacyRequest.subject_id == subject_id, PrivacyRequest.idempotency_key == key)
    ).first()
