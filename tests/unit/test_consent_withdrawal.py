"""Withdrawing a consent does what the catalogue says: a consent whose withdrawal erases cannot be withdrawn with
one click, is erased through the registry in the same transaction as the change, and earns a signed receipt; the
main processing consent is the withdrawal itself; no customer ever holds data a withdrawn consent covered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.catalogue import get_catalogue
from portal.catalogue.loader import CatalogueError, load_catalogue_file
from portal.categories import CategoryRegistry, RegistryError, get_registry
from portal.config import ROOT
from portal.db import get_engine, session_scope
from portal.errors import Forbidden
from portal.jobs import inline, register_all
from portal.models import AccessLog, ConsentLedgerEntry, ConsentState, PrivacyRequest, UsageEvent
from portal.queue.worker import Worker
from portal.services.identity.principal import Acting, Principal
from portal.services.rights import consent_withdrawal, consents, receipts
from portal.services.rights.consent_withdrawal import ConsentWithdrawalError
from tests.utils.principals import ADA, AGENT, GRACE, LINUS, MARGARET, principal_for

CUSTOMERS = (ADA, GRACE, LINUS, MARGARET)


@pytest.fixture
def ada(portal_env: Path) -> Principal:
    register_all()
    return principal_for(ADA)


def held(model: Any, customer_id: int) -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(model).where(model.customer_id == customer_id)).one())


def run_worker() -> bool:
    return Worker(get_engine(), name="test-consent-withdrawal").run_one()


def withdrawn_but_held(customer_id: int) -> list[str]:
    """Every record kind a withdrawn (or never given) consent says is erased, that the customer still holds."""
    catalogue, registry = get_catalogue(), get_registry()
    problems = []
    with session_scope() as session:
        for purpose in catalogue.consentable_purposes:
            state = session.get(ConsentState, (customer_id, purpose.key))
            if state is not None and state.granted:
                continue
            assert purpose.on_withdrawal is not None
            for effect in purpose.on_withdrawal.effects:
                if effect.action != "erase":
                    continue
                for kind in effect.kinds:
                    spec = registry.spec(kind)
                    owner = getattr(spec.table, spec.owner)
                    rows = session.exec(select(func.count()).select_from(spec.table).where(owner == customer_id)).one()
                    if rows:
                        problems.append(f"customer {customer_id}: {purpose.key} not given, {rows} {kind} held")
    return problems


def test_the_demo_world_holds_nothing_a_withdrawn_consent_covers(portal_env: Path) -> None:
    assert [p for customer in CUSTOMERS for p in withdrawn_but_held(customer)] == []


def test_every_consentable_purpose_says_what_withdrawing_does() -> None:
    for purpose in get_catalogue().consentable_purposes:
        assert purpose.on_withdrawal is not None and purpose.on_withdrawal.summary, purpose.key
    usage = get_catalogue().purposes["usage_analytics"].on_withdrawal
    assert usage is not None and usage.erases
    assert (usage.effects[0].action, usage.effects[0].kinds) == ("erase", ("usage_event",))
    web = get_catalogue().purposes["web_processing"].on_withdrawal
    assert web is not None and web.is_account_withdrawal


def test_one_click_cannot_withdraw_a_consent_that_erases(ada: Principal) -> None:
    with pytest.raises(ConsentWithdrawalError, match="confirm"):
        consents.request_change(ada, purpose="usage_analytics", granted=False)
    with pytest.raises(ConsentWithdrawalError, match="confirm"):
        consent_withdrawal.withdraw_and_erase(ada, purpose_key="usage_analytics", confirmed=False)
    with session_scope() as session:
        assert session.exec(select(PrivacyRequest).where(PrivacyRequest.subject_id == ADA)).all() == []
    assert held(UsageEvent, ADA) == 40, "nothing changed"


def test_the_main_processing_consent_is_the_withdrawal(ada: Principal) -> None:
    for attempt in (
        lambda: consents.request_change(ada, purpose="web_processing", granted=False),
        lambda: consent_withdrawal.withdraw_and_erase(ada, purpose_key="web_processing", confirmed=True),
    ):
        with pytest.raises(ConsentWithdrawalError, match="Use Withdraw"):
            attempt()
    assert consents.overview(ada)[0].granted, "still given: only /withdraw withdraws it"


def test_an_agent_cannot_erase_for_the_customer(portal_env: Path) -> None:
    register_all()
    linus = principal_for(LINUS)
    acting = Principal(
        **{**linus.__dict__, "acting": Acting(AGENT, "Sam", grant_id=1, scope="help", support_session_id=1, reason="")}
    )
    with pytest.raises(Forbidden):
        consent_withdrawal.withdraw_and_erase(acting, purpose_key="usage_analytics", confirmed=True)
    assert held(UsageEvent, LINUS) == 30


def test_the_preview_says_what_is_erased_and_what_is_kept_and_why(ada: Principal) -> None:
    preview = consent_withdrawal.preview(ada, "usage_analytics")
    assert preview.erases and not preview.is_account_withdrawal
    erase, keep = preview.effects
    assert (erase.action, erase.kinds, erase.records) == ("erase", ("Page views and clicks",), 40)
    assert keep.action == "keep" and keep.records == held(AccessLog, ADA) + 3  # access log + ada's 3 devices
    assert keep.legal_basis == "Legitimate interests (GDPR Art. 6(1)(f))"


def test_a_confirmed_withdrawal_erases_at_once_and_issues_a_signed_receipt(ada: Principal) -> None:
    access_log = held(AccessLog, ADA)
    request_id = consent_withdrawal.withdraw_and_erase(ada, purpose_key="usage_analytics", confirmed=True)
    token = inline.process_now(request_id, timeout=30)
    assert token, "the withdrawal ran at once and issued a receipt"

    assert held(UsageEvent, ADA) == 0 and held(AccessLog, ADA) == access_log, "erased what it says, kept the rest"
    assert not {v.purpose.key: v.granted for v in consents.overview(ada)}["usage_analytics"]
    assert withdrawn_but_held(ADA) == []
    with session_scope() as session:
        entry = session.exec(select(ConsentLedgerEntry).where(ConsentLedgerEntry.request_id == request_id)).one()
        assert (entry.purpose, entry.granted) == ("usage_analytics", False)
        counter = get_registry().count(session, customer_id=ADA, kind_key="usage_event")
        assert counter == 0, "the record counter follows the erasure"
    document = receipts.read(token)
    assert document["withdrawn_consent"] == "Usage analytics"
    assert document["categories"] == [
        {"key": "usage_event", "title": "Page views and clicks", "action": "erased", "records": 40}
    ]
    check = receipts.verify(receipts.as_text(token))
    assert check.genuine and check.not_certified == ()
    assert "Consent withdrawn: Usage analytics" in receipts.as_text(token)

    # Giving the consent again does not bring the erased data back.
    consents.request_change(ada, purpose="usage_analytics", granted=True)
    assert run_worker()
    assert {v.purpose.key: v.granted for v in consents.overview(ada)}["usage_analytics"]
    assert held(UsageEvent, ADA) == 0


def test_a_withdrawal_that_only_stops_is_one_click_and_keeps_everything(portal_env: Path) -> None:
    register_all()
    margaret = principal_for(MARGARET)
    kept = {model: held(model, MARGARET) for model in (UsageEvent, AccessLog)}
    consents.request_change(margaret, purpose="marketing_email", granted=False)
    assert run_worker()
    assert not {v.purpose.key: v.granted for v in consents.overview(margaret)}["marketing_email"]
    assert {model: held(model, MARGARET) for model in kept} == kept
    with session_scope() as session:
        request = session.exec(select(PrivacyRequest).where(PrivacyRequest.subject_id == MARGARET)).one()
        assert request.outcome == "Consent withdrawn: Product news by email", "no erasure, no receipt"


# --- the catalogue rules --------------------------------------------------------------------------------------


def _catalogue_with(tmp_path: Path, change: Any) -> Path:
    document = json.loads((ROOT / "data" / "policy" / "catalogue-1.0.json").read_text(encoding="utf-8"))
    change({p["key"]: p for p in document["purposes"]})
    target = tmp_path / "catalogue-1.0.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: p["usage_analytics"].pop("on_withdrawal"),
            "purposes[3].on_withdrawal: a purpose you can consent to must say what withdrawing the consent does",
        ),
        (
            lambda p: p["usage_analytics"]["on_withdrawal"]["effects"][0].update(kinds=["browsing"]),
            "purposes[3].on_withdrawal.effects[0].kinds[0]: 'browsing' is not one of",
        ),
        (
            lambda p: p["usage_analytics"]["on_withdrawal"]["effects"][1].pop("legal_basis"),
            "purposes[3].on_withdrawal.effects[1].legal_basis: must name the legal basis the records are kept on",
        ),
        (
            lambda p: p["usage_analytics"]["on_withdrawal"]["effects"][0].update(action="forget"),
            "purposes[3].on_withdrawal.effects[0].action: 'forget' is not one of",
        ),
        (
            lambda p: p["service_delivery"].update(on_withdrawal={"summary": "x", "is_account_withdrawal": True}),
            "purposes[0].on_withdrawal: only a purpose you can consent to can be withdrawn",
        ),
    ],
    ids=["missing", "unknown-kind", "keep-without-basis", "unknown-action", "not-consentable"],
)
def test_the_catalogue_refuses_an_unclear_withdrawal(tmp_path: Path, change: Any, message: str) -> None:
    with pytest.raises(CatalogueError) as refused:
        load_catalogue_file(_catalogue_with(tmp_path, change))
    assert message in str(refused.value)


def test_the_registry_refuses_a_consent_that_would_erase_the_account(tmp_path: Path) -> None:
    def erase_account(purposes: dict[str, Any]) -> None:
        purposes["usage_analytics"]["on_withdrawal"]["effects"][0]["kinds"] = ["account"]

    catalogue = load_catalogue_file(_catalogue_with(tmp_path, erase_account))
    with pytest.raises(RegistryError, match="cannot erase the account"):
        CategoryRegistry(catalogue)
    shutil.rmtree(tmp_path)
