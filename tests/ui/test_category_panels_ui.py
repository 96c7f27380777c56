"""Simulated-user tests of the text a page builds as one block (text_block, issue #24): each block carries the test
ids of the parts it stands for and their words, escaped; and a category page builds its restriction dialog only when
the customer opens it."""

from __future__ import annotations

import html

from nicegui import ElementFilter, ui
from nicegui.testing import User

from portal.catalogue import get_catalogue
from tests.utils.signin import sign_in


def _block(user: User, marker: str) -> ui.html:
    (block,) = user.find(marker=marker).elements
    assert isinstance(block, ui.html)
    return block


async def test_the_policy_facts_and_sendings_carry_their_test_ids_and_words(user: User) -> None:
    catalogue = get_catalogue()
    category = catalogue.categories["usage"]
    basis = catalogue.legal_bases[category.legal_basis]
    await sign_in(user, "ada@example.com")
    await user.open("/data/usage")
    await user.should_see(marker="policy-legal-basis")
    facts = _block(user, "policy-legal-basis").content
    assert 'data-testid="policy-legal-basis"' in facts
    assert html.escape(f"{basis.title} ({basis.reference})", quote=False) in facts
    for testid in ("policy-purposes", "policy-retention", "policy-recipients", "policy-source", "policy-withdrawal"):
        assert f'data-testid="{testid}"' in _block(user, testid).content
    await user.should_see(marker="category-disclosures-recipients")
    sendings = _block(user, "category-disclosures-recipients").content
    assert 'data-testid="category-disclosure"' in sendings and "Metricly Analytics" in sendings


async def test_the_restriction_dialog_is_built_when_first_opened(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/data/usage")
    await user.should_see(marker="category-restrict")
    with user.client:
        assert not list(ElementFilter(marker="restrict-dialog", local_scope=False)), "built before anyone asked"
    user.find(marker="category-restrict").click()
    await user.should_see(marker="restrict-reason")
    user.find(marker="restrict-cancel").click()
    user.find(marker="category-restrict").click()  # opened again: the same dialog, not a second one
    with user.client:
        assert len(list(ElementFilter(marker="restrict-dialog", local_scope=False))) == 1


async def test_what_withdrawing_a_consent_does_is_shown_with_its_test_id(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/consents")
    await user.should_see(marker="consent-effects-usage_analytics")
    effects = _block(user, "consent-effects-usage_analytics").content
    assert 'data-testid="consent-effects-usage_analytics"' in effects and "If you withdraw: " in effects
    await user.should_see("Legal basis: Consent")
