"""A stolen session cookie without the second factor (issue 23): it cannot download an export, whether through the
page's websocket or a download link found in a browser's history, and with the phished password it still cannot
withdraw an account that has one-time codes; a right password alone never becomes a session.

The thief's cookie is a real one whose last strong check is an hour old (the owner signed in and walked away): the
session itself is live, so every page opens, and only the sensitive acts ask for a fresh check."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import httpx
import pyotp
import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.security.conftest import SECRET, RunningPortal
from tests.utils.page_socket import PageSocket, cookie_header
from tests.utils.totp import codes_to_try

pytestmark = pytest.mark.usefixtures("reset_demo")

_CSRF = re.compile(r'"name":"csrf","value":"([^"]+)"')
SESSION = "portal_session"


def _account_id(portal: RunningPortal, email: str) -> int:
    return portal.query("SELECT id FROM account WHERE email = ?", email)[0][0]


def _walk_away(portal: RunningPortal, account_id: int) -> None:
    """The owner's last strong check slips an hour into the past: the session lives on, the check is stale."""
    portal.execute("UPDATE auth_session SET checked_at = datetime('now', '-1 hour') WHERE account_id = ?", account_id)


def _thief(portal: RunningPortal, owner: httpx.Client) -> httpx.Client:
    """A browser of the thief's own with nothing but the owner's session cookie."""
    return httpx.Client(
        base_url=portal.url, cookies={SESSION: owner.cookies[SESSION]}, follow_redirects=False, timeout=30
    )


async def _page(http: httpx.Client, path: str, ready: str) -> PageSocket:
    page = PageSocket.fetch(http, path)
    await page.connect(cookies=cookie_header(http))
    await page.wait_for(ready)
    return page


async def _fire(page: PageSocket, testid: str, event: str, value: object) -> None:
    element_id, listener = page.listener(testid, event)
    await page.fire(element_id, listener, [value])


async def _ready_export(portal: RunningPortal, owner: httpx.Client, customer_id: int) -> int:
    page = await _page(owner, "/exports", "export-request")
    try:
        await _fire(page, "export-request", "click", {})
        deadline = time.monotonic() + 60
        while True:
            rows = portal.query(
                "SELECT id FROM privacy_request WHERE subject_id = ? AND type = 'export' AND status = 'completed'",
                customer_id,
            )
            if rows:
                return int(rows[0][0])
            assert time.monotonic() < deadline, "the export was not built"
            await asyncio.sleep(0.2)
    finally:
        await page.close()


def _link_from_history(customer_id: int, request_id: int) -> str:
    """A genuine download link, as the owner's browser history holds it (signed like the portal signs them)."""
    token = URLSafeTimedSerializer(SECRET, salt="export-download").dumps(
        {"customer_id": customer_id, "request_id": request_id, "nonce": uuid.uuid4().hex[:8]}
    )
    return f"/exports/{request_id}/download?token={token}"


def _downloads(portal: RunningPortal, customer_id: int) -> int:
    rows = portal.query(
        "SELECT count(*) FROM audit_event WHERE subject_id = ? AND action = 'export.downloaded'", customer_id
    )
    return int(rows[0][0])


async def test_a_stolen_cookie_without_a_fresh_check_cannot_download_an_export(portal: RunningPortal, sign_in) -> None:
    ada = _account_id(portal, "ada@example.com")
    owner = sign_in("ada@example.com")
    request_id = await _ready_export(portal, owner, ada)
    _walk_away(portal, ada)

    with _thief(portal, owner) as thief:
        page = await _page(thief, "/exports", f"export-download-{request_id}")
        try:
            await _fire(page, f"export-download-{request_id}", "click", {})
            await page.wait_for("step-up-dialog")  # the page asks for a check the thief cannot give
            await asyncio.sleep(0.5)
            assert not [event for event, _ in page.received if event == "download"], "no download link was sent"
        finally:
            await page.close()
        link = _link_from_history(ada, request_id)
        refused = thief.get(link)
        assert refused.status_code == 403 and "confirm it is you" in refused.text.lower(), refused.text[:300]
    assert _downloads(portal, ada) == 0

    again = sign_in("ada@example.com")  # the owner, signing in again: the same link works for a fresh session
    answer = again.get(link)
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    assert _downloads(portal, ada) == 1


async def test_the_phished_password_and_a_stolen_cookie_cannot_withdraw_an_account_with_codes(
    portal: RunningPortal,
) -> None:
    margaret = _account_id(portal, "margaret@example.com")
    secret = pyotp.random_base32()
    portal.execute("UPDATE account SET totp_secret = ? WHERE id = ?", secret, margaret)
    owner = httpx.Client(base_url=portal.url, follow_redirects=False, timeout=30)
    token = _CSRF.search(owner.get("/login").text)
    assert token
    first = owner.post(
        "/auth/login", data={"csrf": token.group(1), "email": "margaret@example.com", "password": "demo-password"}
    )
    assert first.headers["location"] == "/login/verify" and SESSION not in owner.cookies, "no session on a password"
    assert owner.get("/withdraw").headers["location"].startswith("/login"), "the pending step opens no page"
    for code in codes_to_try(secret):
        if owner.post("/auth/login/code", data={"csrf": token.group(1), "code": code}).headers["location"] == "/":
            break
    assert SESSION in owner.cookies
    _walk_away(portal, margaret)

    with _thief(portal, owner) as thief:
        page = await _page(thief, "/withdraw", "withdraw-submit")
        try:
            await _fire(page, "withdraw-confirm", "update:modelValue", True)
            await _fire(page, "withdraw-password", "update:value", "demo-password")  # phished
            await _fire(page, "withdraw-submit", "click", {})
            await page.wait_for("step-up-dialog")
            await page.wait_for("step-up-code")  # the dialog wants the code the thief does not have
            await _fire(page, "step-up-password", "update:value", "demo-password")
            await _fire(page, "step-up-code", "update:value", "123456")
            await _fire(page, "step-up-submit", "click", {})
            deadline = time.monotonic() + 15
            while "not right" not in str(page.find("step-up-error")[1].get("text", "")):
                assert time.monotonic() < deadline, "the wrong code was not refused"
                await asyncio.sleep(0.05)
        finally:
            await page.close()
    assert portal.query("SELECT count(*) FROM account WHERE id = ?", margaret) == [(1,)], "nothing was erased"
    assert not portal.query("SELECT 1 FROM privacy_request WHERE subject_id = ? AND type = 'withdrawal'", margaret)
    assert portal.query(
        "SELECT count(*) FROM audit_event WHERE subject_id = ? AND action = 'auth.second_factor_failed'", margaret
    ) == [(1,)], "the wrong code counted"
    owner.close()
