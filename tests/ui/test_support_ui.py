"""Simulated-user tests for support access: the agent acts as linus under his grant (a real POST that rotates the
session), sees the banner, is refused the forbidden pages; refusals by GET or by a customer; and with two users at
once, linus revokes while the agent is acting and the agent's session ends, back in the staff console."""

from __future__ import annotations

from collections.abc import Callable

from nicegui.testing import User
from sqlmodel import Session, select

from portal.db import get_engine
from portal.models import AuditEvent, SupportGrant, SupportSession
from portal.services.support_access import support
from portal.ui.acting_refusal import message_for
from tests.utils.principals import ADA, AGENT, LINUS, principal_for
from tests.utils.signin import csrf_token, sign_in

REASON = "ticket CS-4711"
LINUS_GRANT = 1


async def start_acting(user: User, customer_id: int = LINUS, reason: str = REASON) -> str:
    """Post the staff console's start form as the browser would; returns where the portal redirected."""
    response = await user.http_client.post(
        "/auth/impersonate/start",
        data={"csrf": await csrf_token(user), "customer_id": str(customer_id), "reason": reason},
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def support_sessions() -> list[SupportSession]:
    with Session(get_engine()) as session:
        return list(session.exec(select(SupportSession).order_by(SupportSession.id)))


def refusals() -> int:
    with Session(get_engine()) as session:
        return len(session.exec(select(AuditEvent).where(AuditEvent.action == "support.start_refused")).all())


async def test_agent_acts_as_linus_sees_the_banner_and_is_refused_forbidden_pages(user: User) -> None:
    await sign_in(user, "agent@example.com")
    agent_cookie = user.http_client.cookies.get("portal_session")
    assert await start_acting(user) == "/"
    acting_cookie = user.http_client.cookies.get("portal_session")
    assert acting_cookie and acting_cookie != agent_cookie  # the session rotated
    await user.open("/")
    await user.should_see(marker="impersonation-banner")
    await user.should_see(marker="impersonation-stop")
    await user.should_see("You are acting as Linus Torvalds")
    await user.should_see("Linus Torvalds")
    await user.should_not_see(marker="nav-support-access")
    await user.should_not_see(marker="nav-withdraw")
    await user.open("/consents")
    await user.should_see(marker="impersonation-banner")
    for path in ("/withdraw", "/support-access", "/account", "/staff", "/staff/customers"):
        response = await user.http_client.get(path)
        assert response.status_code == 403, path
        assert "Not while acting as a customer" in response.text
        # inside the portal's shell, with the banner and its way out, not a bare page in another font
        for testid in ("impersonation-banner", "impersonation-stop", "nav-overview", "problem", "problem-way-on"):
            assert f'"{testid}"' in response.text, (path, testid)
        assert message_for(path).split(":")[0] in response.text, path  # the words for that page
    with Session(get_engine()) as session:
        viewed = session.exec(select(AuditEvent).where(AuditEvent.action == "support.page_viewed")).all()
    assert {e.details["path"] for e in viewed} >= {"/", "/consents"}
    assert {(e.actor_id, e.subject_id, e.grant_id) for e in viewed} == {(AGENT, LINUS, LINUS_GRANT)}

    response = await user.http_client.post("/auth/impersonate/stop", data={"csrf": await csrf_token(user)})
    assert response.headers["location"] == "/staff/customers?ended=stopped"
    await user.open("/staff/customers?ended=stopped")
    await user.should_see("You stopped acting as the customer")
    await user.should_not_see(marker="impersonation-banner")
    assert support_sessions()[-1].end_reason == "stopped"


async def test_starting_by_get_is_refused(user: User) -> None:
    await sign_in(user, "agent@example.com")
    response = await user.http_client.get("/auth/impersonate/start?customer_id=3&reason=ticket+CS-4711")
    assert response.status_code == 405
    assert support_sessions() == []


async def test_a_customer_posting_the_start_form_is_refused(user: User) -> None:
    await sign_in(user, "ada@example.com")
    before = refusals()
    assert await start_acting(user) == "/staff/customers?error=refused"
    assert refusals() == before + 1
    assert support_sessions() == []
    await user.open("/")
    await user.should_not_see(marker="impersonation-banner")
    await user.should_see("Ada Lovelace")


async def test_refusals_come_back_to_the_console_with_the_reason(user: User) -> None:
    await sign_in(user, "agent@example.com")
    assert await start_acting(user, customer_id=ADA) == "/staff/customers?error=refused"
    await user.open("/staff/customers?error=refused")
    await user.should_see(marker="staff-customers-message")
    await user.should_see("has not granted support access")
    assert await start_acting(user, reason=" ") == "/staff/customers?error=refused"
    await user.open("/staff/customers?error=refused")
    await user.should_see("Give a reason")
    response = await user.http_client.post(
        "/auth/impersonate/start",
        data={  # no CSRF token
            "customer_id": "3",
            "reason": REASON,
        },
    )
    assert response.headers["location"] == "/staff/customers?error=expired"
    assert support_sessions() == []
    assert refusals() == 2
    await user.open("/")  # still the agent, not acting
    await user.should_not_see(marker="impersonation-banner")


async def test_starting_while_acting_is_refused(user: User) -> None:
    await sign_in(user, "agent@example.com")
    assert await start_acting(user) == "/"
    before = refusals()
    assert await start_acting(user) == "/staff/customers?error=refused"
    assert await start_acting(user, customer_id=ADA) == "/staff/customers?error=refused"
    assert refusals() == before + 2
    assert len(support_sessions()) == 1
    await user.open("/")  # still acting as linus, in the same session
    await user.should_see(marker="impersonation-banner")


async def test_customer_revokes_while_the_agent_is_acting(user: User, create_user: Callable[[], User]) -> None:
    agent = user
    linus = create_user()
    await sign_in(agent, "agent@example.com")
    await sign_in(linus, "linus@example.com")
    assert await start_acting(agent) == "/"
    await agent.open("/")
    await agent.should_see(marker="impersonation-banner")

    await linus.open("/support-access")
    await linus.should_see(marker=f"support-grant-{LINUS_GRANT}")
    await linus.should_see(marker="support-session-1")  # the running session, live
    linus.find(marker=f"support-grant-revoke-{LINUS_GRANT}").click()
    await linus.should_see(marker="support-revoke-confirm")
    linus.find(marker="support-revoke-confirm").click()
    await linus.should_see("Access revoked")

    # Without a click: the open page's session check sends the agent back to the console within seconds.
    await agent.should_see(marker="staff-customers-message")
    await agent.should_see("the customer revoked the grant")
    await agent.should_not_see(marker="impersonation-banner")
    await agent.should_see("Sam Agent")

    # And on the next request: the console, as the agent, with the reason why.
    response = await agent.http_client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/staff"  # the agent's own home
    assert support_sessions()[-1].end_reason == "grant_revoked"

    await linus.open("/support-access")
    await linus.should_see(marker="support-log")
    await linus.should_see(marker="support-session-1")
    await linus.should_see(REASON)
    await linus.should_see("you revoked the grant")
    await linus.should_see("revoked")


async def test_the_agents_next_request_after_a_revoke_goes_to_the_console(user: User) -> None:
    await sign_in(user, "agent@example.com")
    assert await start_acting(user) == "/"
    support.revoke_grant(principal_for(LINUS), LINUS_GRANT)
    response = await user.http_client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/customers?ended=grant_revoked"
    await user.open("/staff/customers?ended=grant_revoked")
    await user.should_see("Your session as the customer ended: the customer revoked the grant.")
    await user.should_see("Sam Agent")  # signed in as the agent again
    await user.should_not_see(marker="impersonation-banner")
    response = await user.http_client.get("/staff")
    assert response.status_code == 200


async def test_customer_grants_access_on_the_page_and_the_agent_sees_it(
    user: User, create_user: Callable[[], User]
) -> None:
    ada = user
    agent = create_user()
    await sign_in(ada, "ada@example.com")
    await ada.open("/support-access")
    await ada.should_see(marker="support-grants-empty")
    next(iter(ada.find(marker="support-grant-duration").elements)).value = "24h"  # type: ignore[attr-defined]
    next(iter(ada.find(marker="support-grant-scope").elements)).value = "help"  # type: ignore[attr-defined]
    ada.find(marker="support-grant-ticket").type("CS-1001")
    ada.find(marker="support-grant-submit").click()
    await ada.should_see("Support access given for 24 hours.")
    with Session(get_engine()) as session:
        grant = session.exec(select(SupportGrant).where(SupportGrant.customer_id == ADA)).one()
    assert (grant.scope, grant.ticket_ref) == ("help", "CS-1001")
    await ada.should_see(marker=f"support-grant-{grant.id}")
    await ada.should_see(marker=f"support-grant-revoke-{grant.id}")

    await sign_in(agent, "agent@example.com")
    await agent.open("/staff/customers")
    await agent.should_see(marker=f"staff-customer-{ADA}")
    await agent.should_see(marker=f"staff-act-{ADA}")
    await agent.should_see(marker=f"staff-act-reason-{ADA}")
    grant_cell = next(iter(agent.find(marker=f"staff-customer-grant-{ADA}").elements))
    texts = [getattr(child, "text", "") for child in grant_cell.descendants()]
    assert any(t.startswith("active until") and "(view and help)" in t for t in texts), texts
    await agent.should_see(marker="staff-ask-2")  # grace has no grant: the agent can ask
    await agent.should_not_see(marker="staff-act-2")


async def test_agent_asks_and_the_customer_accepts(user: User, create_user: Callable[[], User]) -> None:
    agent = user
    grace = create_user()
    await sign_in(agent, "agent@example.com")
    await agent.open("/staff/customers")
    await agent.should_see(marker="staff-customer-1")
    agent.find(marker="staff-customers-search").type("grace")
    await agent.should_not_see(marker="staff-customer-1")
    await agent.should_see(marker="staff-customer-2")
    agent.find(marker="staff-ask-2").click()
    await agent.should_see(marker="staff-ask-reason")
    agent.find(marker="staff-ask-send").click()  # no reason yet: refused in the dialog
    await agent.should_see(marker="staff-ask-reason")
    agent.find(marker="staff-ask-reason").type("ticket CS-2002: her export")
    agent.find(marker="staff-ask-send").click()
    await agent.should_see("Asked Grace Hopper for access")

    await sign_in(grace, "grace@example.com")
    await grace.open("/support-access")
    await grace.should_see("ticket CS-2002: her export")
    grace.find(marker="support-ask-accept-1").click()
    await grace.should_see("Access given.")
    await grace.should_not_see(marker="support-ask-1")
    with Session(get_engine()) as session:
        grant = session.exec(select(SupportGrant).where(SupportGrant.customer_id == 2)).one()
    assert (grant.scope, grant.ask_id) == ("view", 1)


async def test_dpo_sees_customers_but_cannot_act_or_ask(user: User) -> None:
    await sign_in(user, "dpo@example.com")
    await user.open("/staff/customers")
    await user.should_see(marker="staff-customers-note")
    await user.should_see(marker=f"staff-customer-{LINUS}")
    await user.should_not_see(marker=f"staff-act-{LINUS}")
    await user.should_not_see(marker="staff-ask-2")


async def test_sign_out_everywhere_ends_the_customers_sessions(user: User) -> None:
    await sign_in(user, "linus@example.com")
    await user.open("/support-access")
    await user.should_see(marker="support-sign-out-everywhere")
    user.find(marker="support-sign-out-everywhere").click()
    await user.should_see(marker="login-info")
    response = await user.http_client.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
