"""The pages that work without signing in share one centred layout (issue #21 point 13): the portal's name and one
card with the page's heading, no blue bar, and the browser's dark-mode choice, which their own toggle changes."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

PUBLIC = [
    "/login",
    "/forgot-password",
    "/reset-password?token=not-a-link",
    "/confirm-email?token=not-a-link",
    "/cancel-email-change?token=not-a-link",
    "/receipts/verify",
]


def _dark(user: User) -> bool | None:
    return next(iter(user.find(kind=ui.dark_mode).elements)).value  # type: ignore[attr-defined]


async def test_every_public_page_is_one_centred_card_without_the_blue_bar(user: User) -> None:
    for path in PUBLIC:
        await user.open(path)
        await user.should_see(marker="public-dark-toggle")
        await user.should_see("Privacy Portal")
        await user.should_not_see(kind=ui.header)  # the blue bar of the old public shell
        headings = [e for e in user.find(kind=ui.label).elements if e.props.get("aria-level") == "1"]
        assert len(headings) == 1, path
        assert isinstance(headings[0].parent_slot.parent, ui.card), f"{path}: the heading sits in the card"


async def test_public_pages_follow_the_dark_mode_choice(user: User) -> None:
    await user.open("/login")
    assert _dark(user) is False
    user.find(marker="public-dark-toggle").click()
    assert _dark(user) is True
    for path in ("/forgot-password", "/receipts/verify", "/login"):  # remembered for the browser
        await user.open(path)
        assert _dark(user) is True, path


async def test_a_bad_reset_link_says_what_is_wrong_and_how_to_get_a_new_one(user: User) -> None:
    await user.open("/reset-password?token=altered")
    await user.should_see("This password-reset link is not valid: it is incomplete or was altered. Ask for a new one.")
    await user.should_not_see("This link or receipt is not valid")
    user.find(marker="reset-again").click()
    await user.should_see(marker="forgot-email")
