"""An objection to direct marketing (GDPR Art. 21(3)) takes effect at once, without a privacy officer."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from portal.db import get_engine, session_scope
from portal.jobs import register_all
from portal.models import ConsentLedgerEntry, ConsentState, PrivacyRequest, RequestStatus
from portal.queue.worker import Worker
from portal.services.rights import consents
from tests.utils.principals import principal_for

GRACE = 2  # the seed gives grace consent to marketing_email


def test_direct_marketing_objection_needs_no_review_and_switches_marketing_off(portal_env: Path) -> None:
    register_all()
    with session_scope() as session:
        assert session.get(ConsentState, (GRACE, "marketing_email")).granted is True
    request_id = consents.object_to_direct_marketing(principal_for(GRACE), reason="no more newsletters")
    with session_scope() as session:
        assert session.get(PrivacyRequest, request_id).status == RequestStatus.QUEUED.value, "no review step"
    assert Worker(get_engine(), name="t").run_one()
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request.status == RequestStatus.COMPLETED.value
        assert session.get(ConsentState, (GRACE, "marketing_email")).granted is False
        entry = session.exec(select(ConsentLedgerEntry).where(ConsentLedgerEntry.request_id == request_id)).one()
        assert (entry.purpose, entry.granted, entry.channel) == ("marketing_email", False, "objection")
        # purposes that are not direct marketing are untouched
        assert session.get(ConsentState, (GRACE, "usage_analytics")).granted is True
