"""Art. 19 end to end: ada corrects her phone number; the two recipients of her profile that have endpoints (the
carrier and the support desk) receive a signed notice over real HTTP, verify it with the portal's published key,
and confirm through the callback; ada watches both turn to "Confirmed" on her request. The third recipient (a
partner without an endpoint) is a task for staff, closed by the privacy officer on the notice desk."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from portal.config import ROOT
from portal.signing.keys import keys_from_jwks
from tests.e2e.conftest import Portal
from tests.e2e.flows import open_identity_form, review_identity, sign_in, sign_out
from tests.e2e.harness import snap
from tests.utils.recipient_server import RecipientServer

ADA = "ada@example.com"
DPO = "dpo@example.com"
TOKEN = re.compile(r"acknowledgement token .*: (\S+)$", re.MULTILINE)


@pytest.fixture
def recipient(portal: Portal, portal_url: str) -> Iterator[RecipientServer]:
    keys = keys_from_jwks(httpx.get(f"{portal_url}/.well-known/portal-signing-keys.json").json())
    server = RecipientServer(keys, clock=time.time).start()
    yield server
    server.stop()


def _set_endpoint(portal: Portal, key: str, url: str) -> str:
    if portal.environment is None:
        pytest.skip("the endpoints are configured with the portal's own CLI: needs a portal this run started")
    done = subprocess.run(
        [sys.executable, "main.py", "recipients", "set-endpoint", key, url],
        cwd=ROOT,
        env=portal.environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    match = TOKEN.search(done.stdout)
    assert match, done.stdout
    return match.group(1)


def _wait(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def test_a_correction_reaches_two_recipients_and_ada_sees_both_confirmed(
    page: Page, portal: Portal, portal_url: str, reset_demo: Callable[[], None], recipient: RecipientServer
) -> None:
    tokens = {key: _set_endpoint(portal, key, recipient.url) for key in ("logistics", "support_desk")}

    sign_in(page, ADA)
    open_identity_form(page)
    review_identity(page, phone="+44 20 7946 0111")
    page.get_by_test_id("identity-submit").click()
    expect(page.get_by_test_id("field-phone")).to_have_text("+44 20 7946 0111", timeout=10_000)

    # The worker sends the notices within seconds; the recipient checks each signature with the published key.
    _wait(lambda: len(recipient.processed) == 2, "two verified notices at the recipient")
    assert recipient.refusals == []
    got = {notice["recipient"]: notice for notice in recipient.processed}
    assert set(got) == {"logistics", "support_desk"}
    assert all(n["changes"] == {"identity_profile": {"phone": "+44 20 7946 0111"}} for n in got.values())
    assert all("Ada" not in str(n) for n in got.values()), "a notice carries only what the recipient needs"
    assert got["logistics"]["acknowledge_path"] == f"/recipients/notices/{got['logistics']['id']}/ack"

    page.get_by_test_id("nav-requests").click()
    page.get_by_test_id("requests-table").get_by_text("Correction of identity details").first.click()
    notices = page.get_by_test_id("request-notices")
    expect(notices).to_contain_text("ParcelWay Logistics SAS")
    expect(page.get_by_test_id("request-notice-state-partners")).to_have_text("Our privacy team tells them directly")
    snap(page, "art19-request-notices-waiting")

    for key, notice in got.items():  # the recipients confirm, later, through the authenticated callback
        answer = httpx.post(
            f"{portal_url}{notice['acknowledge_path']}",
            json={"answer": "done"},
            headers={"Authorization": f"Bearer {tokens[key]}"},
        )
        assert answer.status_code == 200, answer.text
    for key in ("logistics", "support_desk"):  # the page follows the answers by itself
        expect(page.get_by_test_id(f"request-notice-state-{key}")).to_have_text(
            re.compile(r"^Confirmed on \d{4}-\d{2}-\d{2}$"), timeout=15_000
        )
    snap(page, "art19-request-notices-confirmed")

    sign_out(page)
    sign_in(page, DPO)
    page.goto("/staff/notices")
    row = page.locator('[data-testid^="notice-row-"]', has_text="BrightHome Retail GmbH")
    row.get_by_role("button", name="Close task…").click()
    page.get_by_test_id("notice-close-note").fill("Told BrightHome's privacy team by email.")
    page.get_by_test_id("notice-close-submit").click()
    expect(page.get_by_test_id("notice-close-dialog")).to_be_hidden()
    expect(page.locator('[data-testid^="notice-row-"]', has_text="BrightHome Retail GmbH")).to_have_count(0)
    snap(page, "art19-notice-desk")
