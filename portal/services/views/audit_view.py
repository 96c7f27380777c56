"""Reading the audit trail: the privacy officer's filterable view and chain verification, and a customer's
own recent activity (ids and action names only, as the trail itself holds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from ...audit import seal, verify
from ...db import get_engine, session_scope
from ...i18n import N_
from ...models import AuditEvent
from ..access import Audience, use_case
from ..identity.principal import Principal
from .activity_words import describe, who_acted
from .paging import Page, window

PAGE_SIZE = 50
MAX_FILTER = 48


@dataclass(frozen=True)
class AuditQuery:
    action: str = ""
    subject_id: int | None = None
    actor_id: int | None = None
    page: int = 1


@dataclass(frozen=True)
class AuditRow:
    """One event as the privacy officer's table shows it (ids and action names, as the trail holds them)."""

    id: int
    seq: int | None  # None until the sealer chains it
    at: datetime
    action: str
    actor_id: int | None
    actor_role: str | None
    subject_id: int | None
    target_type: str | None
    target_id: str | None
    origin: str | None
    details: dict[str, Any]
    hash: str | None


@dataclass(frozen=True)
class ActivityItem:
    id: int
    at: datetime
    action: str  # as the trail holds it
    words: str  # what it means, for the customer (`activity_words`)
    by: str  # you | staff | system
    target: str | None


def audit_conditions(query: AuditQuery) -> list[Any]:
    """The WHERE of the officer's filters: the page and its CSV download select the same events."""
    conditions = []
    action = "".join(ch for ch in query.action if ch.isprintable())[:MAX_FILTER].strip()
    if action:
        conditions.append(col(AuditEvent.action).contains(action, autoescape=True))
    if query.subject_id is not None:
        conditions.append(col(AuditEvent.subject_id) == query.subject_id)
    if query.actor_id is not None:
        conditions.append(col(AuditEvent.actor_id) == query.actor_id)
    return conditions


@use_case(Audience.OFFICER, what=N_("the audit trail"))
def audit_page(principal: Principal, query: AuditQuery) -> Page:
    conditions = audit_conditions(query)
    with session_scope() as session:
        shown = window(session, AuditEvent, conditions, query.page, PAGE_SIZE)
        events = session.exec(
            select(AuditEvent)
            .where(*conditions)
            .order_by(col(AuditEvent.id).desc())
            .offset(shown.offset)
            .limit(shown.limit)
        )
        rows = [
            AuditRow(
                id=e.id or 0,
                seq=e.seq,
                at=e.at,
                action=e.action,
                actor_id=e.actor_id,
                actor_role=e.actor_role,
                subject_id=e.subject_id,
                target_type=e.target_type,
                target_id=e.target_id,
                origin=e.origin,
                details=dict(e.details),
                hash=e.hash,
            )
            for e in events
        ]
    return shown.of(rows)


@use_case(Audience.OFFICER, what=N_("the audit trail"))
def verify_chain(principal: Principal) -> tuple[bool, str]:
    """Seal what is pending, then check the whole chain. Slow on a long trail: call it off the event loop."""
    engine = get_engine()
    seal(engine)
    result = verify(engine)
    return result.ok, result.describe()


@use_case(Audience.CUSTOMER, what=N_("account activity"))
def customer_activity(principal: Principal, limit: int = 10) -> list[ActivityItem]:
    """The latest audit events about the customer's own account (the overview's card)."""
    return customer_activity_page(principal, page=1, page_size=limit).rows


@use_case(Audience.CUSTOMER, what=N_("account activity"))
def customer_activity_page(principal: Principal, *, page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """Every audit event about the customer's own account, newest first, a page at a time (`/activity`). Only
    ever the signed-in customer's: the subject is the principal's own account, whatever page is asked for."""
    own = AuditEvent.subject_id == principal.account_id
    with session_scope() as session:
        shown = window(session, AuditEvent, [own], page, page_size)
        events = session.exec(
            select(AuditEvent)
            .where(own)
            .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .offset(shown.offset)
            .limit(shown.limit)
        )
        rows = [
            ActivityItem(
                id=e.id or 0,
                at=e.at,
                action=e.action,
                words=describe(e.action, e.target_type, e.target_id, e.details),
                by=who_acted(e.actor_role, e.actor_id, principal.account_id),
                target=f"{e.target_type} {e.target_id}" if e.target_type and e.target_id else None,
            )
            for e in events
        ]
    return shown.of(rows)
