"""Keyboard use in the simulated browser (issue #21 point 15): the skip link first in the shell, dialogs that open on
their first field, and Enter (Ctrl+Enter in a multi-line field) that sends a dialog's form. What the browser does
with the focus is proven in tests/e2e/test_accessibility.py."""

from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.testing import User

from tests.ui.test_requests_ui import ADA, file_request, status_of
from tests.utils.signin import sign_in


def _one(user: User, marker: str) -> ui.element:
    elements = list(user.find(marker=marker).elements)
    assert len(elements) == 1, marker
    return elements[0]


async def test_the_skip_link_comes_first_and_points_at_the_main_content(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/")
    skip = _one(user, "skip-to-content")
    header = next(iter(user.find(kind=ui.header).elements))
    assert header.default_slot.children[0] is skip, "the first thing in the shell, before the name and the menu"
    main = next(e for e in user.find(kind=ui.column).elements if e.props.get("role") == "main")
    assert skip.props["href"] == f"#c{main.id}"
    assert str(main.props.get("tabindex")) == "-1", "focusable by the link, not a Tab stop"


async def test_the_restriction_dialog_opens_on_its_first_choice_and_ctrl_enter_files_it(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/data/usage")
    await user.should_see(marker="category-restrict")
    user.find(marker="category-restrict").click()
    assert "autofocus" in _one(user, "restrict-kind").props
    user.find(marker="restrict-reason").type("Please stop analysing my browsing for now.")
    user.find(marker="restrict-reason").trigger("keydown.enter.ctrl")
    await user.should_see("filed")


async def test_a_staff_reason_dialog_sends_with_ctrl_enter(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "dpo@example.com")
    await user.open(f"/staff/requests/{request_id}")
    await user.should_see(marker="staff-reject")
    user.find(marker="staff-reject").click()
    await user.should_see(marker="staff-reject-reason")
    assert "autofocus" in _one(user, "staff-reject-reason").props
    user.find(marker="staff-reject-reason").type("We need this data to detect fraud.")
    user.find(marker="staff-reject-reason").trigger("keydown.enter.meta")  # Cmd+Enter on a Mac
    for _ in range(50):
        if status_of(request_id) == "rejected":
            break
        await asyncio.sleep(0.1)
    assert status_of(request_id) == "rejected"


async def test_a_confirmation_dialog_opens_on_its_safe_choice(user: User) -> None:
    request_id = file_request(ADA)
    await sign_in(user, "ada@example.com")
    await user.open(f"/requests/{request_id}")
    await user.should_see(marker="request-cancel")
    user.find(marker="request-cancel").click()
    await user.should_see(marker="request-cancel-keep")
    assert "autofocus" in _one(user, "request-cancel-keep").props
    user.find(marker="request-cancel-keep").click()
    await user.should_not_see(marker="request-cancel-dialog")
    assert status_of(request_id) == "received"
