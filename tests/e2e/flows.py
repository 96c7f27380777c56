"""Page-object style flows: how a person signs in, signs out and moves around the portal.

Tests say *what* they do through these; the selectors live here, in one place, and use only the
data-testid values listed in docs/qa.md.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.utils.totp import codes_to_try

DEMO_PASSWORD = "demo-password"
CATEGORY_KEYS = ("registration", "identity", "financial", "transaction", "usage", "technical")
SESSION_COOKIE = "portal_session"
EXPORT_FORMATS = ("json", "csv", "html")
GENERIC_LOGIN_ERROR = "Email or password is incorrect."


def path_of(page: Page) -> str:
    """The path and query of the page's URL, e.g. `/login?next=%2Fdata%2Fusage`."""
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in the sign-in form and submit it; returns once the browser has landed where the portal sent it.

    Opens /login first unless the page is already there (so a `?next=` from a redirect is kept). When the portal asks
    for a second step (the demo privacy officer), types the one-time code computed from the documented secret.
    """
    if urlsplit(page.url).path != "/login":
        page.goto("/login")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    with page.expect_navigation():
        page.get_by_test_id("login-submit").click()
    page.wait_for_load_state("load")
    if urlsplit(page.url).path == "/login/verify":
        enter_one_time_code(page)


# This worker's sign-ins, kept for the page walks: a demo account signed in once per worker instead of once per walk.
# Not only cheaper: the demo officer's one-time code is accepted once per 30 s step, so signing the officer in again
# and again made each walk sleep up to a minute. Only the session and its CSRF seed are kept: the language (each walk
# pins its own) and NiceGUI's per-browser storage (the menu and dark-mode choices) start afresh in every context.
_KEPT_SIGN_INS: dict[str, Any] = {}
_KEPT_COOKIES = {"portal_session", "__Host-portal_session", "portal_csrf"}


def signed_in_page(open_context: Callable[..., BrowserContext], email: str, **context_options: Any) -> Page:
    """A page in a new browser context signed in as `email`: this worker's earlier sign-in when its session still
    lives (a reset ends every session: then a new sign-in), else a fresh one, kept for the next caller."""
    kept = _KEPT_SIGN_INS.get(email)
    if kept is not None:
        page = open_context(storage_state=kept, **context_options).new_page()
        page.goto("/account")
        if path_of(page) == "/account":
            return page
        page.context.close()
    page = open_context(**context_options).new_page()
    sign_in(page, email)
    state = page.context.storage_state()
    _KEPT_SIGN_INS[email] = {
        "cookies": [cookie for cookie in state["cookies"] if cookie["name"] in _KEPT_COOKIES],
        "origins": [],
    }
    return page


def enter_one_time_code(page: Page) -> str:
    """On /login/verify: the code of this time step, else the next one (a code is accepted once per step); returns
    the code that was accepted."""
    for code in codes_to_try():
        page.get_by_test_id("login-code").fill(code)
        with page.expect_navigation():
            page.get_by_test_id("login-code-submit").click()
        page.wait_for_load_state("load")
        if urlsplit(page.url).path != "/login/verify":
            return code
    raise AssertionError("no one-time code was accepted on /login/verify")


def sign_out(page: Page) -> None:
    """Open the user menu in the header and press Sign out; returns on the sign-in page."""
    page.get_by_test_id("header-user-menu").click()
    logout = page.get_by_test_id("logout")
    expect(logout).to_be_visible()
    with page.expect_navigation():
        logout.click()
    page.wait_for_load_state("load")


def open_category(page: Page, key: str) -> None:
    """Follow the side navigation to /data/<key> and wait until the policy panel is shown."""
    page.get_by_test_id(f"nav-data-{key}").click()
    page.wait_for_url(f"**/data/{key}")
    expect(page.get_by_test_id("category-policy")).to_be_visible()


def session_cookie(page: Page) -> dict:
    """The portal's session cookie as the browser holds it (fails the test if there is none)."""
    cookies = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    assert cookies, f"no {SESSION_COOKIE} cookie in the browser; cookies: {[c['name'] for c in page.context.cookies()]}"
    return dict(cookies[0])


