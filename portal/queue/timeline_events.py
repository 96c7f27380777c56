"""Timeline events: the rows that tell a request's story (status changes, notes, progress), and the cleaning of
the free text that goes into them.

Apart because filing, transitions, completion, the worker and staff actions all write events the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from ..audit import Actor
from ..db import prepared
from ..i18n import N_, _
from ..models import EventKind, PrivacyRequest, RequestEvent
from ..models.types import utcnow
from . import filing
from .registry import PayloadError

MAX_TEXT = 2000
# What `clean_text` says when the text is missing or too long, for each thing it cleans.
_TEXT_PROBLEMS = {
    "reason": (N_("a reason is required"), N_("the reason is longer than {limit} characters")),
    "comment": (N_("a comment is required"), N_("the comment is longer than {limit} characters")),
    "note": (N_("a note is required"), N_("the note is longer than {limit} characters")),
}


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


def clean_text(value: str, what: str, *, limit: int = MAX_TEXT) -> str:
    """`what`: "reason", "comment" or "note" (the refusals name it, in the reader's language)."""
    missing, too_long = _TEXT_PROBLEMS[what]
    cleaned = "".join(ch for ch in (value or "") if ch.isprintable() or ch == "\n").strip()
    if not cleaned:
        raise PayloadError(_(missing))
    if len(cleaned) > limit:
        raise PayloadError(_(too_long).format(limit=limit))
    return cleaned
