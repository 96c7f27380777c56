"""Page-object style flows: how a person signs in, signs out and moves around the portal.

Tests say *what* they do through these; the selectors live here, in one place, and use only the
data-testid values listed in docs/qa.md.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

DEMO_PASSWORD = "demo-password"
CATEGORY_KEYS = ("registration", "identity", "financial", "transaction", "usage", "technical")
SESSION_COOKIE = "portal_session"


def path_of(page: Page) -> str:
    """The path and query of the page's URL, e.g. `/login?next=%2Fdata%2Fusage`."""
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in the sign-in form and submit it; returns once the browser has landed where the portal sent it.

    Opens /login first unless the page is already there (so a `?next=` from a redirect is kept).
    """
    if urlsplit(page.url).path != "/login":
        page.goto("/login")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    with page.expect_navigation():
        page.get_by_test_id("login-submit").click()
    page.wait_for_load_state("load")


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
