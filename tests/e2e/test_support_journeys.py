"""Support journeys across two people: linus (who granted the support team access, seeded) and the support agent
acting for him under that grant; linus revokes it and the agent is returned to the console without a click.
Plus what an agent may not do without a grant, even with a forged form.

Two browser contexts (own cookie jars) stand for the two people at once. Both journeys use `reset_demo`, so
linus's grant (#1, "view and help", 7 days from the reset) and his data are fresh.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.flows import (
    _ids_of,
    open_identity_form,
    path_of,
    review_identity,
    sign_in,
    wait_until,
)
from tests.e2e.harness import snap

LINUS = "linus@example.com"
LINUS_ID = 3
LINUS_GRANT = 1
ADA_ID = 1
AGENT = "agent@example.com"
AGENT_NAME = "Sam Agent"
REASON = "ticket CS-4711"
NEW_CITY = "Portland"


def _agent_page(fresh_context: Callable[..., BrowserContext]) -> Page:
    agent = fresh_context().new_page()
    sign_in(agent, AGENT)
    assert path_of(agent) == "/staff", agent.url
    agent.goto("/staff/customers")
    expect(agent.get_by_test_id("staff-customers-table")).to_be_visible()
    return agent


def _banner(page: Page, name: str) -> None:
    banner = page.get_by_test_id("impersonation-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Linus Torvalds")
    expect(banner).to_contain_text(f"signed in as {AGENT_NAME}")
    expect(banner).to_contain_text(f"reason: {REASON}")
    snap(page, name)


def test_agent_acts_for_linus_under_his_grant_and_is_returned_when_he_revokes(
    page: Page, fresh_context: Callable[..., BrowserContext], reset_demo: Callable[[], None]
) -> None:
    linus = page
    sign_in(linus, LINUS)
    assert path_of(linus) == "/", linus.url

    agent = _agent_page(fresh_context)
    expect(agent.get_by_test_id(f"staff-customer-{LINUS_ID}")).to_contain_text(LINUS)
    expect(agent.get_by_test_id(f"staff-customer-grant-{LINUS_ID}")).to_contain_text("active until")
    expect(agent.get_by_test_id(f"staff-customer-grant-{LINUS_ID}")).to_contain_text("view and help")
    snap(agent, "support-staff-customers-linus-granted")

    agent.get_by_test_id(f"staff-act-reason-{LINUS_ID}").fill(REASON)
    with agent.expect_navigation():
        agent.get_by_test_id(f"staff-act-{LINUS_ID}").click()
    agent.wait_for_url(re.compile(r"/$"))
    assert path_of(agent) == "/", agent.url
    expect(agent.get_by_test_id("category-card-identity")).to_be_visible()
    _banner(agent, "support-acting-overview")

    # The pages the agent opens, each with the banner; they land in linus's log.
    for path, ready in (
        ("/data/identity", "field-email"),
        ("/consents", "consent-history"),
        ("/requests", None),
        ("/exports", "export-list"),
    ):
        agent.goto(path)
        if ready:
            expect(agent.get_by_test_id(ready).first).to_be_visible()
        _banner(agent, f"support-acting{path.replace('/', '-')}")
    # Never a download while acting (linus has no export yet: the list must hold no download button either way).
    expect(agent.locator('[data-testid^="export-download-"]')).to_have_count(0)
    expect(agent.get_by_test_id("nav-withdraw")).to_have_count(0)
    expect(agent.get_by_test_id("nav-support-access")).to_have_count(0)

    # A correction on linus's behalf.
    agent.goto("/data/identity")
    _banner(agent, "support-acting-identity-before-correction")
    open_identity_form(agent)
    expect(agent.get_by_test_id("identity-input-email")).to_be_disabled()
    review_identity(agent, city=NEW_CITY)
    expect(agent.get_by_test_id("identity-change-city")).to_contain_text(f"→ {NEW_CITY}")
    snap(agent, "support-acting-identity-review")
    agent.get_by_test_id("identity-submit").click()
    expect(agent.get_by_test_id("identity-dialog")).to_be_hidden()
    expect(agent.locator(".q-notification").filter(has_text="Your correction was filed")).to_be_visible()
    snap(agent, "support-acting-correction-filed")

    # What an acting agent may not open.
    for path in ("/withdraw", "/account", "/support-access"):
        response = agent.goto(path)
        assert response is not None and response.status == 403, f"{path} answered {response and response.status}"
        # inside the shell, with the banner and its way out (a bare page in another font had neither)
        expect(agent.get_by_test_id("problem")).to_be_visible()
        expect(agent.locator("body")).to_contain_text("Not while acting")
        expect(agent.get_by_test_id("impersonation-banner")).to_be_visible()
        expect(agent.get_by_test_id("impersonation-stop")).to_be_visible()
        expect(agent.get_by_test_id("nav-overview")).to_be_visible()
        snap(agent, f"support-acting-{path.strip('/')}-refused")

    agent.goto("/exports")
    expect(agent.get_by_test_id("export-list")).to_be_visible()
    expect(agent.locator('[data-testid^="export-download-"]')).to_have_count(0)
    _banner(agent, "support-acting-exports-no-download")

    # linus revokes; the agent's page (no click) is returned to the console within seconds.
    linus.goto("/support-access")
    expect(linus.get_by_test_id(f"support-grant-{LINUS_GRANT}")).to_be_visible()
    snap(linus, "support-access-grant-active")
    linus.get_by_test_id(f"support-grant-revoke-{LINUS_GRANT}").click()
    expect(linus.get_by_test_id("support-revoke-dialog")).to_be_visible()
    linus.get_by_test_id("support-revoke-confirm").click()
    expect(linus.get_by_test_id("support-revoke-dialog")).to_be_hidden()
    expect(linus.get_by_test_id(f"support-grant-status-{LINUS_GRANT}")).to_contain_text("revoked")
    snap(linus, "support-access-grant-revoked")

    agent.wait_for_url(re.compile(r"/staff/customers\?ended="), timeout=10_000)
    message = agent.get_by_test_id("staff-customers-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("revoked")
    expect(agent.get_by_test_id("impersonation-banner")).to_have_count(0)
    expect(agent.get_by_test_id("header-user-menu")).to_contain_text(AGENT_NAME)
    expect(agent.get_by_test_id(f"staff-customer-grant-{LINUS_ID}")).to_have_text("no grant")
    snap(agent, "support-agent-returned-after-revocation")

    # linus's log: the session, its reason, the pages and the correction.
    linus.reload()
    log = linus.get_by_test_id("support-log")
    expect(log).to_be_visible()
    sessions = _ids_of(linus, "support-session-reason-")
    assert len(sessions) == 1, f"expected one support session in linus's log, found {sorted(sessions)}"
    session_id = sessions.pop()
    expect(linus.get_by_test_id(f"support-session-reason-{session_id}")).to_have_text(REASON)
    pages = linus.get_by_test_id(f"support-session-pages-{session_id}")
    expect(pages).to_contain_text(re.compile(r"\d+ pages"))
    count = int(re.search(r"(\d+) pages", pages.inner_text()).group(1))  # type: ignore[union-attr]
    assert count >= 3, f"the log lists {count} pages viewed: {pages.inner_text()!r}"
    actions = linus.get_by_test_id(f"support-session-actions-{session_id}")
    expect(actions).to_contain_text(re.compile(r"rectification|correction", re.IGNORECASE))
    expect(linus.get_by_test_id(f"support-session-ended-{session_id}")).to_contain_text("you revoked the grant")
    snap(linus, "support-access-log-after-session")

    linus.goto("/requests")
    rows = linus.locator('[data-testid^="request-row-"]').filter(
        has_text=re.compile(r"rectification|correction", re.IGNORECASE)
    )
    expect(rows).to_have_count(1)
    snap(linus, "support-linus-requests-with-correction")
    with linus.expect_navigation():
        rows.first.locator('[data-testid^="request-link-"]').click()
    expect(linus.get_by_test_id("request-type")).to_be_visible()
    expect(linus.get_by_test_id("request-filed-by-support")).to_be_visible()
    expect(linus.get_by_test_id("request-filed-by-support")).to_contain_text(
        "filed by support on your behalf", ignore_case=True
    )
    snap(linus, "support-linus-correction-detail")


def test_agent_cannot_act_without_a_grant(page: Page, reset_demo: Callable[[], None]) -> None:
    agent = page
    sign_in(agent, AGENT)
    agent.goto("/staff/customers")
    expect(agent.get_by_test_id(f"staff-customer-{ADA_ID}")).to_be_visible()
    expect(agent.get_by_test_id(f"staff-customer-grant-{ADA_ID}")).to_have_text("no grant")
    expect(agent.get_by_test_id(f"staff-act-{ADA_ID}")).to_have_count(0)
    expect(agent.get_by_test_id(f"staff-act-reason-{ADA_ID}")).to_have_count(0)
    expect(agent.get_by_test_id(f"staff-ask-{ADA_ID}")).to_be_visible()
    snap(agent, "support-ada-no-grant")

    # 1. A forged POST without a valid form token (the page's cookies go with it).
    response = agent.request.post(
        "/auth/impersonate/start",
        max_redirects=0,
        form={"csrf": "forged", "customer_id": str(ADA_ID), "reason": "forged request"},
    )
    assert response.status == 303, response.status
    location = response.headers.get("location", "")
    assert location.startswith("/staff/customers?error="), location
    agent.goto(location)
    expect(agent.get_by_test_id("staff-customers-message")).to_be_visible()
    expect(agent.get_by_test_id("impersonation-banner")).to_have_count(0)
    snap(agent, "support-forged-post-without-token")

    # 2. A real form from this page (the valid token of the header's sign-out form), naming ada: no grant, refused.
    agent.goto("/staff/customers")
    expect(agent.get_by_test_id("staff-customers-table")).to_be_visible()
    token = agent.locator("input[type=hidden][name=csrf]").first.get_attribute("value")
    assert token, "no form token on /staff/customers"
    with agent.expect_navigation():
        agent.evaluate(
            """([token, customer]) => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = '/auth/impersonate/start';
            for (const [name, value] of [['csrf', token], ['customer_id', customer], ['reason', 'ticket CS-9999']]) {
                const input = document.createElement('input');
                input.type = 'hidden'; input.name = name; input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
            [token, str(ADA_ID)],
        )
    agent.wait_for_load_state("load")
    assert path_of(agent).startswith("/staff/customers?error=refused"), agent.url
    message = agent.get_by_test_id("staff-customers-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Acting as the customer was refused.")
    expect(agent.get_by_test_id("impersonation-banner")).to_have_count(0)
    expect(agent.get_by_test_id("header-user-menu")).to_contain_text(AGENT_NAME)
    snap(agent, "support-forged-form-refused")

    # Still the agent's own session: the customer overview is not theirs to see.
    agent.goto("/")
    wait_until(lambda: path_of(agent) == "/staff", "the agent to be sent on to /staff")
    expect(agent.get_by_test_id("impersonation-banner")).to_have_count(0)
