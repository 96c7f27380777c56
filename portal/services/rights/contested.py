"""Which of a customer's records they contested (GDPR Art. 16: a supplementary statement on a record they cannot
correct themselves). A record counts as contested once the statement is recorded, and already while its request
waits in the queue: the row shows its flag from the moment the customer files the statement."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from ...models import FieldStatement, PrivacyRequest, RequestStatus

_FINISHED_WITHOUT_STATEMENT = (RequestStatus.REJECTED.value, RequestStatus.CANCELED.value)


def contested_ids(session: Session, *, customer_id: int, kind_key: str, record_ids: Iterable[int]) -> frozenset[int]:
    """The ids among `record_ids` (one page of a table) that carry a statement, recorded or on its way."""
    wanted = set(record_ids)
    if not wanted:
        return frozenset()
    recorded = session.exec(
        select(FieldStatement.record_id).where(
            col(FieldStatement.customer_id) == customer_id,
            col(FieldStatement.kind) == kind_key,
            col(FieldStatement.record_id).in_(wanted),
        )
    )
    # A customer files a handful of statements in a lifetime: their payloads are read rather than indexed.
    filed = session.exec(
        select(PrivacyRequest.payload).where(
            col(PrivacyRequest.subject_id) == customer_id,
            col(PrivacyRequest.type) == "statement",
            col(PrivacyRequest.status).not_in(_FINISHED_WITHOUT_STATEMENT),
        )
    )
    waiting = {p.get("record_id") for p in filed if p.get("kind") == kind_key}
    return frozenset(wanted & ({int(i) for i in recorded} | {i for i in waiting if isinstance(i, int)}))
