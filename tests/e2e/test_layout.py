"""The layout walk (#21): every page, signed out and as each demo role (customer ada, agent, privacy officer), at 1024,
1440 and 1920 px wide: the page never scrolls sideways, no table cell is cut off (unless its table scrolls inside
its card), no field's label lies over its text (layout_checks.py), and, at 1024 px, axe finds nothing serious or
critical (test_accessibility.py runs it at 1280 px). A
full-page screenshot of every page at every width goes to artifacts/screenshots/layout-<width>-<who>-<page>.jpg.

Kept cheap: one test per width (pytest-xdist spreads them), one browser context per role and width, the pages of a
role visited in turn. No data is changed, except that ada files one restriction if she has no request yet (a request
page and its staff page are part of the walk)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.flows import CATEGORY_KEYS, _ids_of, file_restriction, sign_in, signed_in_page, transitions_done
from tests.e2e.harness import snap
from tests.e2e.layout_checks import layout_problems
from tests.e2e.test_accessibility import BLOCKING

WIDTHS = (1024, 1440, 1920)
HEIGHT = 900
AXE_IMPACTS = BLOCKING
# axe at the narrowest width, where the layout differs most (the menu a rail, the policy under the tables, tables
# scrolling): test_accessibility.py runs it on the same pages at Playwright's 1280 px, and a run costs about a second.
AXE_WIDTHS = (1024,)

# (path, a test id shown once the page has settled); "{request}" is a request of ada's.
PUBLIC = [
    ("/login", "login-email"),
    ("/forgot-password", "forgot-email"),
    ("/reset-password?token=not-a-link", "reset-result"),
    ("/confirm-email?token=not-a-link", "confirm-email-result"),
    ("/cancel-email-change?token=not-a-link", "cancel-email-result"),
    ("/receipts/verify", "receipt-verify"),
]
CUSTOMER = [
    ("/", "overview-activity"),
    *[(f"/data/{key}", "category-policy") for key in CATEGORY_KEYS],
    ("/consents", "consent-history"),
    ("/exports", "export-list"),
    ("/requests", "requests-list"),
    ("/requests/{request}", "request-summary"),
    ("/activity", "activity-table"),
    ("/support-access", "support-log"),
    ("/withdraw", "withdraw-form"),
    ("/account", "password-form"),
]
STAFF = [
    ("/staff", "staff-queue"),
    ("/staff/requests/{request}", "staff-actions"),
    ("/staff/customers", "staff-customers-table"),
    ("/staff/outbox", "outbox-refresh"),
    ("/staff/notices", "notices-filter"),
    ("/account", "password-form"),
]
OFFICER = [*STAFF, ("/staff/audit", "audit-table")]
AGENT = [*STAFF, ("/staff/audit", "audit-denied")]


def _ada_request(page: Page) -> int:
    """One of ada's requests: the newest she has, or a restriction filed now."""
    page.goto("/requests")
    expect(page.get_by_test_id("requests-list")).to_be_visible()
    existing = _ids_of(page, "request-row-")
    return max(existing) if existing else file_restriction(page, "usage", "Layout walk: a request to look at.")


def _walk(
    page: Page, who: str, width: int, pages: list[tuple[str, str]], request: int, axe: Axe | None, tag: str = ""
) -> list[str]:
    """Visits the pages in turn: screenshots, the layout checks, and axe at AXE_WIDTHS (unless `axe` is None).
    `tag` names the walk in labels and screenshots (the language of a translated walk)."""
    problems: list[str] = []
    for path, ready in pages:
        path = path.format(request=request)
        name = re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].lower()).strip("-") or "overview"
        label = f"{width} px, {tag + ', ' if tag else ''}{who}, {path}"
        page.goto(path)
        expect(page.get_by_test_id(ready).first).to_be_visible()
        expect(page.locator(".q-skeleton")).to_have_count(0)
        transitions_done(page)
        # The translated walks keep what the window shows: their full pages are the English walk's, only longer.
        snap(page, f"layout-{width}-{tag + '-' if tag else ''}{who}-{name}", full_page=not tag)
        problems += layout_problems(page, label)
        if axe is None or width not in AXE_WIDTHS:
            continue
        for violation in axe.run(page).response["violations"]:
            if violation.get("impact") in AXE_IMPACTS:
                nodes = [" ".join(str(t) for t in node.get("target", [])) for node in violation.get("nodes", [])[:3]]
                problems.append(f"{label}: axe {violation['impact']} {violation['id']} on {nodes}")
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_every_width(width: int, fresh_context: Callable[..., BrowserContext]) -> None:
    axe = Axe()
    viewport = {"width": width, "height": HEIGHT}
    problems: list[str] = []

    public = fresh_context(viewport=viewport).new_page()
    problems += _walk(public, "signed-out", width, PUBLIC, 0, axe)

    ada = signed_in_page(fresh_context, "ada@example.com", viewport=viewport)
    request = _ada_request(ada)
    # Below 1280 px the menu starts as a rail of icons, and its links stay reachable.
    rail = ada.locator(".q-drawer--mini")
    expect(rail).to_have_count(1 if width < 1280 else 0)
    expect(ada.get_by_test_id("nav-data-usage")).to_be_visible()
    problems += _walk(ada, "ada", width, CUSTOMER, request, axe)

    for who, pages in (("agent", AGENT), ("dpo", OFFICER)):
        staff = signed_in_page(fresh_context, f"{who}@example.com", viewport=viewport)
        problems += _walk(staff, who, width, pages, request, axe)

    assert not problems, f"{len(problems)} layout problems:\n" + "\n".join(problems)


def test_the_menu_button_switches_between_rail_and_drawer_and_the_choice_is_remembered(page: Page) -> None:
    page.set_viewport_size({"width": 1024, "height": HEIGHT})
    sign_in(page, "ada@example.com")
    drawer = page.locator(".q-drawer")
    expect(drawer).to_have_class(re.compile(r"q-drawer--mini"))  # a rail below 1280 px, nobody having chosen
    # The browser renders the links from the items it is sent: the page's own is marked, for eyes and screen readers.
    current = drawer.locator('[aria-current="page"]')
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("data-testid", "nav-overview")
    expect(current).to_have_class(re.compile(r"q-item--active"))
    label = page.get_by_test_id("nav-data-usage").get_by_text("Usage data")
    expect(label).to_be_hidden()
    page.get_by_test_id("header-nav-toggle").click()
    expect(drawer).not_to_have_class(re.compile(r"q-drawer--mini"))
    expect(label).to_be_visible()
    snap(page, "layout-1024-menu-opened")
    page.goto("/data/usage")  # remembered in this browser
    expect(page.get_by_test_id("category-policy")).to_be_visible()
    expect(page.locator(".q-drawer")).not_to_have_class(re.compile(r"q-drawer--mini"))
    page.get_by_test_id("header-nav-toggle").click()
    expect(page.locator(".q-drawer")).to_have_class(re.compile(r"q-drawer--mini"))
    page.get_by_test_id("nav-data-technical").click()  # a rail link is a link
    page.wait_for_url("**/data/technical")
    expect(page.locator(".q-drawer")).to_have_class(re.compile(r"q-drawer--mini"))
