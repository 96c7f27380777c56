"""The first journeys through the portal in a real browser: sign-in, the overview, the category pages,
paging through a heavy customer's data, sign-out, and what a customer must not reach.

Expected values are the deterministic demo data (`python main.py seed --reset`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.flows import (
    CATEGORY_KEYS,
    SESSION_COOKIE,
    open_category,
    path_of,
    session_cookie,
    sign_in,
    sign_out,
)
from tests.e2e.harness import snap

ADA = "ada@example.com"
GRACE = "grace@example.com"

ADA_CATEGORY_COUNTS = {
    "registration": "1",
    "identity": "1",
    "financial": "3",
    "transaction": "24",
    "usage": "40",
    "technical": "25",
}

# Per category page: for each record kind, either the fields of a single record or the number of table rows.
ADA_SINGLE_FIELDS = {
    "registration": {"account": {"field-username": "ada.lovelace"}},
    "identity": {
        "identity_profile": {
            "field-full_name": "Ada Lovelace",
            "field-email": ADA,
            "field-city": "London",
            "field-country": "GB",
        }
    },
}
ADA_TABLE_TOTALS = {
    "financial": {"payment_card": 2, "financial_account": 1},
    "transaction": {
        "order": 6,
        "payment": 6,
        "warranty_claim": 2,
        "manual_change": 2,
        "support_ticket": 3,
        "feedback": 5,
    },
    "usage": {"usage_event": 40},
    "technical": {"device": 3, "access_log": 16, "cookie": 6},
}
# A full card or account number: 12-19 digits, possibly grouped by spaces or dashes.
UNMASKED_NUMBER = re.compile(r"\b\d(?:[ -]?\d){11,18}\b")


def _records(count: int) -> re.Pattern[str]:
    return re.compile(rf"^{count:,} record{'' if count == 1 else 's'}$")


def test_customer_signs_in_and_sees_overview_with_six_category_cards(page: Page, portal_url: str) -> None:
    page.goto("/login")
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    snap(page, "login")

    sign_in(page, ADA)

    expect(page).to_have_url(f"{portal_url}/")
    for key, count in ADA_CATEGORY_COUNTS.items():
        expect(page.get_by_test_id(f"category-card-{key}")).to_be_visible()
        expect(page.get_by_test_id(f"category-count-{key}")).to_have_text(re.compile(r"^\d[\d,]*$"))
        expect(page.get_by_test_id(f"category-count-{key}")).to_have_text(count)
    expect(page.get_by_test_id("header-user-menu")).to_contain_text("Ada Lovelace")
    snap(page, "overview-ada")


def test_customer_opens_every_category_page(page: Page) -> None:
    sign_in(page, ADA)

    for key in CATEGORY_KEYS:
        open_category(page, key)
        expect(page.get_by_test_id(f"nav-data-{key}")).to_be_visible()
        policy = page.get_by_test_id("category-policy")
        expect(policy).to_contain_text("What the privacy policy says")
        expect(policy.get_by_test_id("policy-legal-basis")).not_to_be_empty()
        for kind, fields in ADA_SINGLE_FIELDS.get(key, {}).items():
            expect(page.get_by_test_id(f"kind-{kind}")).to_be_visible()
            for testid, value in fields.items():
                expect(page.get_by_test_id(testid)).to_have_text(value)
        for kind, total in ADA_TABLE_TOTALS.get(key, {}).items():
            expect(page.get_by_test_id(f"kind-{kind}")).to_be_visible()
            expect(page.get_by_test_id(f"table-{kind}")).to_be_visible()
            expect(page.get_by_test_id(f"table-{kind}-total")).to_have_text(_records(total))
        snap(page, f"category-{key}-ada")

        if key == "registration":
            expect(page.get_by_test_id("field-password_set_at")).to_have_text(re.compile(r"^Set on \d{4}-\d{2}-\d{2}$"))
            expect(page.get_by_test_id("kind-account")).not_to_contain_text("argon2")
        if key == "financial":
            cards = page.get_by_test_id("table-payment_card")
            expect(cards).to_contain_text("•••• 4242")
            expect(cards).to_contain_text("•••• 5100")
            expect(page.get_by_test_id("table-financial_account")).to_contain_text("•••• ")
            body = page.locator("body").inner_text()
            assert not UNMASKED_NUMBER.search(body), f"an unmasked number on /data/financial: {body!r}"


def test_heavy_customer_pages_through_usage_events(page: Page) -> None:
    sign_in(page, GRACE)
    open_category(page, "usage")
    total = page.get_by_test_id("table-usage_event-total")
    position = page.get_by_test_id("table-usage_event-page")
    expect(total).to_have_text("50,000 records")
    expect(position).to_have_text("Page 1 of 2,000")
    expect(page.get_by_test_id("table-usage_event-prev")).to_be_disabled()
    snap(page, "usage-grace-page-1")

    page.get_by_test_id("table-usage_event-next").click()
    expect(position).to_have_text("Page 2 of 2,000")
    expect(page.get_by_test_id("table-usage_event-prev")).to_be_enabled()
    snap(page, "usage-grace-page-2")

    page.get_by_test_id("table-usage_event-filter").fill("/products/s31")
    expect(total).not_to_have_text("50,000 records")
    # Counted exactly up to 1,000 matches; beyond that the table says "More than 1,000 records match".
    counted = re.search(r"([\d,]+) records?", total.inner_text())
    assert counted, total.inner_text()
    filtered = int(counted.group(1).replace(",", ""))
    assert 0 < filtered <= 1_000, total.inner_text()
    expect(position).to_have_text(re.compile(r"^Page 1 of [\d,]+\+?$"))  # a new filter starts at its first page
    expect(page.get_by_test_id("table-usage_event")).to_contain_text("/products/s31")
    snap(page, "usage-grace-filtered")


def test_wrong_password_shows_generic_error_and_keeps_email(page: Page) -> None:
    sign_in(page, ADA, "not-the-password")

    assert path_of(page) == "/login"
    expect(page.get_by_test_id("login-error")).to_have_text("Email or password is incorrect.")
    expect(page.get_by_test_id("login-email")).to_have_value(ADA)
    expect(page.get_by_test_id("login-password")).to_have_value("")
    snap(page, "login-wrong-password")


def test_logged_out_visit_redirects_to_login_then_back(page: Page, portal_url: str) -> None:
    page.goto("/data/usage")

    assert path_of(page) == "/login?next=%2Fdata%2Fusage"
    expect(page.get_by_test_id("login-email")).to_be_visible()
    snap(page, "login-with-next")

    sign_in(page, ADA)

    expect(page).to_have_url(f"{portal_url}/data/usage")
    expect(page.get_by_test_id("table-usage_event-total")).to_have_text("40 records")
    snap(page, "usage-ada-after-redirect")


def test_sign_out_ends_session(page: Page, portal_url: str, fresh_context: Callable[..., BrowserContext]) -> None:
    sign_in(page, ADA)
    expect(page.get_by_test_id("category-card-usage")).to_be_visible()
    old_cookie = session_cookie(page)
    page.get_by_test_id("header-user-menu").click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    snap(page, "user-menu-open")
    page.keyboard.press("Escape")

    sign_out(page)

    assert path_of(page) == "/login?signed_out=1"
    expect(page.get_by_test_id("login-info")).to_have_text("You have signed out.")
    snap(page, "signed-out")
    assert SESSION_COOKIE not in {c["name"] for c in page.context.cookies()}

    page.goto("/")
    assert path_of(page).startswith("/login"), page.url
    expect(page.get_by_test_id("login-email")).to_be_visible()

    replay = fresh_context()
    replay.add_cookies([{"name": SESSION_COOKIE, "value": old_cookie["value"], "url": portal_url}])
    intruder = replay.new_page()
    intruder.goto("/")
    assert path_of(intruder).startswith("/login"), f"the signed-out session still opens {intruder.url}"
    expect(intruder.get_by_test_id("login-email")).to_be_visible()
    snap(intruder, "replayed-cookie-after-sign-out")


def test_customer_cannot_reach_another_customers_data(page: Page, portal_url: str) -> None:
    sign_in(page, ADA)

    response = page.goto("/staff")
    assert response is not None and response.status == 403
    expect(page.get_by_test_id("error-message")).to_contain_text("staff only")
    snap(page, "staff-refused-for-customer")

    for path in ("/data/identity", "/data/identity?account_id=2", "/data/identity?customer=grace%40example.com"):
        page.goto(path)
        expect(page.get_by_test_id("field-email")).to_have_text(ADA)
        assert GRACE not in page.locator("body").inner_text(), f"{path} shows {GRACE}"
    snap(page, "identity-ada-only")

    cookie = session_cookie(page)
    forged = cookie["value"][:-1] + ("A" if cookie["value"][-1] != "A" else "B")
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": forged, "url": portal_url}])
    page.goto("/data/identity")
    assert path_of(page).startswith("/login"), f"a forged session cookie opened {page.url}"
    expect(page.get_by_test_id("login-email")).to_be_visible()
    snap(page, "forged-cookie-to-login")


def test_session_cookie_flags(page: Page, portal_url: str, fresh_context: Callable[..., BrowserContext]) -> None:
    sign_in(page, ADA)
    expect(page.get_by_test_id("category-card-usage")).to_be_visible()
    first = session_cookie(page)
    assert first["httpOnly"] is True
    assert first["sameSite"] == "Lax"
    assert first["path"] == "/"
    snap(page, "overview-first-sign-in")

    sign_in(page, ADA)  # signing in again, while signed in, must issue a new session id
    expect(page).to_have_url(f"{portal_url}/")
    expect(page.get_by_test_id("category-card-usage")).to_be_visible()
    second = session_cookie(page)
    assert second["value"] != first["value"], "the session id did not rotate at sign-in"
    assert second["httpOnly"] is True and second["sameSite"] == "Lax"
    snap(page, "overview-second-sign-in")

    stale = fresh_context()
    stale.add_cookies([{"name": SESSION_COOKIE, "value": first["value"], "url": portal_url}])
    stale_page = stale.new_page()
    stale_page.goto("/")
    assert path_of(stale_page).startswith("/login"), "the replaced session id still works"


def test_unknown_category_shows_clear_not_found(page: Page, portal_url: str) -> None:
    sign_in(page, ADA)

    response = page.goto("/data/secrets")

    assert response is not None and response.status == 404
    expect(page.get_by_test_id("problem-message")).to_contain_text("There is no such data category")
    snap(page, "unknown-category")
    page.get_by_test_id("problem-way-on").click()  # a way back, in the portal's own shell
    page.wait_for_url(f"{portal_url}/")

    response = page.goto("/no/such/page")  # any address that leads nowhere: the same shell, not a bare error
    assert response is not None and response.status == 404
    expect(page.get_by_test_id("problem-message")).to_contain_text("There is no page at this address")
    expect(page.get_by_test_id("nav-overview")).to_be_visible()
    page.get_by_test_id("problem-way-on").click()
    page.wait_for_url(f"{portal_url}/")


def test_customer_changes_password_and_other_sessions_end(
    page: Page, reset_demo: Callable[[], None], fresh_context: Callable[..., BrowserContext]
) -> None:
    new_password = "correct horse battery staple"
    other = fresh_context().new_page()  # ada is also signed in elsewhere, e.g. on her phone
    sign_in(other, ADA)
    sign_in(page, ADA)

    other.goto("/consents")  # left open there: its heartbeat notices when the session ends
    expect(other.get_by_test_id("consent-history-table")).to_be_visible()

    page.get_by_test_id("header-user-menu").click()
    page.get_by_test_id("header-account").click()
    page.wait_for_url("**/account")
    page.get_by_test_id("password-submit").click()  # nothing typed yet: say what to type, not "not correct"
    expect(page.get_by_test_id("password-result")).to_have_text("Enter your current password.")
    page.get_by_test_id("password-current").fill("demo-password")
    page.get_by_test_id("password-new").fill("short")
    page.get_by_test_id("password-confirm").fill("short")
    page.get_by_test_id("password-submit").click()
    expect(page.get_by_test_id("password-result")).to_have_text(re.compile("at least 12 characters"))

    page.get_by_test_id("password-new").fill(new_password)
    page.get_by_test_id("password-confirm").fill(new_password)
    page.get_by_test_id("password-confirm").press("Enter")  # Enter sends the form
    expect(page.get_by_test_id("password-result")).to_have_text(
        "Your password was changed. 1 other session was signed out.", timeout=15_000
    )
    snap(page, "password-changed")

    # the other browser is sent to sign-in without a click, and told why
    expect(other.get_by_test_id("login-info")).to_have_text(
        "You were signed out because the password of this account was changed. Sign in with the new password.",
        timeout=15_000,
    )
    assert path_of(other).startswith("/login?expired=1&reason=password_changed"), other.url
    snap(other, "signed-out-by-password-change")
    other.goto("/exports")  # a new visit with the old cookie says the same
    expect(other.get_by_test_id("login-info")).to_contain_text("password of this account was changed")
    sign_out(page)
    sign_in(page, ADA)  # the old password no longer works
    expect(page.get_by_test_id("login-error")).to_be_visible()
    sign_in(page, ADA, new_password)
    assert path_of(page) == "/", page.url


def test_customer_signs_out_another_browser_from_the_account_page(
    page: Page, fresh_context: Callable[..., BrowserContext]
) -> None:
    other = fresh_context().new_page()  # ada is also signed in on a shared computer
    sign_in(other, ADA)
    sign_in(page, ADA)
    # The page names a session by the first 12 hex digits of the SHA-256 of its cookie's token.
    ref = hashlib.sha256(session_cookie(other)["value"].encode()).hexdigest()[:12]

    page.goto("/account")
    expect(page.get_by_test_id("account-session-current")).to_have_text("This browser")
    expect(page.get_by_test_id(f"account-session-{ref}")).to_be_visible()
    page.get_by_test_id(f"account-session-end-{ref}").click()
    expect(page.get_by_text("That session is signed out.")).to_be_visible()
    expect(page.get_by_test_id(f"account-session-{ref}")).to_have_count(0)
    snap(page, "account-other-session-signed-out")

    other.goto("/consents")  # the shared computer is signed out
    assert path_of(other).startswith("/login"), other.url
    page.goto("/consents")  # this browser is not
    assert path_of(page) == "/consents", page.url
