"""Consents: the overview, changes through the queue, the append-only ledger, Global Privacy Control and the
review of what changed in a newer policy version."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.audit import Actor
from portal.catalogue import Catalogue
from portal.catalogue.loader import load_catalogue_file
from portal.catalogue.model import ConsentEffect, ConsentWithdrawal
from portal.catalogue.translation import texts
from portal.config import ROOT
from portal.db import get_engine, session_scope
from portal.jobs import register_all
from portal.models import (
    AuditEvent,
    ConsentLedgerEntry,
    ConsentState,
    Notification,
    PolicyReview,
    PrivacyRequest,
    RequestEvent,
    RequestStatus,
)
from portal.models.types import utcnow
from portal.queue.registry import JobContext, PayloadError, get_type
from portal.queue.worker import Worker
from portal.services.identity.principal import Principal
from portal.services.rights import consent_withdrawal, consents
from tests.utils.environment import reconfigure
from tests.utils.principals import ADA, GRACE, principal_for

POLICY_DIR = ROOT / "data" / "policy"
CONSENTABLE = ["web_processing", "usage_analytics", "partner_sharing", "marketing_email"]
ADA_SEEDED = {"web_processing": True, "usage_analytics": True, "partner_sharing": False, "marketing_email": False}
STORED = (PrivacyRequest, RequestEvent, AuditEvent, ConsentLedgerEntry, ConsentState)


@pytest.fixture
def ada(portal_env: Path) -> Principal:
    register_all()
    return principal_for(ADA)


@pytest.fixture
def grace(portal_env: Path) -> Principal:
    register_all()
    return principal_for(GRACE)


def change(principal: Principal, purpose: str, granted: bool) -> int:
    """File a change as the consents page does: a withdrawal that deletes data goes through its confirmation."""
    if not granted and consent_withdrawal.erases(purpose):
        return consent_withdrawal.withdraw_and_erase(principal, purpose_key=purpose, confirmed=True)
    return consents.request_change(principal, purpose=purpose, granted=granted)


def run_worker() -> bool:
    return Worker(get_engine(), name="test-consents").run_one()


def states(customer_id: int) -> dict[str, ConsentState]:
    with session_scope() as session:
        return {s.purpose: s for s in session.exec(select(ConsentState).where(ConsentState.customer_id == customer_id))}


def granted(customer_id: int) -> dict[str, bool]:
    return {purpose: state.granted for purpose, state in states(customer_id).items()}


def ledger(customer_id: int) -> list[tuple[object, ...]]:
    """Every ledger row of the customer as plain tuples, oldest first (to compare before/after)."""
    with session_scope() as session:
        rows = session.exec(
            select(ConsentLedgerEntry)
            .where(ConsentLedgerEntry.customer_id == customer_id)
            .order_by(ConsentLedgerEntry.id)
        ).all()  # type: ignore[arg-type]
        return [
            (r.id, r.purpose, r.granted, r.policy_version, r.at, r.channel, r.actor_id, r.actor_role, r.request_id)
            for r in rows
        ]


def stored() -> dict[str, int]:
    """Row counts of every table a filing could write to, read in a fresh session."""
    with Session(get_engine()) as session:
        return {
            table.__tablename__: session.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[attr-defined]
            for table in STORED
        }


# --- overview --------------------------------------------------------------------------------------------------


def test_the_overview_lists_the_four_consentable_purposes_with_the_seeded_states(ada: Principal) -> None:
    views = consents.overview(ada)
    assert [v.purpose.key for v in views] == CONSENTABLE
    assert {v.purpose.key: v.granted for v in views} == ADA_SEEDED
    assert not any(v.pending or v.gpc_applied for v in views)
    assert all(v.updated_at is not None for v in views)
    assert "service_delivery" not in [v.purpose.key for v in views], "a contract purpose is not a consent"


def test_grace_has_given_every_consent(grace: Principal) -> None:
    assert {v.purpose.key: v.granted for v in consents.overview(grace)} == dict.fromkeys(CONSENTABLE, True)


# --- changes and the ledger ------------------------------------------------------------------------------------


def test_a_change_is_filed_then_applied_with_one_ledger_entry(ada: Principal) -> None:
    before_ledger = ledger(ADA)
    request_id = consents.request_change(ada, purpose="marketing_email", granted=True)
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        assert (request.type, request.status, request.subject_id) == ("consent_change", "queued", ADA)
        assert request.payload == {
            "purpose": "marketing_email",
            "granted": True,
            "channel": "portal",
            "erase_confirmed": False,
        }
    view = {v.purpose.key: v for v in consents.overview(ada)}["marketing_email"]
    assert view.pending and not view.granted, "shown as pending until the worker applied it"
    assert ledger(ADA) == before_ledger

    assert run_worker()
    assert granted(ADA) == {**ADA_SEEDED, "marketing_email": True}
    assert states(ADA)["marketing_email"].policy_version == "1.0"
    view = {v.purpose.key: v for v in consents.overview(ada)}["marketing_email"]
    assert view.granted and not view.pending
    after = ledger(ADA)
    assert after[:-1] == before_ledger, "older entries are unchanged"
    assert len(after) == len(before_ledger) + 1
    with session_scope() as session:
        entry = session.exec(select(ConsentLedgerEntry).order_by(ConsentLedgerEntry.id.desc())).first()  # type: ignore[union-attr]
        assert entry is not None
        assert (
            entry.customer_id,
            entry.purpose,
            entry.granted,
            entry.policy_version,
            entry.channel,
            entry.actor_id,
            entry.actor_role,
            entry.request_id,
        ) == (ADA, "marketing_email", True, "1.0", "portal", ADA, "customer", request_id)
        audit = session.exec(
            select(AuditEvent).where(AuditEvent.action == "consent.given", AuditEvent.subject_id == ADA)
        ).all()
        assert [(a.target_type, a.target_id) for a in audit] == [("purpose", "marketing_email")]
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == RequestStatus.COMPLETED.value


def test_the_ledger_only_grows(ada: Principal) -> None:
    seeded = consents.history(ada)
    assert len(seeded) == 7, "ada's seeded history: registration choices and later changes"
    snapshots = [ledger(ADA)]
    for purpose, value in [
        ("marketing_email", True),
        ("usage_analytics", False),
        ("marketing_email", False),
        ("partner_sharing", True),
    ]:
        change(ada, purpose, value)
        assert run_worker()
        snapshots.append(ledger(ADA))
    for older, newer in itertools.pairwise(snapshots):
        assert len(newer) == len(older) + 1
        assert newer[: len(older)] == older
    history = consents.history(ada)
    assert len(history) == 11
    assert [(e.purpose, e.granted) for e in history[:4]] == [
        ("partner_sharing", True),
        ("marketing_email", False),
        ("usage_analytics", False),
        ("marketing_email", True),
    ]
    assert granted(ADA) == {
        "web_processing": True,
        "usage_analytics": False,
        "partner_sharing": True,
        "marketing_email": False,
    }


def test_giving_a_consent_already_given_adds_no_ledger_entry(ada: Principal) -> None:
    before = ledger(ADA)
    request_id = consents.request_change(ada, purpose="web_processing", granted=True)
    assert run_worker()
    assert ledger(ADA) == before
    assert granted(ADA) == ADA_SEEDED
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == RequestStatus.COMPLETED.value
    consents.request_change(ada, purpose="partner_sharing", granted=False)  # already withdrawn
    assert run_worker()
    assert ledger(ADA) == before


def test_a_retried_job_writes_one_entry(ada: Principal) -> None:
    request_id = consents.request_change(ada, purpose="marketing_email", granted=True)
    assert run_worker()
    entries = ledger(ADA)
    with session_scope() as session:  # the handler runs again for the same request (a retry after a crash)
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        get_type("consent_change").handler(JobContext(session=session, request=request, now=utcnow()))
    actor = Actor(account_id=ADA, role="customer", origin="portal")
    with session_scope() as session:
        assert not consents.apply_change(
            session,
            customer_id=ADA,
            purpose="marketing_email",
            granted=True,
            channel="portal",
            actor=actor,
            request_id=request_id,
        )
    assert ledger(ADA) == entries
    assert [e for e in entries if e[-1] == request_id] and len([e for e in entries if e[-1] == request_id]) == 1


def test_a_retried_job_does_not_undo_a_later_change(ada: Principal) -> None:
    """Withdraw (request A), give again (request B), then A's job runs again: the ledger knows A is done."""
    actor = Actor(account_id=ADA, role="customer", origin="portal")
    with session_scope() as session:
        assert consents.apply_change(
            session,
            customer_id=ADA,
            purpose="usage_analytics",
            granted=False,
            channel="portal",
            actor=actor,
            request_id=9001,
        )
    with session_scope() as session:
        assert consents.apply_change(
            session,
            customer_id=ADA,
            purpose="usage_analytics",
            granted=True,
            channel="portal",
            actor=actor,
            request_id=9002,
        )
    entries = ledger(ADA)
    with session_scope() as session:
        assert not consents.apply_change(
            session,
            customer_id=ADA,
            purpose="usage_analytics",
            granted=False,
            channel="portal",
            actor=actor,
            request_id=9001,
        )
    assert ledger(ADA) == entries
    assert granted(ADA)["usage_analytics"] is True


