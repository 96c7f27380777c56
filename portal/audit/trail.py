"""Writing audit events. Call `record` inside the transaction of the change it describes, so the event
exists exactly when the change does. Only ids and action names go in: never personal values."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, insert
from sqlmodel import Session

from ..config import get_settings
from ..db import prepared
from ..models import AuditEvent
from ..models.types import table_of, utcnow


@dataclass(frozen=True)
class Actor:
    """Who did something: the signed-in account (for an agent acting under a grant, the agent) and,
    when it differs, the customer it was done for."""

    account_id: int | None
    role: str
    grant_id: int | None = None
    origin: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(account_id=None, role="system", origin="worker")


def origin_of(channel: str, client_address: str | None) -> str:
    """A channel plus a keyed hash of the client address: lets staff correlate events from one place
    without the trail holding an IP address."""
    if not client_address:
        return channel
    digest = hmac.new(get_settings().secret_key.encode(), client_address.encode(), hashlib.sha256).hexdigest()
    return f"{channel}:{digest[:16]}"


def record(
    session: Session,
    *,
    action: str,
    actor: Actor,
    subject_id: int | None = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        **audit_row(
            action=action,
            actor=actor,
            subject_id=subject_id,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )
    )
    session.add(event)
    return event


def audit_row(
    *,
    action: str,
    actor: Actor,
    subject_id: int | None = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The column values of one audit event, for `record_rows` (the queue writes them in bulk)."""
    return {
        "at": at or utcnow(),
        "action": action,
        "actor_id": actor.account_id,
        "actor_role": actor.role,
        "subject_id": subject_id,
        "grant_id": actor.grant_id,
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "origin": actor.origin,
        "details": details or {},
    }


def record_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert audit events built by `audit_row` in one statement, in the session's transaction. The queue
    records several per request; one executemany costs a fraction of as many ORM objects."""
    prepared.insert_many(session.connection(), audit_insert(), rows)


@cache
def audit_insert() -> Insert:
    """Built once: building an INSERT costs about as much as SQLite running it."""
    return insert(table_of(AuditEvent))
