"""Moving one request through the state machine: a conditional UPDATE on the status the caller saw, with its
timeline and audit events in the same transaction.

Two staff members approving at once, or a worker racing a cancel, end with exactly one winner and a
`ConcurrentChange` for the other. Completing a whole batch at once is `completion`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from ..audit import Actor, record
from ..i18n import _
from ..models import EventKind, PrivacyRequest, RequestStatus
from ..models.types import utcnow
from . import hooks, states
from .request_errors import ConcurrentChange
from .timeline_events import add_event
from .wakeup import work_available


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
        raise ConcurrentChange(
            _("request {number} was changed by someone else; reload and try again").format(number=request.id)
        )
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