def test_withdrawing_is_one_call_just_like_giving(ada: Principal) -> None:
    """The same function, one request and one worker step each way (GDPR Art. 7(3): as easy as giving)."""
    steps = {}
    for value in (True, False):
        before = stored()
        request_id = consents.request_change(ada, purpose="marketing_email", granted=value)
        after_filing = stored()
        processed = 0
        while run_worker():
            processed += 1
        with session_scope() as session:
            request = session.get(PrivacyRequest, request_id)
            assert request is not None and request.status == RequestStatus.COMPLETED.value
        assert granted(ADA)["marketing_email"] is value
        steps[value] = (
            after_filing["privacy_request"] - before["privacy_request"],
            processed,
            stored()["consent_ledger"] - before["consent_ledger"],
        )
    assert steps[True] == steps[False] == (1, 1, 1)


def test_history_csv_has_a_header_and_one_row_per_entry(ada: Principal) -> None:
    consents.request_change(ada, purpose="marketing_email", granted=True)
    assert run_worker()
    rows = list(csv.reader(io.StringIO(consents.history_csv(ada).decode())))
    assert rows[0] == ["time_utc", "purpose", "purpose_title", "action", "policy_version", "channel", "by"]
    history = consents.history(ada)
    assert len(rows) - 1 == len(history) == 8
    newest = rows[1]
    assert newest[1:] == ["marketing_email", "Product news by email", "given", "1.0", "portal", "you"]
    assert newest[0] == history[0].at.isoformat()
    assert {r[3] for r in rows[1:]} == {"given", "withdrawn"}
    assert all(r[1] in CONSENTABLE for r in rows[1:])


