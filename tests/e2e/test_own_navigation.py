"""A page that leaves by its own form post (sign out, start acting for a customer) lands where that post's answer
says, even when the page watcher finds the page's old session ended and sends it elsewhere meanwhile.

The race, made certain: the form's request goes through to the portal (which ends or rotates the session), but its
answer is held back in the browser until the portal has sent the page elsewhere. The page holds that navigation
back once it has started to leave (portal/ui/components/own_navigation.py); without that, the browser aborts the
form's navigation for the watcher's. A CI run on a loaded machine caught exactly that (sign-out ended on "your
session ended", the agent on the sign-in page instead of the customer's overview).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import APIResponse, BrowserContext, Page, Route, expect

from tests.e2e.conftest import Portal
from tests.e2e.flows import path_of, sign_in

ADA = "ada@example.com"
AGENT = "agent@example.com"
LINUS_ID = 3


def _needs_own_log(portal: Portal) -> None:
    if portal.log_path is None:
        pytest.skip(
            f"{portal.url} was started outside this run: its log, which says when it sent the page away, is not here"
        )


def _hold_answers(page: Page, url_glob: str) -> list[tuple[Route, APIResponse]]:
    """Let the form's request reach the portal (which ends the session now) but keep its answer, a redirect, from
    the browser: the list fills with (route, answer) for `_answer_once_the_watcher_spoke`."""
    held: list[tuple[Route, APIResponse]] = []
    page.route(url_glob, lambda route: held.append((route, route.fetch(max_redirects=0))))
    return held


def _answer_once_the_watcher_spoke(
    page: Page, portal: Portal, client_id: str, held: list[tuple[Route, APIResponse]]
) -> None:
    """Once the portal has sent the page away (its log says so; it looks within about a second of the session's end,
    30 s at most) and a second more has passed for that word to cross the local socket, give the browser the form's
    answer and wait for the page it leads to. The extra second can only make the race less certain on a slow
    machine (the test would then pass without the hold), never fail a page that holds."""
    assert portal.log_path is not None
    sent_away = f"a page's session ended: ended (client {client_id})"
    deadline = time.monotonic() + 30
    while not held or sent_away not in portal.log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"answer held: {bool(held)}; the portal never sent the page away"
        page.wait_for_timeout(100)  # Playwright's own wait: the route's callback runs meanwhile
    page.wait_for_timeout(1000)
    route, answer = held[0]
    with page.expect_navigation():
        route.fulfill(response=answer)
    page.wait_for_load_state("load")


def test_own_sign_out_lands_on_signed_out_though_the_watcher_saw_the_session_end(page: Page, portal: Portal) -> None:
    _needs_own_log(portal)
    sign_in(page, ADA)
    expect(page.get_by_test_id("category-card-usage")).to_be_visible()
    client_id = page.evaluate("window.clientId")
    held = _hold_answers(page, "**/auth/logout")

    page.get_by_test_id("header-user-menu").click()
    page.get_by_test_id("logout").click(no_wait_after=True)
    _answer_once_the_watcher_spoke(page, portal, client_id, held)

    assert path_of(page) == "/login?signed_out=1", page.url
    expect(page.get_by_test_id("login-info")).to_have_text("You have signed out.")


def test_agent_who_starts_acting_lands_on_the_customers_overview_though_the_watcher_saw_the_staff_session_end(
    fresh_context: Callable[..., BrowserContext], reset_demo: Callable[[], None], portal: Portal
) -> None:
    _needs_own_log(portal)
    agent = fresh_context().new_page()
    sign_in(agent, AGENT)
    agent.goto("/staff/customers")
    expect(agent.get_by_test_id(f"staff-act-{LINUS_ID}")).to_be_visible()
    client_id = agent.evaluate("window.clientId")
    held = _hold_answers(agent, "**/auth/impersonate/start")

    agent.get_by_test_id(f"staff-act-reason-{LINUS_ID}").fill("ticket CS-4712")
    agent.get_by_test_id(f"staff-act-{LINUS_ID}").click(no_wait_after=True)
    _answer_once_the_watcher_spoke(agent, portal, client_id, held)

    assert path_of(agent) == "/", agent.url
    expect(agent.get_by_test_id("impersonation-banner")).to_be_visible()
