"""Simulated-user tests: sign-in per role, redirects, and each category page showing only the right data."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from portal.catalogue import CATEGORY_KEYS
from portal.ui.components.side_nav import NavList
from tests.utils.signin import sign_in


async def test_logged_out_visit_redirects_to_login_and_back(user: User) -> None:
    response = await user.http_client.get("/data/usage")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fdata%2Fusage"
    assert await sign_in(user, "ada@example.com", next_path="/data/usage") == "/data/usage"


@pytest.mark.parametrize(
    ("email", "home"),
    [
        ("ada@example.com", "/"),
        ("grace@example.com", "/"),
        ("linus@example.com", "/"),
        ("margaret@example.com", "/"),
        ("agent@example.com", "/staff"),
        ("dpo@example.com", "/staff"),
    ],
)
async def test_each_demo_role_signs_in_to_its_home(user: User, email: str, home: str) -> None:
    assert await sign_in(user, email) == home


async def test_wrong_password_and_unknown_email_get_the_same_message(user: User) -> None:
    assert await sign_in(user, "ada@example.com", "wrong-password") == "/login"
    await user.open("/login")
    await user.should_see("Email or password is incorrect.")
    assert await sign_in(user, "nobody@example.com", "wrong-password") == "/login"
    await user.open("/login")
    await user.should_see("Email or password is incorrect.")


async def test_next_parameter_never_leaves_the_portal(user: User) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "/staff"):
        assert await sign_in(user, "ada@example.com", next_path=target) == "/"


async def test_overview_shows_six_category_cards_with_counts(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/")
    for key in CATEGORY_KEYS:
        await user.should_see(marker=f"category-card-{key}")
    await user.should_see("What we don't collect")
    await user.should_see("Commands you give to eWeLink")
    await user.should_see("Ada Lovelace")


async def test_identity_page_shows_own_identity_and_never_anothers(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/data/identity")
    await user.should_see("ada@example.com")
    await user.should_not_see("grace@example.com")
    await user.should_not_see("Grace Hopper")


async def test_each_category_page_renders_with_policy_text(user: User) -> None:
    await sign_in(user, "linus@example.com")
    for key in CATEGORY_KEYS:
        await user.open(f"/data/{key}")
        await user.should_see("What the privacy policy says")
        await user.should_see("Legal basis")


@pytest.mark.parametrize(
    ("email", "path", "current"),
    [
        ("ada@example.com", "/data/identity", "nav-data-identity"),
        ("ada@example.com", "/consents", "nav-consents"),
        ("dpo@example.com", "/staff/audit", "nav-staff-audit"),
    ],
)
async def test_the_side_navigation_marks_the_page_you_are_on(user: User, email: str, path: str, current: str) -> None:
    """Exactly one entry is the page's own: the navigation is one element (NavList) that the browser renders from
    its items, marking the entry whose test id is `active` as Quasar's boolean `active` and aria-current (the e2e
    layout test checks the rendered links). It carries a marker per entry, so a marker means "offered here"."""
    await sign_in(user, email)
    await user.open(path)
    (nav,) = user.find(kind=NavList).elements
    testids = [item["testid"] for item in nav.props["items"]]
    assert nav.props["active"] == current
    assert testids.count(current) == 1
    assert all(item["path"].startswith("/") and item["label"] for item in nav.props["items"])
    assert len(testids) > 3
    for testid in testids:
        await user.should_see(marker=testid)


async def test_password_is_never_shown(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/data/registration")
    await user.should_see("Set on")
    await user.should_not_see("argon2")


async def test_unknown_category_is_a_clear_404(user: User) -> None:
    await sign_in(user, "ada@example.com")
    response = await user.http_client.get("/data/secrets")
    assert response.status_code == 404
    assert "There is no such data category" in response.text
    # inside the portal's shell (its navigation), with the categories named and a way back (the e2e suite
    # follows it; the simulated user cannot open a page that is not 200)
    for part in ("No such data category", "Identity data", "nav-overview", "problem-way-on"):
        assert part in response.text, part


async def test_an_address_that_leads_nowhere_gets_the_portals_page_with_a_way_back(user: User) -> None:
    await sign_in(user, "ada@example.com")
    response = await user.http_client.get("/no/such/page")
    assert response.status_code == 404
    assert "HTTPException" not in response.text, "the framework's bare error page"
    for part in ("Page not found", "There is no page at this address", "nav-overview", "Back to your overview"):
        assert part in response.text, part
    await sign_in(user, "dpo@example.com")
    response = await user.http_client.get("/staff/no-such-page")
    assert response.status_code == 404
    for part in ("Page not found", "nav-staff-audit", "Back to the request queue"):
        assert part in response.text, part


async def test_a_missing_download_is_still_a_plain_404_not_a_page(user: User) -> None:
    await sign_in(user, "ada@example.com")
    response = await user.http_client.get("/assets/no-such-file.css")
    assert response.status_code == 404
    assert "Page not found" not in response.text


async def test_staff_asking_for_personal_data_get_a_page_that_says_why(user: User) -> None:
    await sign_in(user, "agent@example.com")
    for path in ("/data/identity", "/requests", "/requests/1"):
        response = await user.http_client.get(path)
        assert response.status_code == 403, path
        for part in ("Staff accounts have no", "nav-staff", "problem-way-on"):  # the staff shell and a way on
            assert part in response.text, (path, part)


async def test_customer_is_refused_at_staff(user: User) -> None:
    await sign_in(user, "ada@example.com")
    response = await user.http_client.get("/staff")
    assert response.status_code == 403
    assert "staff only" in response.text


async def test_tampered_session_cookie_is_treated_as_signed_out(user: User) -> None:
    await sign_in(user, "ada@example.com")
    user.http_client.cookies.set("portal_session", "forged-token-value")
    response = await user.http_client.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_sign_out_ends_the_session_server_side(user: User) -> None:
    from tests.utils.signin import csrf_token

    await sign_in(user, "ada@example.com")
    old_cookie = user.http_client.cookies.get("portal_session")
    token = await csrf_token(user)
    response = await user.http_client.post("/auth/logout", data={"csrf": token})
    assert response.headers["location"] == "/login?signed_out=1"
    user.http_client.cookies.set("portal_session", old_cookie)  # replaying the old cookie does not work
    response = await user.http_client.get("/")
    assert response.status_code == 303


async def test_session_id_rotates_at_sign_in(user: User) -> None:
    await sign_in(user, "ada@example.com")
    first = user.http_client.cookies.get("portal_session")
    await sign_in(user, "ada@example.com")
    second = user.http_client.cookies.get("portal_session")
    assert first and second and first != second
    user.http_client.cookies.set("portal_session", first)
    assert (await user.http_client.get("/")).status_code == 303


async def test_a_filter_with_very_many_matches_says_more_than(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.categories import registry

    monkeypatch.setattr(registry, "FILTER_COUNT_LIMIT", 100)
    await sign_in(user, "grace@example.com", next_path="/data/usage")
    await user.open("/data/usage")
    await user.should_see("50,000 records")
    user.find(marker="table-usage_event-filter").type("/cart")
    await user.should_see("More than 100 records match")
    await user.should_see("Page 1 of 4+")
