"""A customer's account activity in words (portal/services/views/activity_words.py)."""

from __future__ import annotations

import pytest

from portal.catalogue import get_catalogue
from portal.jobs import register_all
from portal.queue.registry import all_types
from portal.services.views.activity_words import _WORDS, describe


@pytest.fixture(autouse=True)
def _types() -> None:
    register_all()


def test_sign_ins_and_account_changes_read_as_sentences() -> None:
    assert describe("auth.signed_in") == "Signed in"
    assert describe("auth.password_changed") == "Password changed"
    assert describe("support.grant_given", "grant", "3") == "Support access given"


def test_request_events_name_the_request_by_its_type_and_number() -> None:
    title = next(t.title for t in all_types() if t.key == "restriction")
    assert describe("request.received", "request", "12", {"type": "restriction"}) == f"{title} #12: received"
    assert describe("request.dead_letter", "request", "12", {"type": "restriction"}) == f"{title} #12: needs attention"
    assert describe("staff.request_viewed", "request", "12", {}) == "Request #12: staff opened your request"
    assert (
        describe("request.note_from_customer", "request", "7", {"type": "no-longer-offered"}) == "Request #7: note sent"
    )


def test_a_consent_names_the_purpose_as_the_policy_does() -> None:
    purposes = get_catalogue().purposes
    key = next(iter(purposes))
    assert describe("consent.withdrawn", "purpose", key) == f"Consent withdrawn: {purposes[key].title}"


def test_an_action_without_words_is_still_shown_readably() -> None:
    assert describe("export.renamed_later") == "Export: renamed later"


def test_every_action_the_portal_records_has_words() -> None:
    import re
    from pathlib import Path

    import portal

    # Every literal that looks like an action name, wherever it is written (some are chosen in an expression).
    name = re.compile(r'"((?:auth|consent|policy|identity|export|support|staff|withdrawal)\.[a-z_]*[a-z])"')
    sources = Path(portal.__file__).parent.rglob("*.py")
    recorded = {found for path in sources for found in name.findall(path.read_text())}
    recorded |= {"support.ask_accepted", "support.ask_declined"}  # "support.ask_" + the answer
    assert {"auth.signed_in", "consent.withdrawn", "auth.password_reset_requested"} <= recorded
    missing = recorded - _WORDS.keys()
    assert not missing, f"actions without words for the customer: {sorted(missing)}"
