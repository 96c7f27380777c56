"""The statements a worker claims requests with: built once, with bind parameters for everything that changes
between claims. On SQLite a claim holds the database's only write lock, and building these statements costs more
Python time than SQLite takes to run them.

A claim is one statement, so two workers can never claim the same row; on PostgreSQL the pick skips rows another
worker is claiming at this moment (`FOR UPDATE SKIP LOCKED`). The claim's timeline and audit events are written
set-based from the claimed rows, in the claiming transaction.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    Select,
    String,
    Update,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlmodel import col

from ..models import AuditEvent, EventKind, PrivacyRequest, RequestEvent, RequestStatus
from ..models.types import UTCDateTime, table_of
from . import stored_text


def is_claimable(now: Any) -> ColumnElement[bool]:
    """Queued, failed and due for retry, or processing under an expired lease (its worker died). `now` is a
    datetime or a bind parameter."""
    return or_(
        col(PrivacyRequest.status) == RequestStatus.QUEUED.value,
        and_(col(PrivacyRequest.status) == RequestStatus.FAILED.value, col(PrivacyRequest.next_attempt_at) <= now),
        and_(col(PrivacyRequest.status) == RequestStatus.PROCESSING.value, col(PrivacyRequest.lease_expires_at) < now),
    )


_NOW = bindparam("now", type_=UTCDateTime())
_RETURNED = (
    col(PrivacyRequest.id),
    col(PrivacyRequest.claimed_from),
    col(PrivacyRequest.attempts),
    col(PrivacyRequest.subject_id),
    col(PrivacyRequest.type),
)


def _claimed_values() -> dict[str, Any]:
    # SET expressions see the old row, so claimed_from records the status the request left.
    return {
        "claimed_from": PrivacyRequest.status,
        "status": RequestStatus.PROCESSING.value,
        "lease_owner": bindparam("owner", type_=String()),
        "lease_expires_at": bindparam("lease_until", type_=UTCDateTime()),
        "attempts": PrivacyRequest.attempts + 1,
        "updated_at": _NOW,
    }


@cache
def claim_statement(dialect: str, typed: bool) -> Update:
    """Claim up to :limit of the oldest claimable requests (of :types when `typed`)."""
    claimable = is_claimable(_NOW)
    if typed:
        claimable = and_(claimable, col(PrivacyRequest.type).in_(bindparam("types", expanding=True)))
    pick = (
        select(col(PrivacyRequest.id))
        .where(claimable)
        .order_by(col(PrivacyRequest.id))
        .limit(bindparam("limit", type_=Integer()))
    )
    if dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    # A MATERIALIZED CTE runs the pick exactly once. As a plain `IN (SELECT .. LIMIT n)` PostgreSQL may re-run it
    # while updating, and every re-run finds the next n claimable rows: it claimed more than n.
    picked = pick.cte("picked").prefix_with("MATERIALIZED")
    return (
        update(PrivacyRequest)
        .where(col(PrivacyRequest.id).in_(select(picked.c.id)), claimable)
        .values(**_claimed_values())
        .returning(*_RETURNED)
    )


@cache
def count_statement() -> Select[int]:
    """How many requests of :types are claimable, counted up to :limit."""
    claimable = (
        select(col(PrivacyRequest.id))
        .where(
            col(PrivacyRequest.type).in_(bindparam("types", expanding=True)),
            is_claimable(_NOW),
        )
        .limit(bindparam("limit", type_=Integer()))
        .subquery()
    )
    return select(func.count()).select_from(claimable)


@cache
def claim_one_statement() -> Update:
    """Claim one particular request (:request_id) if it is queued, or failed and due for retry."""
    return (
        update(PrivacyRequest)
        .where(
            col(PrivacyRequest.id) == bindparam("request_id", type_=Integer()),
            or_(
                col(PrivacyRequest.status) == RequestStatus.QUEUED.value,
                and_(
                    col(PrivacyRequest.status) == RequestStatus.FAILED.value,
                    col(PrivacyRequest.next_attempt_at) <= _NOW,
                ),
            ),
        )
        .values(**_claimed_values())
        .returning(*_RETURNED)
    )


@cache
def claim_records(dialect: str) -> tuple[Insert, Insert]:
    """The timeline and audit events of the claimed requests (:ids), written set-based (INSERT .. SELECT from
    the claimed rows): building a hundred rows in Python would hold SQLite's write lock ten times as long."""
    c = table_of(PrivacyRequest).c
    claimed = c.id.in_(bindparam("ids", expanding=True))
    actor_id, role = bindparam("actor_id", type_=Integer()), bindparam("actor_role", type_=String())
    before, after = stored_text.PROCESSING.split("{attempt}")  # "Processing (attempt 2)", in English (in_words)
    message = literal(before) + cast(c.attempts, String) + literal(after)
    json_object = func.json_build_object if dialect == "postgresql" else func.json_object
    events = insert(table_of(RequestEvent)).from_select(
        [
            "request_id",
            "at",
            "kind",
            "from_status",
            "to_status",
            "actor_id",
            "actor_role",
            "message",
            "visible_to_customer",
        ],
        select(
            c.id,
            _NOW,
            literal(EventKind.STATUS.value),
            c.claimed_from,
            literal(RequestStatus.PROCESSING.value),
            actor_id,
            role,
            message,
            c.claimed_from == RequestStatus.QUEUED.value,
        )
        .where(claimed)
        .order_by(c.id),
    )
    audits = insert(table_of(AuditEvent)).from_select(
        [
            "at",
            "action",
            "actor_id",
            "actor_role",
            "subject_id",
            "grant_id",
            "target_type",
            "target_id",
            "origin",
            "details",
        ],
        select(
            _NOW,
            literal("request.processing"),
            actor_id,
            role,
            c.subject_id,
            bindparam("grant_id", type_=Integer()),
            literal("request"),
            cast(c.id, String),
            bindparam("origin", type_=String()),
            json_object("from", c.claimed_from, "type", c.type, "attempt", c.attempts),
        )
        .where(claimed)
        .order_by(c.id),
    )
    return events, audits
