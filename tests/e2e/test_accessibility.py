"""Accessibility: every page passes axe-core without serious or critical violations (the layout walk in test_layout.py
runs axe on every page; here the one page it passes through, the second step), and what a keyboard-only person
does (sign in, skip the header, change a consent, correct a detail through the correction dialog) works without a
mouse."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.flows import path_of, sign_in, transitions_done
from tests.e2e.harness import snap
from tests.utils.totp import codes_to_try

ADA = "ada@example.com"
DPO = "dpo@example.com"
BLOCKING = ("serious", "critical")
MAX_TABS = 60


def _violations(page: Page, axe: Axe, label: str) -> list[str]:
    """Serious and critical axe violations of the page, one readable line each."""
    transitions_done(page)
    expect(page.locator(".q-skeleton")).to_have_count(0)
    snap(page, f"a11y-{label}")
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation.get("impact") not in BLOCKING:
            continue
        targets = [
            f"{' '.join(str(t) for t in node.get('target', []))} = {node.get('html', '')[:160]}"
            for node in violation.get("nodes", [])[:3]
        ]
        found.append(
            f"{label}: {violation['impact']} {violation['id']} ({violation.get('help', '')}) "
            f"on {len(violation.get('nodes', []))} node(s), e.g. {targets}"
        )
    return found


def _visit(page: Page, path: str, ready: str) -> None:
    page.goto(path)
    expect(page.get_by_test_id(ready).first).to_be_visible()


def test_the_second_step_page_has_no_serious_or_critical_axe_violations(page: Page) -> None:
    """axe runs on every other page in the layout walk (test_layout.py, at 1024 px, where the layout is tightest),
    once per page; the officer's second step is the one page the walk passes through without stopping."""
    axe = Axe()
    page.goto("/login")
    page.get_by_test_id("login-email").fill(DPO)
    page.get_by_test_id("login-password").fill("demo-password")
    with page.expect_navigation():
        page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-code")).to_be_visible()  # the officer's second step
    problems = _violations(page, axe, "dpo-second-step")
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)


def _active_testid(page: Page) -> str | None:
    return page.evaluate("() => document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid') ?? null")


def _tab_to(page: Page, testid: str) -> None:
    """Press Tab from where the focus is until the focused element is (inside) the element with `testid`."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        current = _active_testid(page)
        seen.append(current)
        if current == testid:
            return
    raise AssertionError(f"{testid} not reached with {MAX_TABS} presses of Tab; focus went through {seen}")


def test_keyboard_only_sign_in(page: Page) -> None:
    page.goto("/login")
    expect(page.get_by_test_id("login-email")).to_be_visible()
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, "login-email")
    page.keyboard.type(ADA)
    _tab_to(page, "login-password")
    page.keyboard.type("demo-password")
    snap(page, "a11y-keyboard-sign-in-filled")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    assert path_of(page) == "/", page.url
    expect(page.get_by_test_id("category-card-usage")).to_be_visible()
    snap(page, "a11y-keyboard-signed-in")


def test_keyboard_only_consent_toggle(page: Page, reset_demo: Callable[[], None]) -> None:
    sign_in(page, ADA)
    page.goto("/consents")
    state = page.get_by_test_id("consent-state-marketing_email")
    expect(state).to_have_text("Not given")
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, "consent-toggle-marketing_email")
    snap(page, "a11y-keyboard-consent-focused")
    page.keyboard.press("Space")
    expect(state).to_have_text("Given", timeout=5_000)
    expect(page.get_by_test_id("consent-toggle-marketing_email")).to_have_attribute("aria-checked", "true")
    snap(page, "a11y-keyboard-consent-given")


def _keyboard_sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    expect(page.get_by_test_id("login-email")).to_be_visible()
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, "login-email")
    page.keyboard.type(email)
    _tab_to(page, "login-password")
    page.keyboard.type("demo-password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    if urlsplit(page.url).path == "/login/verify":  # the demo privacy officer's second step: the code, typed, Enter
        for code in codes_to_try():
            expect(page.get_by_test_id("login-code")).to_be_visible()
            page.evaluate("() => document.activeElement?.blur()")
            _tab_to(page, "login-code")
            page.keyboard.press("Control+A")
            page.keyboard.type(code)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.wait_for_load_state("load")
            if urlsplit(page.url).path != "/login/verify":
                return
        raise AssertionError("no one-time code was accepted on /login/verify")


def test_skip_link_is_the_first_stop_and_jumps_over_header_and_navigation(page: Page) -> None:
    sign_in(page, ADA)
    expect(page.get_by_test_id("category-card-usage")).to_be_visible()
    page.evaluate("() => document.activeElement?.blur()")
    page.keyboard.press("Tab")
    assert _active_testid(page) == "skip-to-content"
    expect(page.get_by_test_id("skip-to-content")).to_be_in_viewport()  # shown once it has the focus
    snap(page, "a11y-skip-link-focused")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement?.getAttribute('role')") == "main"
    page.keyboard.press("Tab")  # the next stop is in the content, not the header or the navigation
    assert (_active_testid(page) or "").startswith("category-"), _active_testid(page)


def test_keyboard_only_identity_correction(page: Page, reset_demo: Callable[[], None]) -> None:
    """Sign in, open Identity data, correct the city and file it with Tab, Enter and typing alone; the dialog takes
    the focus to its first field and gives it back when it closes."""
    new_city = "Cambridge"
    _keyboard_sign_in(page, ADA)
    assert path_of(page) == "/", page.url
    expect(page.get_by_test_id("category-card-usage")).to_be_visible()
    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, "nav-data-identity")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("field-city")).to_have_text("London")

    page.evaluate("() => document.activeElement?.blur()")
    _tab_to(page, "identity-edit")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("identity-dialog")).to_be_visible()
    expect(page.get_by_test_id("identity-input-full_name")).to_be_focused()  # the first field, at once
    page.keyboard.press("Escape")  # closing gives the focus back to the button that opened it
    expect(page.get_by_test_id("identity-dialog")).to_be_hidden()
    expect(page.get_by_test_id("identity-edit")).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.get_by_test_id("identity-input-full_name")).to_be_focused()
    expect(page.get_by_test_id("identity-input-city")).to_have_value("London")
    _tab_to(page, "identity-input-city")
    page.keyboard.press("Control+A")
    page.keyboard.type(new_city)
    snap(page, "a11y-keyboard-identity-typed")
    page.keyboard.press("Enter")  # reviews
    expect(page.get_by_test_id("identity-change-city")).to_have_text(f"City: London → {new_city}")
    transitions_done(page)
    snap(page, "a11y-keyboard-identity-review")
    page.keyboard.press("Enter")  # files it
    expect(page.get_by_test_id("identity-dialog")).to_be_hidden()
    expect(page.get_by_test_id("identity-edit")).to_be_focused()
    expect(page.get_by_test_id("field-city")).to_have_text(new_city, timeout=10_000)
    snap(page, "a11y-keyboard-identity-corrected")


def test_receipt_verify_page_has_no_serious_or_critical_axe_violations(page: Page) -> None:
    """Kept apart from the walk over every page so that one known bug does not hide new ones elsewhere."""
    axe = Axe()
    problems: list[str] = []
    _visit(page, "/receipts/verify", "receipt-verify")
    problems += _violations(page, axe, "signed-out/receipts/verify")
    sign_in(page, ADA)
    _visit(page, "/receipts/verify", "receipt-verify")
    problems += _violations(page, axe, "ada/receipts/verify")
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)