# ------------------------------------------------------------------------------------------------ requests

_ID_SUFFIX = re.compile(r"-(\d+)$")


def _ids_of(page: Page, testid_prefix: str) -> set[int]:
    """The numbers at the end of every `<prefix><id>` test id on the page, e.g. `request-row-12` -> 12."""
    values = page.locator(f'[data-testid^="{testid_prefix}"]').evaluate_all(
        "elements => elements.map(e => e.getAttribute('data-testid'))"
    )
    return {int(m.group(1)) for value in values if (m := _ID_SUFFIX.search(value or ""))}


def file_restriction(page: Page, category: str, reason: str, kind: str = "restriction") -> int:
    """On /data/<category>: Restrict or object → choose the kind → reason → Send request. Returns the new
    request's id (from the panel's pending list, which shows it once filed)."""
    if urlsplit(page.url).path != f"/data/{category}":
        page.goto(f"/data/{category}")
    expect(page.get_by_test_id("category-rights")).to_be_visible()
    expect(page.get_by_test_id("category-rights").locator(".q-skeleton")).to_have_count(0)
    before = _ids_of(page, "category-restriction-link-")
    page.get_by_test_id("category-restrict").click()
    dialog = page.get_by_test_id("restrict-dialog")
    expect(dialog).to_be_visible()
    if kind != "restriction":
        page.get_by_test_id("restrict-kind").get_by_role("radio", name=re.compile(r"^Object to processing")).click()
    page.get_by_test_id("restrict-reason").fill(reason)
    page.get_by_test_id("restrict-submit").click()
    expect(dialog).to_be_hidden()
    new: set[int] = set()

    def _filed() -> bool:
        nonlocal new
        new = _ids_of(page, "category-restriction-link-") - before
        return bool(new)

    wait_until(_filed, "the new request to show in the category's restriction panel")
    return max(new)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0, interval: float = 0.2) -> None:
    """Poll `condition` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def wait_for_status_after_reload(page: Page, path: str, status: str, timeout: float = 15.0) -> None:
    """Reload `path` until its `request-status` says `status` (the worker works in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(path)
        chip = page.get_by_test_id("request-status").first
        expect(chip).to_be_visible()
        if chip.inner_text().strip() == status:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{path} still says {chip.inner_text().strip()!r}, not {status!r}, after {timeout:.0f} s"
            )
        time.sleep(1.0)


def open_staff_request(page: Page, request_id: int) -> None:
    """From the staff queue (/staff), follow the request's row link to /staff/requests/<id>."""
    if urlsplit(page.url).path != "/staff":
        page.goto("/staff")
    link = page.get_by_test_id(f"staff-request-link-{request_id}")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url(f"**/staff/requests/{request_id}")
    expect(page.get_by_test_id("staff-actions")).to_be_visible()


def choose_option(page: Page, testid: str, option: str) -> None:
    """Open a select (Quasar's, by test id) and pick the option with this visible text."""
    select = page.get_by_test_id(testid)
    select.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(select).to_contain_text(option)


def filter_staff_queue_by_status(page: Page, status: str) -> int:
    """On /staff: press the status's count chip ("received 3") and wait until the table is filtered by it.
    Returns the chip's count, which the table's total then shows."""
    chip = page.get_by_test_id(f"staff-count-{status}")
    count = int(chip.inner_text().split()[-1].replace(",", ""))
    chip.click()
    expect(page.get_by_test_id("staff-filter-status")).to_contain_text(status.replace("_", " "))
    expect(page.get_by_test_id("staff-queue-total")).to_have_text(f"{count:,} request{'' if count == 1 else 's'}")
    return count


