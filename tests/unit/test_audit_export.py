"""The audit trail as CSV (#21 point 8): exactly the events the officer's filters select, newest first, streamed in
batches, formula-proof cells, for privacy officers only, and the download itself is in the trail."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlmodel import col, select

from portal.audit import Actor, record
from portal.db import session_scope
from portal.errors import Forbidden
from portal.models import AuditEvent
from portal.services.views import audit_export, audit_view
from portal.services.views.audit_view import AuditQuery
from tests.utils.principals import principal_for

ADA, GRACE, AGENT, DPO = 1, 2, 5, 6


def _read(chunks: object) -> list[dict[str, str]]:
    text = b"".join(chunks).decode()  # type: ignore[call-overload]
    return list(csv.DictReader(io.StringIO(text)))


def _ids(query: AuditQuery) -> list[int]:
    with session_scope() as session:
        return list(
            session.exec(
                select(AuditEvent.id).where(*audit_view.audit_conditions(query)).order_by(col(AuditEvent.id).desc())
            )
        )


def test_the_csv_holds_what_the_filters_select_newest_first_in_batches(
    portal_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope() as session:
        for _ in range(7):
            record(session, action="auth.signed_in", actor=Actor(account_id=ADA, role="customer"), subject_id=ADA)
        record(session, action="auth.signed_in", actor=Actor(account_id=GRACE, role="customer"), subject_id=GRACE)
    monkeypatch.setattr(audit_export, "BATCH", 3)  # several batches, one of them short
    query = AuditQuery(action="signed_in", subject_id=ADA)
    expected = _ids(query)
    rows = _read(audit_export.audit_csv(principal_for(DPO), query))
    assert len(expected) >= 7
    assert len(rows) == len(expected)
    assert {row["subject_id"] for row in rows} == {str(ADA)} and {row["action"] for row in rows} == {"auth.signed_in"}
    times = [row["time_utc"] for row in rows]
    assert times == sorted(times, reverse=True), "newest first"
    assert list(rows[0]) == list(audit_export.COLUMNS)


def test_the_download_is_recorded_and_only_for_privacy_officers(portal_env: Path) -> None:
    with pytest.raises(Forbidden):
        audit_export.audit_csv(principal_for(AGENT), AuditQuery())
    with pytest.raises(Forbidden):
        audit_export.audit_csv(principal_for(ADA), AuditQuery())
    audit_export.audit_csv(principal_for(DPO), AuditQuery(actor_id=ADA))  # recorded before a row is read
    with session_scope() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.exported")).one()
    assert (event.actor_id, event.details) == (DPO, {"actor_id": ADA})


def test_a_cell_that_looks_like_a_formula_is_written_as_text(portal_env: Path) -> None:
    with session_scope() as session:
        record(session, action="=HYPERLINK(1)", actor=Actor(account_id=ADA, role="customer"), subject_id=ADA)
    rows = _read(audit_export.audit_csv(principal_for(DPO), AuditQuery(action="HYPERLINK")))
    assert [row["action"] for row in rows] == ["'=HYPERLINK(1)"]
