"""What the exports page promises before and while an export is built (#21 point 4): the preview's size estimate
within 30 % of a real build, progress counted in records (not records x formats), and a daily limit that deleting
an export does not undo, saying how many are left and from when."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from portal.catalogue import get_catalogue
from portal.categories import get_registry
from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.exports.builder import Extras, build
from portal.jobs import register_all
from portal.models import PrivacyRequest
from portal.queue.worker import Worker
from portal.services.rights import export_allowance, exports, portal_records
from portal.services.rights.exports import ExportError
from tests.utils.environment import reconfigure
from tests.utils.principals import ADA, GRACE, principal_for

ALL = ["json", "csv", "html"]
TOLERANCE = 0.30


@pytest.fixture(autouse=True)
def _request_types(portal_env: Path) -> None:
    register_all()


def _built(customer: int, categories: list[str], formats: list[str], progress: list[tuple[int, int]]) -> int:
    """The size of a real build, as the worker makes it (the customer's portal records included)."""
    with session_scope() as session:
        counts = get_registry().summaries(session, customer_id=customer)
    result = build(
        get_engine(),
        directory=get_settings().export_dir,
        customer_id=customer,
        request_id=900 + len(progress),
        categories=categories,
        formats=formats,
        total_hint=sum(s.count for key in categories for s in counts[key]),
        progress=lambda done, total: progress.append((done, total)),
        extras=Extras(sections=portal_records.sections_for(customer)),
    )
    return result.size_bytes


CHOICES = [
    pytest.param(ADA, None, ALL, id="ada-everything"),
    pytest.param(ADA, None, ["csv"], id="ada-csv"),
    pytest.param(GRACE, None, ALL, id="grace-everything"),
    pytest.param(GRACE, ["usage"], ["json"], id="grace-usage-json"),
    pytest.param(GRACE, None, ["html"], id="grace-report-only"),
    pytest.param(GRACE, ["technical", "transaction"], ["csv", "html"], id="grace-technical-transaction"),
]


@pytest.mark.parametrize(("customer", "categories", "formats"), CHOICES)
def test_the_estimate_is_within_thirty_percent_of_a_real_build(
    customer: int, categories: list[str] | None, formats: list[str]
) -> None:
    chosen = categories or list(get_catalogue().categories)
    estimate = exports.preview(principal_for(customer), chosen, formats)["estimated_bytes"]
    actual = _built(customer, chosen, formats, [])
    assert abs(estimate - actual) <= TOLERANCE * actual, f"estimated {estimate:,} bytes, built {actual:,}"


def test_progress_counts_records_once_whatever_the_formats() -> None:
    """55,216 records in three formats used to show "… / 165,648 records"."""
    progress: list[tuple[int, int]] = []
    preview = exports.preview(principal_for(GRACE), ["usage", "technical"], ["json", "csv"])
    _built(GRACE, ["usage", "technical"], ["json", "csv"], progress)
    assert {total for _, total in progress} == {preview["records"]}
    assert [done for done, _ in progress] == sorted(done for done, _ in progress), "it only goes forward"
    assert progress[-1] == (preview["records"], preview["records"])


def test_a_deleted_export_still_counts_and_the_allowance_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_EXPORT_LIMIT_PER_DAY", "2")
    reconfigure(PORTAL_EXPORT_LIMIT_PER_DAY="2")
    ada = principal_for(ADA)
    assert (export_allowance.allowance(ada).left, export_allowance.allowance(ada).used) == (2, 0)
    first = exports.request_export(ada, categories=["identity"], formats=["json"], idempotency_key="one")
    assert Worker(get_engine(), name="t").run_one()
    exports.delete_export(ada, first)
    exports.request_export(ada, categories=["identity"], formats=["json"], idempotency_key="two")
    allowance = export_allowance.allowance(ada)
    with session_scope() as session:
        received = session.exec(select(PrivacyRequest.received_at).where(col(PrivacyRequest.id) == first)).one()
    assert (allowance.per_day, allowance.used, allowance.left) == (2, 2, 0)
    assert allowance.next_free_at == received + export_allowance.WINDOW, "the first one leaves the window first"
    with pytest.raises(ExportError) as refused:
        exports.request_export(ada, categories=["identity"], formats=["json"], idempotency_key="three")
    assert "deleted ones count too" in str(refused.value)
    assert f"{allowance.next_free_at:%Y-%m-%d %H:%M} UTC" in str(refused.value)


def test_without_a_limit_the_allowance_is_unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_EXPORT_LIMIT_PER_DAY", "0")
    reconfigure(PORTAL_EXPORT_LIMIT_PER_DAY="0")
    assert export_allowance.allowance(principal_for(ADA)).left is None
