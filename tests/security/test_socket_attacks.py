"""Attacks on NiceGUI's websocket, made the way an attacker makes them: a python-socketio client, no browser.

Every test first shows that the attack harness can act (the same message from the rightful socket while the
session is live does change something), so a refusal cannot pass by accident.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from contextlib import closing

import httpx
import pytest
import socketio

from tests.security.conftest import RunningPortal
from tests.utils.page_socket import PageSocket, cookie_header

pytestmark = pytest.mark.usefixtures("reset_demo")

_CSRF = re.compile(r'"name":"csrf","value":"([^"]+)"')
TOGGLE = "consent-toggle-marketing_email"


def _requests_of(portal: RunningPortal, account_id: int) -> int:
    return portal.query("SELECT count(*) FROM privacy_request WHERE subject_id = ?", account_id)[0][0]


async def _open_consents(http: httpx.Client) -> PageSocket:
    page = PageSocket.fetch(http, "/consents")
    await page.connect(cookies=cookie_header(http))
    await page.wait_for(TOGGLE)
    return page


async def _settle() -> None:
    await asyncio.sleep(1.0)  # the server handles the event on its own loop; nothing to poll for a refusal


async def _flip(page: PageSocket, value: bool, *, client_id: str | None = None) -> None:
    element_id, listener = page.listener(TOGGLE, "update:modelValue")
    await page.fire(element_id, listener, [value], client_id=client_id)


async def _wait_for_requests(portal: RunningPortal, account_id: int, count: int) -> None:
    deadline = time.monotonic() + 10
    while _requests_of(portal, account_id) < count:
        assert time.monotonic() < deadline, "the rightful event did not file a request"
        await asyncio.sleep(0.05)


def _ada_id(portal: RunningPortal) -> int:
    return portal.query("SELECT id FROM account WHERE email = 'ada@example.com'")[0][0]


async def _end_by_sign_out(portal: RunningPortal, http: httpx.Client) -> None:
    match = _CSRF.search(http.get("/account").text)  # every signed-in page carries the sign-out form
    assert match, "the page carries the sign-out form's CSRF token"
    assert http.post("/auth/logout", data={"csrf": match.group(1)}).status_code == 303


async def _end_by_expiry(portal: RunningPortal, http: httpx.Client) -> None:
    portal.execute(
        "UPDATE auth_session SET expires_at = '2000-01-01 00:00:00.000000' WHERE account_id = ? AND revoked_at IS NULL",
        _ada_id(portal),
    )


async def _end_by_password_change(portal: RunningPortal, http: httpx.Client) -> None:
    """ada, in another browser, changes her password on /account, through the same form a person fills in."""
    with closing(portal.sign_in("ada@example.com")) as other:
        page = PageSocket.fetch(other, "/account")
        await page.connect(cookies=cookie_header(other))
        await page.wait_for("password-submit")
        for testid, value in (
            ("password-current", "demo-password"),
            ("password-new", NEW_PASSWORD),
            ("password-confirm", NEW_PASSWORD),
        ):
            element_id, listener = page.listener(testid, "update:value")  # ui.input's model event
            await page.fire(element_id, listener, [value])
        element_id, listener = page.listener("password-submit", "click")
        await page.fire(element_id, listener, [{}])
        deadline = time.monotonic() + 15
        while not portal.query("SELECT 1 FROM auth_session WHERE revoked_reason = 'password_changed'"):
            assert time.monotonic() < deadline, "the password change did not happen"
            await asyncio.sleep(0.1)
        await page.close()


NEW_PASSWORD = "a brand new passphrase"
ENDINGS: dict[str, Callable[[RunningPortal, httpx.Client], Awaitable[None]]] = {
    "signed_out": _end_by_sign_out,
    "expired": _end_by_expiry,
    "password_changed": _end_by_password_change,
}


@pytest.mark.parametrize("ending", list(ENDINGS))
async def test_a_page_left_open_cannot_act_after_its_session_ended(portal: RunningPortal, sign_in, ending: str) -> None:
    http = sign_in("ada@example.com")
    ada = _ada_id(portal)
    page = await _open_consents(http)
    try:
        before = _requests_of(portal, ada)
        assert page.find(TOGGLE)[1]["props"].get("model-value") is False
        await _flip(page, True)  # while the session is live, the page acts: the harness can change things
        await _wait_for_requests(portal, ada, before + 1)

        await ENDINGS[ending](portal, http)
        filed = _requests_of(portal, ada)
        await _flip(page, False)
        await _settle()
        assert _requests_of(portal, ada) == filed, "an event after the session ended changed something"
        reason = {"signed_out": "signed_out", "expired": "timed_out", "password_changed": "password_changed"}[ending]
        assert f"/login?expired=1&reason={reason}" in page.navigations(), "the page is sent to sign-in, told why"
    finally:
        await page.close()


async def test_a_socket_without_the_pages_cookies_cannot_attach_or_drive_it(portal: RunningPortal, sign_in) -> None:
    ada_http, grace_http = sign_in("ada@example.com"), sign_in("grace@example.com")
    victim = await _open_consents(ada_http)
    ada = _ada_id(portal)
    try:
        for cookies in (None, cookie_header(grace_http)):  # anonymous, then another customer's
            # Even with the page's own tab id (which NiceGUI pins on the first handshake), no attaching.
            attacker = PageSocket(
                base_url=portal.url, client_id=victim.client_id, elements=victim.elements, tab_id=victim.tab_id
            )
            with pytest.raises(socketio.exceptions.ConnectionError):
                await attacker.connect(cookies=cookies)
            attacker = PageSocket(
                base_url=portal.url, client_id=victim.client_id, elements=victim.elements, tab_id=victim.tab_id
            )
            await attacker.connect(cookies=cookies, implicit=False)  # a socket attached to nothing
            assert await attacker.handshake() is False
            before = _requests_of(portal, ada)
            # It fires into ada's page anyway, naming her client id in the message.
            element_id, listener = victim.listener(TOGGLE, "update:modelValue")
            await attacker.fire(
                element_id,
                listener,
                [not victim.find(TOGGLE)[1]["props"].get("model-value")],
                client_id=victim.client_id,
            )
            await _settle()
            assert _requests_of(portal, ada) == before
            await attacker.close()
    finally:
        await victim.close()


async def test_events_from_a_socket_attached_to_another_page_are_dropped(portal: RunningPortal, sign_in) -> None:
    """grace's socket, rightly attached to grace's own page, names ada's client id in its messages."""
    ada_http, grace_http = sign_in("ada@example.com"), sign_in("grace@example.com")
    victim, attacker = await _open_consents(ada_http), await _open_consents(grace_http)
    try:
        ada, grace = _ada_id(portal), portal.query("SELECT id FROM account WHERE email = 'grace@example.com'")[0][0]
        before_ada = _requests_of(portal, ada)
        element_id, listener = victim.listener(TOGGLE, "update:modelValue")
        await attacker.fire(
            element_id, listener, [not victim.find(TOGGLE)[1]["props"].get("model-value")], client_id=victim.client_id
        )
        await _settle()
        assert _requests_of(portal, ada) == before_ada
        # The control: the same socket can drive its own page.
        before_grace = _requests_of(portal, grace)
        await _flip(attacker, not attacker.find(TOGGLE)[1]["props"].get("model-value"))
        await _wait_for_requests(portal, grace, before_grace + 1)
    finally:
        await victim.close()
        await attacker.close()


