"""A request's payload as the customer reads it: names from the policy catalogue, no keys, no internal fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.catalogue import get_catalogue
from portal.services.views.request_facts import payload_facts


@pytest.fixture(autouse=True)
def _env(portal_env: Path) -> None:
    """The catalogue is read from the test data dir's policy files."""


def _as_dict(payload: dict[str, object]) -> dict[str, tuple[str, str]]:
    return {fact.key: (fact.label, fact.text) for fact in payload_facts(payload)}


def test_a_consent_change_names_the_purpose_and_says_given_or_withdrawn() -> None:
    purpose = next(iter(get_catalogue().purposes.values()))
    facts = _as_dict({"purpose": purpose.key, "granted": False, "channel": "portal"})
    assert facts == {"purpose": ("Purpose", purpose.title), "granted": ("Consent", "withdrawn")}
    assert _as_dict({"purpose": purpose.key, "granted": True})["granted"] == ("Consent", "given")


def test_an_export_lists_category_titles_in_order_and_formats() -> None:
    categories = get_catalogue().categories
    facts = _as_dict({"categories": ["identity", "usage"], "formats": ["json", "csv"]})
    assert facts["categories"] == ("Categories", f"{categories['identity'].title}, {categories['usage'].title}")
    assert facts["formats"] == ("Formats", "JSON, CSV")


def test_a_correction_shows_field_labels_and_new_values_but_not_the_old_ones() -> None:
    facts = _as_dict(
        {"changes": {"first_name": "Ada", "phone": "+44 20 7946 0000"}, "previous": {"first_name": "Adda"}}
    )
    label, text = facts["changes"]
    assert label == "Changes" and "Ada" in text and "+44 20 7946 0000" in text
    assert "first_name" not in text, "a column key reached the customer"
    assert "previous" not in facts


def test_internal_fields_are_left_out() -> None:
    assert payload_facts({"confirmed": True, "customer_id": 17}) == []
    assert _as_dict({"reason": "I never agreed", "customer_id": 17}) == {"reason": ("Your reason", "I never agreed")}


def test_staff_read_the_customers_words_as_the_customers() -> None:
    facts = {
        fact.key: fact.label
        for fact in payload_facts(
            {"reason": "I never agreed", "statement": "It is wrong", "customer_id": 17}, for_staff=True
        )
    }
    assert facts == {"reason": "Customer's reason", "statement": "Customer's statement"}
