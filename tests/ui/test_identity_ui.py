"""The identity correction form in the simulated browser (issue #21 point 6): whole-sentence messages that go away
once their field is fixed, Enter to review and to submit, limits said and kept while typing, and a change of email
address that waits for its link shown on the identity page."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from portal.db import session_scope
from portal.models import IdentityProfile, PrivacyRequest
from portal.services.rights.identity_validation import LIMITS
from tests.utils.signin import DEMO_PASSWORD, sign_in

ADA = 1


async def _until(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not in time: {what}")


async def _open(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/data/identity")
    await user.should_see(marker="identity-edit")
    user.find(marker="identity-edit").click()
    name = _one(user, "identity-input-full_name")
    await _until(lambda: bool(name.value), "the form holds the current values")


def _one(user: User, marker: str) -> ui.input:
    elements = list(user.find(marker=marker).elements)
    assert len(elements) == 1, marker
    element = elements[0]
    assert isinstance(element, ui.input)
    return element


def _set(user: User, field: str, value: str) -> None:
    _one(user, f"identity-input-{field}").value = value


def _enter(user: User, field: str) -> None:
    user.find(marker=f"identity-input-{field}").trigger("keydown.enter")


def _banner(user: User) -> list[str]:
    try:
        found = user.find(marker="identity-error").elements
    except AssertionError:  # `find` insists on at least one
        return []
    return [element.text for element in found if isinstance(element, ui.label)]


async def test_errors_are_sentences_under_their_field_and_the_banner_goes_once_they_are_fixed(user: User) -> None:
    await _open(user)
    _set(user, "postcode", "")
    _set(user, "phone", "12345")
    user.find(marker="identity-review").click()
    postcode, phone = _one(user, "identity-input-postcode"), _one(user, "identity-input-phone")
    await _until(lambda: postcode.error is not None, "the review marks the postcode")
    assert postcode.error == "Enter your postcode."
    assert phone.error == "Enter the phone number with its country code, e.g. +44 20 7946 0958."
    assert _banner(user) == ["Please correct the highlighted fields."]

    _set(user, "postcode", "SW1A 1AA")  # fixing a field clears its message at once, before any review
    assert postcode.error is None and phone.error is not None
    assert _banner(user) == ["Please correct the highlighted fields."], "one field is still wrong"
    _set(user, "phone", "+44 20 7946 0000")
    assert phone.error is None
    assert _banner(user) == [], "every field is fixed: the red banner goes too"


async def test_enter_in_a_field_reviews_and_enter_again_submits(user: User) -> None:
    await _open(user)
    _set(user, "city", "Cambridge")
    _enter(user, "city")
    await user.should_see(marker="identity-change-city")
    with session_scope() as session:
        assert not session.exec(select(PrivacyRequest).where(PrivacyRequest.type == "rectification")).all()
    _enter(user, "street")  # any field: the review stands, so Enter files it

    def _city() -> str:
        with session_scope() as session:
            profile = session.get(IdentityProfile, ADA)
            return profile.city if profile else ""

    await _until(lambda: _city() == "Cambridge", "the correction is applied")


async def test_a_change_after_the_review_needs_a_new_review(user: User) -> None:
    await _open(user)
    _set(user, "city", "Cambridge")
    _enter(user, "city")
    await user.should_see(marker="identity-change-city")
    _set(user, "city", "Oxford")  # the review shown was about Cambridge
    await user.should_not_see(marker="identity-change-city")
    await user.should_not_see(marker="identity-submit")
    _enter(user, "city")
    await user.should_see("City: London → Oxford")


async def test_every_text_field_says_its_limit_and_keeps_it_while_typing(user: User) -> None:
    await _open(user)
    for name, limit in LIMITS.items():
        if name == "country":
            continue  # a choice from the list
        field = _one(user, f"identity-input-{name}")
        assert str(field.props.get("maxlength")) == str(limit), name  # the browser stops typing there
        assert "counter" in field.props, name  # "12 / 80" under the field
        assert "hide-bottom-space" in field.props, name  # a long message pushes the next row down


async def test_a_change_of_email_address_waiting_for_its_link_is_shown_on_the_identity_page(user: User) -> None:
    await _open(user)
    _set(user, "email", "ada.new@example.com")
    _enter(user, "email")
    await user.should_see(marker="identity-password")
    _one(user, "identity-password").value = DEMO_PASSWORD
    user.find(marker="identity-password").trigger("keydown.enter")
    await user.should_see(marker="identity-pending-email")
    await user.should_see("ada.new@example.com")
    # without a mail server the message does not claim the link was sent (the tests run without PORTAL_SMTP_HOST)
    await user.should_see("We will email a link to your new address")
    await user.open("/data/identity")  # still there after a reload, until the link is opened
    await user.should_see(marker="identity-pending-email")
    await user.should_see("waiting until you open the link")