def extend_deadline(page: Page, months: int, reason: str) -> None:
    """On /staff/requests/<id> (privacy officer): Extend deadline → Extend by → reason → Extend; returns once the
    facts show the new date."""
    page.get_by_test_id("staff-extend").click()
    dialog = page.get_by_test_id("staff-extend-dialog")
    expect(dialog).to_be_visible()
    choose_option(page, "staff-extend-months", f"{months} month{'s' if months > 1 else ''}")
    page.get_by_test_id("staff-extend-reason").fill(reason)
    page.get_by_test_id("staff-extend-confirm").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("staff-request-extended")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2}$"))


# ------------------------------------------------------------------------------------------------ consents


def set_consent(page: Page, purpose: str, given: bool) -> None:
    """On /consents: flip the purpose's switch (if it is not already so) and wait until the change is applied."""
    toggle = page.get_by_test_id(f"consent-toggle-{purpose}")
    expect(toggle).to_be_enabled()
    if (toggle.get_attribute("aria-checked") == "true") != given:
        toggle.click()
    expect(page.get_by_test_id(f"consent-state-{purpose}")).to_have_text(
        "Given" if given else "Not given", timeout=10_000
    )


# ------------------------------------------------------------------------------------------------- exports


def tick(page: Page, testid: str, ticked: bool) -> None:
    """Set a checkbox (by test id) to ticked or not."""
    box = page.get_by_test_id(testid)
    if (box.get_attribute("aria-checked") == "true") != ticked:
        box.click()
    expect(box).to_have_attribute("aria-checked", "true" if ticked else "false")


def choose_export(page: Page, categories: Iterable[str], formats: Iterable[str]) -> None:
    """On /exports: tick exactly these categories and formats."""
    chosen, chosen_formats = set(categories), set(formats)
    for key in CATEGORY_KEYS:
        tick(page, f"export-category-{key}", key in chosen)
    for key in EXPORT_FORMATS:
        tick(page, f"export-format-{key}", key in chosen_formats)


def request_export(page: Page) -> int:
    """Press Request export; returns the new export's request id (its row appears in the list)."""
    before = _ids_of(page, "export-row-")
    page.get_by_test_id("export-request").click()
    new: set[int] = set()

    def _listed() -> bool:
        nonlocal new
        new = _ids_of(page, "export-row-") - before
        return bool(new)

    wait_until(_listed, "the new export's row on /exports")
    return max(new)


def wait_for_export_ready(page: Page, request_id: int, timeout_ms: int = 30_000) -> None:
    """The list refreshes itself every 2 s: wait until the export's row says Ready."""
    row = page.get_by_test_id(f"export-row-{request_id}")
    expect(row.get_by_test_id("export-status")).to_have_text(re.compile(r"^Ready"), timeout=timeout_ms)
    expect(page.get_by_test_id(f"export-download-{request_id}")).to_be_visible()


# ------------------------------------------------------------------------------------------------ identity


def open_identity_form(page: Page) -> None:
    """On /data/identity: Correct my details, and wait until the dialog holds the current values."""
    if urlsplit(page.url).path != "/data/identity":
        page.goto("/data/identity")
    expect(page.get_by_test_id("field-email")).not_to_be_empty()
    page.get_by_test_id("identity-edit").click()
    expect(page.get_by_test_id("identity-dialog")).to_be_visible()
    expect(page.get_by_test_id("identity-input-email")).not_to_have_value("")


def field_error(page: Page, testid: str) -> Locator:
    """The error message Quasar shows under the input that carries `testid` (the last one: while the message
    fades in, the old, empty one is still there)."""
    return page.locator(".q-field", has=page.get_by_test_id(testid)).locator(".q-field__messages").last


def review_identity(page: Page, **values: str) -> None:
    """Type the given values into the open correction form (`phone="…"`) and press Review changes."""
    for name, value in values.items():
        page.get_by_test_id(f"identity-input-{name}").fill(value)
    page.get_by_test_id("identity-review").click()


def transitions_done(page: Page) -> None:
    """Wait until no Quasar transition is running (a field message fading in, a dialog opening), so a screenshot
    shows what a person sees."""
    expect(page.locator('[class*="q-transition--"][class*="-active"]')).to_have_count(0)