async def test_a_foreign_origin_cannot_open_a_socket(portal: RunningPortal, sign_in) -> None:
    http = sign_in("ada@example.com")
    page = PageSocket.fetch(http, "/consents")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await page.connect(cookies=cookie_header(http), origin="https://evil.example")
    await page.connect(cookies=cookie_header(http))  # the same page from its own origin connects
    await page.wait_for(TOGGLE)
    await page.close()


async def test_client_log_messages_cannot_forge_server_lines_and_junk_is_not_a_flood(
    portal: RunningPortal, sign_in
) -> None:
    http = sign_in("ada@example.com")
    page = await _open_consents(http)
    try:
        size_before = portal.log_path.stat().st_size
        forged = "2026-12-07 03:00:00,000 INFO portal.web: sign-in account=2"
        await page.sio.emit("log", {"client_id": page.client_id, "level": "info", "message": "x\n" + forged})
        for index in range(500):
            junk = [
                None,
                "text",
                42,
                {"client_id": page.client_id},
                {"client_id": page.client_id, "id": "x"},
                {"client_id": page.client_id, "id": 1, "listener_id": "nope", "args": ["{not json"]},
            ][index % 6]
            await page.sio.emit("event", junk)
        await _settle()
        written = portal.log_text().encode()[size_before:].decode(errors="replace")
        assert forged not in written.splitlines(), "a client wrote a line that looks like the server's own"
        assert "client-sent log" in written and "\\n" in written, "the client's line is kept, escaped and marked"
        assert "Traceback" not in written
        assert written.count("\n") < 30, f"500 malformed events wrote {written.count(chr(10))} lines"
        assert page.sio.connected
    finally:
        await page.close()


