"""Staff journeys without a mouse (#21): the support agent signs in and acts for linus under his grant, and the
privacy officer signs in, opens a request from the queue and approves it, with Tab, typing, Enter and Space only.
The focus is found by test id (`_tab_to` in test_accessibility.py); nothing is clicked."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.flows import file_restriction, path_of, sign_in
from tests.e2e.harness import snap
from tests.e2e.test_accessibility import _keyboard_sign_in, _tab_to

LINUS_ID = 3


def test_keyboard_only_agent_acts_for_linus_under_his_grant(page: Page, reset_demo: Callable[[], None]) -> None:
    _keyboard_sign_in(page, "agent@example.com")
    assert path_of(page) == "/staff", page.url
    expect(page.get_by_test_id("staff-queue")).to_be_visible()
    # To the customers from the menu, by keyboard too.
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, "nav-staff-customers")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id(f"staff-act-reason-{LINUS_ID}")).to_be_visible()
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, f"staff-act-reason-{LINUS_ID}")
    page.keyboard.type("ticket CS-4712 (keyboard)")
    _tab_to(page, f"staff-act-{LINUS_ID}")
    snap(page, "keyboard-agent-about-to-act")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    banner = page.get_by_test_id("impersonation-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Linus Torvalds")
    expect(banner).to_contain_text("ticket CS-4712 (keyboard)")
    snap(page, "keyboard-agent-acting-for-linus")
    # And stops acting the same way.
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, "impersonation-stop")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("impersonation-banner")).to_have_count(0)
    assert path_of(page).startswith("/staff"), page.url


def test_keyboard_only_officer_approves_a_request(
    page: Page, fresh_context: Callable[..., BrowserContext], reset_demo: Callable[[], None]
) -> None:
    sign_in(page, "ada@example.com")
    request_id = file_restriction(page, "usage", "Please stop analysing my visits (keyboard journey).")

    officer = fresh_context().new_page()
    _keyboard_sign_in(officer, "dpo@example.com")
    assert path_of(officer) == "/staff", officer.url
    expect(officer.get_by_test_id(f"staff-request-link-{request_id}")).to_be_visible()
    officer.evaluate("() => document.activeElement?.blur()")
    _tab_to(officer, f"staff-request-link-{request_id}")
    officer.keyboard.press("Enter")
    officer.wait_for_url(f"**/staff/requests/{request_id}")
    expect(officer.get_by_test_id("staff-approve")).to_be_visible()
    officer.evaluate("() => document.activeElement?.blur()")
    _tab_to(officer, "staff-approve")
    snap(officer, "keyboard-officer-about-to-approve")
    officer.keyboard.press("Enter")
    expect(officer.get_by_test_id("staff-approve")).to_have_count(0)
    status = officer.get_by_test_id("staff-request-facts").get_by_test_id("request-status")
    expect(status).not_to_have_text("received")
    snap(officer, "keyboard-officer-approved")


def test_keyboard_only_customer_exports_and_downloads(page: Page, reset_demo: Callable[[], None]) -> None:
    """ada asks for an export and downloads it with Tab, Space and Enter alone: categories and formats are
    checkboxes Space toggles, Preview and Request export are buttons Enter presses, Download starts the file."""
    _keyboard_sign_in(page, "ada@example.com")
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, "nav-exports")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("export-chooser")).to_be_visible()
    page.evaluate("() => document.activeElement?.blur()")
    for key in ("registration", "financial", "transaction", "usage", "technical"):  # identity only: a small file
        _tab_to(page, f"export-category-{key}")
        page.keyboard.press("Space")
        expect(page.get_by_test_id(f"export-category-{key}")).to_have_attribute("aria-checked", "false")
    _tab_to(page, "export-format-csv")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("export-format-csv")).to_have_attribute("aria-checked", "true")
    _tab_to(page, "export-preview-button")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("export-estimate")).to_be_visible()
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, "export-request")
    page.keyboard.press("Enter")
    download = page.locator('[data-testid^="export-download-"]').first
    expect(download).to_be_visible(timeout=30_000)
    snap(page, "keyboard-export-ready")
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, download.get_attribute("data-testid") or "")
    with page.expect_download() as started:
        page.keyboard.press("Enter")
    assert started.value.suggested_filename.endswith(".zip")
