"""Strong sign-in in real Chromium: a passkey added on /account through the DevTools Protocol's virtual authenticator
signs in alone and confirms an export download in the step-up dialog; the demo privacy officer's one-time code is
accepted once.

Passkey pages are opened at http://localhost:<port>, not at the suite's http://127.0.0.1:<port>: WebAuthn refuses an
IP address as relying party id, and the portal's id for a loopback public URL is `localhost` (docs/qa.md)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, CDPSession, Page, expect

from tests.e2e.conftest import Portal
from tests.e2e.flows import (
    choose_export,
    enter_one_time_code,
    path_of,
    request_export,
    sign_in,
    sign_out,
    wait_for_export_ready,
)
from tests.e2e.harness import snap

ADA = "ada@example.com"
DPO = "dpo@example.com"
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any], portal_url: str) -> dict[str, Any]:
    """Every browser of this module opens the portal at localhost (the cookies of 127.0.0.1 are another site's)."""
    return {**browser_context_args, "base_url": portal_url.replace("://127.0.0.1:", "://localhost:")}


def virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    """Chromium's virtual platform authenticator (Touch ID, Windows Hello...), answering with the user verified."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, added["authenticatorId"]


def credentials(cdp: CDPSession, authenticator: str) -> list[dict[str, Any]]:
    return list(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"])


def age_strong_checks(portal: Portal, email: str) -> None:
    """Move the account's sessions' last strong check an hour back, as if the browser had been left signed in: the
    next sensitive act asks again. Needs the suite's own portal (its SQLite file)."""
    data_dir = (portal.environment or {}).get("PORTAL_DATA_DIR")
    if not data_dir:
        pytest.skip("ageing a session needs the suite's own portal (a portal started elsewhere keeps its database)")
    with closing(sqlite3.connect(Path(data_dir) / "portal.db", timeout=30)) as db:
        db.execute(
            "UPDATE auth_session SET checked_at = datetime('now', '-1 hour') "
            "WHERE account_id = (SELECT id FROM account WHERE email = ?)",
            (email,),
        )
        db.commit()


def test_a_passkey_signs_in_alone_and_confirms_a_download(
    page: Page, portal: Portal, reset_demo: Callable[[], None]
) -> None:
    cdp, authenticator = virtual_authenticator(page)
    sign_in(page, ADA)
    page.goto("/exports")
    choose_export(page, ["identity"], ["json"])
    export_id = request_export(page)  # built while the passkey is added

    page.goto("/account")
    expect(page.get_by_test_id("passkeys-empty")).to_be_visible()
    page.get_by_test_id("passkey-add").click()
    expect(page.get_by_test_id("passkey-add-dialog")).to_be_visible()
    page.get_by_test_id("passkey-add-name").fill("Test laptop")
    page.get_by_test_id("passkey-add-create").click()
    expect(page.get_by_test_id("passkey-add-dialog")).to_be_hidden()
    row = page.get_by_test_id("passkeys-table").get_by_role("row", name="Test laptop")
    expect(row).to_contain_text("never")
    stored = credentials(cdp, authenticator)
    assert len(stored) == 1 and stored[0]["isResidentCredential"], "a discoverable credential: it signs in alone"
    snap(page, "passkey-added")

    sign_out(page)
    page.goto("/login")
    with page.expect_navigation():
        page.get_by_test_id("login-passkey").click()  # no email, no password
    page.wait_for_load_state("load")
    assert path_of(page) == "/", page.url
    expect(page.get_by_test_id("category-card-usage")).to_be_visible()
    assert credentials(cdp, authenticator)[0]["signCount"] >= 2, "the counter moved on with the sign-in"

    page.goto("/account")
    expect(page.get_by_test_id("passkeys-table")).not_to_contain_text("never")
    expect(page.get_by_test_id("account-sessions-table")).to_contain_text(" on Linux")  # the browser, parsed

    age_strong_checks(portal, ADA)
    page.goto("/exports")
    wait_for_export_ready(page, export_id)
    page.get_by_test_id(f"export-download-{export_id}").click()
    expect(page.get_by_test_id("step-up-dialog")).to_be_visible()
    expect(page.get_by_test_id("step-up-password")).to_have_count(0)  # a passkey account confirms with the passkey
    snap(page, "step-up-dialog")
    with page.expect_download() as download:
        page.get_by_test_id("step-up-passkey").click()
    assert download.value.suggested_filename == f"personal-data-export-{export_id}.zip"
    expect(page.get_by_test_id("step-up-dialog")).to_be_hidden()


def test_the_officers_one_time_code_is_accepted_once(page: Page, fresh_context: Callable[..., BrowserContext]) -> None:
    page.goto("/login")
    page.get_by_test_id("login-email").fill(DPO)
    page.get_by_test_id("login-password").fill("demo-password")
    with page.expect_navigation():
        page.get_by_test_id("login-submit").click()
    assert path_of(page) == "/login/verify", "a right password alone does not sign the officer in"
    expect(page.get_by_test_id("login-lost-factor")).to_be_visible()
    snap(page, "second-step")
    code = enter_one_time_code(page)
    assert path_of(page) == "/staff", page.url

    sign_in_page = fresh_context().new_page()  # another browser with the password and the code seen over a shoulder
    sign_in_page.goto("/login")
    sign_in_page.get_by_test_id("login-email").fill(DPO)
    sign_in_page.get_by_test_id("login-password").fill("demo-password")
    with sign_in_page.expect_navigation():
        sign_in_page.get_by_test_id("login-submit").click()
    sign_in_page.get_by_test_id("login-code").fill(code)
    with sign_in_page.expect_navigation():
        sign_in_page.get_by_test_id("login-code-submit").click()
    assert path_of(sign_in_page) == "/login/verify"
    expect(sign_in_page.get_by_test_id("login-error")).to_have_text(
        "That code is not right, or it was already used. Type the code your app shows now."
    )
