"""Sign a simulated NiceGUI user in through the real POST route, exactly as a browser would."""

from __future__ import annotations

import re

from nicegui.testing import User

DEMO_PASSWORD = "demo-password"
_CSRF = re.compile(r'"name":"csrf","value":"([^"]+)"')


async def csrf_token(user: User) -> str:
    page = await user.http_client.get("/login")
    match = _CSRF.search(page.text)
    assert match, "the login page carries a CSRF token"
    return match.group(1)


async def sign_in(user: User, email: str, password: str = DEMO_PASSWORD, *, next_path: str | None = None) -> str:
    """Returns where the portal redirected after the POST."""
    data = {"csrf": await csrf_token(user), "email": email, "password": password}
    if next_path:
        data["next"] = next_path
    response = await user.http_client.post("/auth/login", data=data)
    assert response.status_code == 303, response.text
    return response.headers["location"]