def test_history_csv_of_a_customer_is_only_theirs(ada: Principal) -> None:
    grace_rows = list(csv.reader(io.StringIO(consents.history_csv(principal_for(GRACE)).decode())))
    assert len(grace_rows) - 1 == len(consents.history(principal_for(GRACE))) == 4


@pytest.mark.parametrize(
    ("purpose", "channel"),
    [
        ("service_delivery", "portal"),
        ("misuse_detection", "portal"),
        ("telepathy", "portal"),
        ("", "portal"),
        ("marketing_email", "carrier-pigeon"),
    ],
)
def test_a_purpose_that_is_not_a_consent_is_refused_and_writes_nothing(
    ada: Principal, purpose: str, channel: str
) -> None:
    before = stored()
    with pytest.raises(PayloadError):
        consents.request_change(ada, purpose=purpose, granted=False, channel=channel)
    assert stored() == before
    assert not run_worker()
    assert granted(ADA) == ADA_SEEDED


# --- Global Privacy Control ------------------------------------------------------------------------------------


def test_gpc_switches_off_sale_and_sharing_only(grace: Principal) -> None:
    before = ledger(GRACE)
    assert consents.apply_gpc(grace) == ["partner_sharing"]
    assert consents.apply_gpc(grace) == [], "a second signal while the first is pending files nothing"
    with session_scope() as session:
        requests = session.exec(select(PrivacyRequest).where(PrivacyRequest.subject_id == GRACE)).all()
    assert [(r.type, r.channel, r.payload) for r in requests] == [
        (
            "consent_change",
            "gpc",
            {"purpose": "partner_sharing", "granted": False, "channel": "gpc", "erase_confirmed": False},
        )
    ]
    assert run_worker()
    assert not run_worker()
    assert granted(GRACE) == {**dict.fromkeys(CONSENTABLE, True), "partner_sharing": False}
    assert states(GRACE)["partner_sharing"].gpc_applied is True
    assert not any(s.gpc_applied for p, s in states(GRACE).items() if p != "partner_sharing")
    after = ledger(GRACE)
    assert after[:-1] == before
    _, purpose, value, version, _, channel, actor_id, role, request_id = after[-1]
    assert (purpose, value, version, channel, actor_id, role, request_id) == (
        "partner_sharing",
        False,
        "1.0",
        "gpc",
        GRACE,
        "customer",
        requests[0].id,
    )
    view = {v.purpose.key: v for v in consents.overview(grace)}["partner_sharing"]
    assert view.gpc_applied and not view.granted
    assert consents.apply_gpc(grace) == [], "already opted out"