async def test_an_agents_page_stops_acting_when_the_grant_ends(portal: RunningPortal, sign_in) -> None:
    """The grant is checked live too: linus revokes it while the agent's page is open; the agent's next event is
    refused and the page goes back to the staff console."""
    agent = sign_in("agent@example.com")
    linus = portal.query("SELECT id FROM account WHERE email = 'linus@example.com'")[0][0]
    csrf = _CSRF.search(agent.get("/staff/customers").text)
    assert csrf
    started = agent.post(
        "/auth/impersonate/start",
        data={"csrf": csrf.group(1), "customer_id": str(linus), "reason": "ticket 4711: order question"},
    )
    assert (started.status_code, started.headers["location"]) == (303, "/")
    page = PageSocket.fetch(agent, "/data/identity")
    await page.connect(cookies=cookie_header(agent))
    await page.wait_for("identity-edit")
    try:
        portal.execute(
            "UPDATE support_grant SET revoked_at = '2020-01-01 00:00:00.000000' WHERE customer_id = ?", linus
        )
        element_id, listener = page.listener("identity-edit", "click")
        await page.fire(element_id, listener, [{}])
        deadline = time.monotonic() + 10
        while "/staff/customers?ended=grant_ended" not in page.navigations():
            assert time.monotonic() < deadline, f"not sent back to the console: {page.received[-5:]}"
            await asyncio.sleep(0.05)
        assert not [
            e
            for e, d in page.received
            if e == "update"
            and any(
                isinstance(v, dict)
                and v.get("props", {}).get("data-testid") == "identity-dialog"
                and v.get("props", {}).get("value") is True
                for v in d.values()
            )
        ], "the refused click opened nothing"
    finally:
        await page.close()


async def test_a_page_left_open_is_sent_to_sign_in_by_its_timer_without_a_click(portal: RunningPortal, sign_in) -> None:
    http = sign_in("ada@example.com")
    page = await _open_consents(http)
    try:
        await _end_by_expiry(portal, http)
        # The process's page watcher sweeps every 2 s (portal/ui/page_watch.py): the page leaves within 3 s on an
        # idle machine. The deadline is generous so a loaded CI machine cannot fail it; it guards against "never".
        deadline = time.monotonic() + 15
        while "/login?expired=1&reason=timed_out" not in page.navigations():
            assert time.monotonic() < deadline, "the page's timer did not notice the session had ended"
            await asyncio.sleep(0.1)
    finally:
        await page.close()
