"""The audit trail as CSV, exactly the events the privacy officer's filters select, newest first.

Streamed: a filter as wide as "everything" is the whole trail, so the file is written a batch at a time from
the newest event present when the download began (later events, with higher ids, do not shift the batches), each
batch in a short session of its own. Cells go through SafeWriter: an action or origin is never read as a formula."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

from sqlalchemy import func
from sqlmodel import col, select

from ...audit import record
from ...db import session_scope
from ...exports.csv_safe import SafeWriter
from ...i18n import N_
from ...models import AuditEvent
from ..access import Audience, use_case
from ..identity.principal import Principal
from .audit_view import AuditQuery, audit_conditions

BATCH = 2_000
COLUMNS = (
    "seq",
    "time_utc",
    "action",
    "actor_id",
    "actor_role",
    "subject_id",
    "target_type",
    "target_id",
    "origin",
    "details",
    "hash",
)


@use_case(Audience.OFFICER, what=N_("the audit trail"))
def audit_csv(principal: Principal, query: AuditQuery) -> Iterator[bytes]:
    """Checks the officer and records the download now; the rows come as the returned iterator is read."""
    conditions = audit_conditions(query)
    with session_scope() as session:
        newest = session.exec(select(func.max(AuditEvent.id)).where(*conditions)).one()
        filters = {"action": query.action, "subject_id": query.subject_id, "actor_id": query.actor_id}
        record(
            session,
            action="audit.exported",
            actor=principal.actor(),
            details={key: value for key, value in filters.items() if value not in ("", None)},
        )
    return _rows(conditions, newest)


def _rows(conditions: list, newest: int | None) -> Iterator[bytes]:
    yield _line(COLUMNS)
    below = None if newest is None else newest + 1
    while below is not None:
        with session_scope() as session:
            events = session.exec(
                select(AuditEvent)
                .where(*conditions, col(AuditEvent.id) < below)
                .order_by(col(AuditEvent.id).desc())
                .limit(BATCH)
            ).all()
            lines = [
                _line(
                    (
                        e.seq,
                        e.at.isoformat(),
                        e.action,
                        e.actor_id,
                        e.actor_role,
                        e.subject_id,
                        e.target_type,
                        e.target_id,
                        e.origin,
                        json.dumps(e.details, sort_keys=True) if e.details else "",
                        e.hash,
                    )
                )
                for e in events
            ]
        if lines:
            yield b"".join(lines)
        below = events[-1].id if len(events) == BATCH else None


def _line(values: tuple) -> bytes:
    buffer = io.StringIO()
    SafeWriter(buffer).writerow(["" if value is None else value for value in values])
    return buffer.getvalue().encode()