def test_gpc_for_a_customer_already_opted_out_files_nothing(ada: Principal) -> None:
    before = stored()
    assert consents.apply_gpc(ada) == []
    assert stored() == before
    assert not run_worker()


def test_the_gpc_purposes_are_the_sale_or_sharing_ones(portal_env: Path) -> None:
    from portal.catalogue import get_catalogue

    purposes = get_catalogue().purposes
    assert [k for k, p in purposes.items() if p.sale_or_sharing] == ["partner_sharing"]
    assert [k for k, p in purposes.items() if p.direct_marketing] == ["marketing_email"]


# --- policy review ---------------------------------------------------------------------------------------------

NEW_PURPOSE = {
    "on_withdrawal": {
        "summary": "We stop inviting you.",
        "effects": [{"action": "stop", "explanation": "No more invitations."}],
    },
    "key": "product_research",
    "title": "Product research",
    "legal_basis": "consent",
    "description": "Invite you to occasional surveys about our products.",
    "policy_text": None,
    "recipients": ["hosting"],
    "consentable": True,
    "sale_or_sharing": False,
    "direct_marketing": False,
}


def _catalogue_1_1(directory: Path) -> Path:
    directory.mkdir()
    shutil.copyfile(POLICY_DIR / "catalogue-1.0.json", directory / "catalogue-1.0.json")
    document = json.loads((POLICY_DIR / "catalogue-1.0.json").read_text(encoding="utf-8"))
    document["policy_version"] = "1.1"
    for purpose in document["purposes"]:
        if purpose["key"] == "usage_analytics":
            purpose["description"] += " We now also record the device model."
    document["purposes"].append(NEW_PURPOSE)
    (directory / "catalogue-1.1.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    # A new version ships with its translations (the start-up refuses one without): 1.0's texts, and the new and
    # changed ones marked as not yet translated, which is enough for a test that reads keys.
    english = texts(load_catalogue_file(directory / "catalogue-1.1.json"))
    for translation in POLICY_DIR.glob("catalogue-1.0.*.json"):
        shutil.copyfile(translation, directory / translation.name)
        translated = json.loads(translation.read_text(encoding="utf-8"))
        kept = translated["texts"]
        translated["translation_of"] = "1.1"
        translated["texts"] = {
            path: kept.get(path, f"[{translated['language']}] {text}") for path, text in english.items()
        }
        (directory / translation.name.replace("1.0", "1.1")).write_text(
            json.dumps(translated, ensure_ascii=False), encoding="utf-8"
        )
    return directory


def test_a_new_policy_version_asks_to_review_what_changed(
    ada: Principal, portal_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert consents.purposes_to_review(ada) == [], "up to date with the policy in force"
    directory = _catalogue_1_1(tmp_path / "policy")
    monkeypatch.setenv("PORTAL_CATALOGUE_DIR", str(directory))  # removed again after the test
    reconfigure(PORTAL_CATALOGUE_DIR=str(directory))

    assert [p.key for p in consents.purposes_to_review(ada)] == ["usage_analytics", "product_research"]
    assert [v.purpose.key for v in consents.overview(ada)] == [*CONSENTABLE, "product_research"]
    assert not {v.purpose.key: v for v in consents.overview(ada)}["product_research"].granted, (
        "a new purpose is not consented to until the customer gives it"
    )
    grace = principal_for(GRACE)
    assert [p.key for p in consents.purposes_to_review(grace)] == ["usage_analytics", "product_research"]

    consents.mark_policy_reviewed(ada)
    assert consents.purposes_to_review(ada) == []
    assert [p.key for p in consents.purposes_to_review(grace)] == ["usage_analytics", "product_research"]
    with session_scope() as session:
        review = session.get(PolicyReview, ADA)
        assert review is not None and review.policy_version == "1.1"
        assert (
            session.exec(
                select(AuditEvent).where(AuditEvent.action == "policy.reviewed", AuditEvent.subject_id == ADA)
            ).first()
            is not None
        )

    consents.request_change(ada, purpose="product_research", granted=True)
    assert run_worker()
    assert states(ADA)["product_research"].policy_version == "1.1"
    assert ledger(ADA)[-1][1:4] == ("product_research", True, "1.1")


STOP_ONLY = ConsentWithdrawal(summary="We stop.", effects=(ConsentEffect(action="stop", explanation="Stopped."),))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue_file(POLICY_DIR / "catalogue-1.0.json")


def _with_purpose(catalogue: Catalogue, key: str, **changes: object) -> Catalogue:
    purposes = dict(catalogue.purposes)
    purposes[key] = dataclasses.replace(purposes[key], **changes)
    return dataclasses.replace(catalogue, policy_version="1.1", purposes=purposes)


def test_changed_purposes_of_an_identical_catalogue_is_empty(catalogue: Catalogue) -> None:
    assert consents.changed_purposes(catalogue, catalogue) == []
    assert (
        consents.changed_purposes(
            catalogue, dataclasses.replace(catalogue, policy_version="1.1", summary="Reworded summary.")
        )
        == []
    )


@pytest.mark.parametrize(
    ("key", "changes"),
    [
        ("usage_analytics", {"description": "Something else entirely."}),
        ("usage_analytics", {"title": "Analytics and profiling"}),
        ("marketing_email", {"legal_basis": "legitimate_interests"}),
        ("usage_analytics", {"sale_or_sharing": True}),
        ("misuse_detection", {"consentable": True, "on_withdrawal": STOP_ONLY}),
        ("usage_analytics", {"on_withdrawal": STOP_ONLY}),
    ],
    ids=["description", "title", "legal-basis", "sale-or-sharing", "consentable", "what-withdrawing-does"],
)
def test_changed_purposes_reports_a_change_of_meaning_basis_or_sharing(
    catalogue: Catalogue, key: str, changes: dict[str, object]
) -> None:
    new = _with_purpose(catalogue, key, **changes)
    assert [p.key for p in consents.changed_purposes(catalogue, new)] == [key]
    assert consents.changed_purposes(catalogue, new)[0] == new.purposes[key], "the new wording is shown"


def test_changed_purposes_reports_a_new_purpose_but_not_a_removed_one(catalogue: Catalogue) -> None:
    from portal.catalogue import Purpose

    purposes = {k: p for k, p in catalogue.purposes.items() if k != "marketing_email"}
    purposes["product_research"] = Purpose(**{**NEW_PURPOSE, "recipients": ("hosting",)})  # type: ignore[arg-type]
    new = dataclasses.replace(catalogue, policy_version="1.1", purposes=purposes)
    assert [p.key for p in consents.changed_purposes(catalogue, new)] == ["product_research"]


def test_changed_purposes_reports_a_purpose_shared_with_new_recipients(catalogue: Catalogue) -> None:
    """PORTAL BUG (services/consents.changed_purposes): purposes now carry their recipients (catalogue
    'recipients' per purpose, shown on the consents page), but changed_purposes compares only title,
    description, legal basis, sale_or_sharing and consentable. A policy version that starts sharing a
    consented purpose's data with a new recipient does not ask the customer to review it."""
    before = catalogue.purposes["partner_sharing"].recipients
    new = _with_purpose(catalogue, "partner_sharing", recipients=(*before, "analytics"))
    assert [p.key for p in consents.changed_purposes(catalogue, new)] == ["partner_sharing"]


def test_consent_changes_of_several_customers_complete_together_in_one_worker_batch(
    ada: Principal, grace: Principal
) -> None:
    """Under load a worker completes quick requests in batches: consent changes of different customers in one
    transaction must each take effect exactly as they do one by one (ledger, state, notification)."""
    consents.request_change(ada, purpose="partner_sharing", granted=True)
    consents.request_change(grace, purpose="marketing_email", granted=False)  # grace has given every consent
    change(ada, "usage_analytics", False)
    before_ada, before_grace = len(ledger(ADA)), len(ledger(GRACE))

    assert Worker(get_engine(), name="test-consents-batch").run_batch() == 3

    assert granted(ADA)["partner_sharing"] is True and granted(ADA)["usage_analytics"] is False
    assert granted(GRACE)["marketing_email"] is False
    assert (len(ledger(ADA)), len(ledger(GRACE))) == (before_ada + 2, before_grace + 1)
    with session_scope() as session:
        statuses = set(session.exec(select(PrivacyRequest.status).where(PrivacyRequest.type == "consent_change")))
        told = {
            customer: len(
                list(
                    session.exec(
                        select(Notification).where(
                            Notification.account_id == customer, col(Notification.title).startswith("Consent ")
                        )
                    )
                )
            )
            for customer in (ADA, GRACE)
        }
    assert statuses == {"completed"}
    assert told == {ADA: 2, GRACE: 1}, "each customer is told once about each completed change"
