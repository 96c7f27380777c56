"""Sign a simulated NiceGUI user in through the real POST routes, exactly as a browser would (with the demo privacy
officer's one-time code when the portal asks for it)."""

from __future__ import annotations

import asyncio
import re
import time

from nicegui import Client
from nicegui.testing import User

from tests.utils.totp import code_now

DEMO_PASSWORD = "demo-password"
_CSRF = re.compile(r'"name":"csrf","value":"([^"]+)"')
VERIFY = "/login/verify"


async def csrf_token(user: User) -> str:
    page = await user.http_client.get("/login")
    match = _CSRF.search(page.text)
    assert match, "the login page carries a CSRF token"
    return match.group(1)


def leave_page(user: User) -> None:
    """The simulated tab leaves the page it shows, as a browser tab does when it goes to another address: NiceGUI
    deletes a page whose socket has gone. The simulation keeps every page it opened alive instead, and follows any
    of them that navigates: the page watcher (portal/ui/page_watch.py) sending the previous account's page to
    sign-in would take the simulated tab with it."""
    shown = user.__dict__.get("client")  # User's attribute lookup is patched; the instance dict is not
    if isinstance(shown, Client) and not shown.is_deleted:
        shown.delete()


async def sign_in(user: User, email: str, password: str = DEMO_PASSWORD, *, next_path: str | None = None) -> str:
    """Returns where the portal redirected after the last POST (the second step's, when there was one). The tab
    leaves its page first: a person signs in on the sign-in page, not over an open page of another account."""
    leave_page(user)
    token = await csrf_token(user)
    data = {"csrf": token, "email": email, "password": password}
    if next_path:
        data["next"] = next_path
    response = await user.http_client.post("/auth/login", data=data)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    if location == VERIFY:
        location = await second_step(user, token)
    return location


async def second_step(user: User, token: str) -> str:
    """A code of the current time step, else the next one (a code is accepted once per step), else wait a step."""
    for offset, wait in ((0, False), (1, False), (1, True)):
        if wait:
            await asyncio.sleep(30 - time.time() % 30 + 0.2)
        response = await user.http_client.post(
            "/auth/login/code", data={"csrf": token, "code": code_now(step_offset=offset)}
        )
        assert response.status_code == 303, response.text
        if response.headers["location"] != VERIFY:
            return str(response.headers["location"])
    raise AssertionError("no one-time code was accepted")
