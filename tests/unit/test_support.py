"""Support access: the grant rules, every refusal to start acting (each audited, nothing changed), session rotation,
expiry at the boundary, revocation and sign-out mid-session, agent deactivation, scopes and the acts forbidden
whatever the scope, and what the customer sees of it all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.jobs import register_all
from portal.models import (
    AccessAsk,
    Account,
    AuditEvent,
    AuthSession,
    Notification,
    PrivacyRequest,
    SupportGrant,
    SupportSession,
)
from portal.models.types import utcnow
from portal.services import access
from portal.services.identity import sessions
from portal.services.identity.live_session import principal_for_token
from portal.services.identity.principal import Principal
from portal.services.rights import consents, erasure, exports, rectification
from portal.services.support_access import support, support_acting
from tests.utils.clock import shift_portal_clock
from tests.utils.principals import ADA, AGENT, DPO, LINUS, principal_for, session_token_for

LINUS_GRANT = 1  # seeded: linus granted "help" for 7 days
REASON = "ticket CS-4711"


@pytest.fixture(autouse=True)
def _env(portal_env: Path) -> None:
    register_all()


def start(token: str, customer_id: int = LINUS, reason: str = REASON) -> str:
    return support_acting.start_acting(
        settings=get_settings(), agent_token=token, customer_id=customer_id, reason=reason
    )


def resolve(token: str | None) -> Principal | None:
    return principal_for_token(get_settings(), token)


def acting_as_linus(scope: str = "help") -> tuple[Principal, str]:
    if scope != "help":
        set_grant(scope=scope)
    token = start(session_token_for(AGENT))
    principal = resolve(token)
    assert principal is not None and principal.acting is not None
    return principal, token


def set_grant(grant_id: int = LINUS_GRANT, **values: object) -> None:
    with session_scope() as session:
        grant = session.get(SupportGrant, grant_id)
        assert grant is not None
        for name, value in values.items():
            setattr(grant, name, value)
        session.add(grant)


def set_deactivated(account_id: int) -> None:
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None
        account.deactivated_at = utcnow()
        session.add(account)


def count(model: type, *where: object) -> int:
    with Session(get_engine()) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()  # type: ignore[arg-type]


def events(action: str) -> list[AuditEvent]:
    with Session(get_engine()) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def support_session(session_id: int) -> SupportSession:
    with Session(get_engine()) as session:
        row = session.get(SupportSession, session_id)
        assert row is not None
        return row


def row_of(token: str) -> AuthSession:
    with Session(get_engine()) as session:
        row = session.get(AuthSession, sessions.hash_token(token))
        assert row is not None
        return row


# --- grants ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", list(support.DURATIONS))
def test_a_customer_grants_each_bounded_duration(duration: str) -> None:
    before = utcnow()
    grant_id = support.grant_access(principal_for(ADA), duration=duration, scope="view", ticket_ref="  CS  1 ")
    with Session(get_engine()) as session:
        grant = session.get(SupportGrant, grant_id)
        assert grant is not None and grant.customer_id == ADA and grant.scope == "view" and grant.ticket_ref == "CS 1"
        assert before + support.DURATIONS[duration] <= grant.expires_at <= utcnow() + support.DURATIONS[duration]
    given = events("support.grant_given")[-1]
    assert (given.actor_id, given.subject_id, given.target_id) == (ADA, ADA, str(grant_id))


@pytest.mark.parametrize(
    ("duration", "scope"),
    [("forever", "view"), ("30d", "help"), ("", "view"), ("1h", "admin"), ("1h", ""), ("7d", "all")],
)
def test_an_unknown_duration_or_scope_is_refused(duration: str, scope: str) -> None:
    grants = count(SupportGrant)
    with pytest.raises(access.SupportError):
        support.grant_access(principal_for(ADA), duration=duration, scope=scope)
    assert count(SupportGrant) == grants


def test_staff_cannot_grant_revoke_or_answer_asks() -> None:
    ask_id = support_acting.ask_for_access(principal_for(AGENT), ADA, "ticket CS-1")
    for staff in (principal_for(AGENT), principal_for(DPO)):
        with pytest.raises(access.SupportError, match="Only customers"):
            support.grant_access(staff, duration="1h", scope="view")
        with pytest.raises(access.SupportError):
            support.revoke_grant(staff, LINUS_GRANT)
        with pytest.raises(access.SupportError):
            support.answer_ask(staff, ask_id, accept=True)
    assert count(SupportGrant) == 1


def test_an_acting_session_can_never_create_extend_revoke_or_accept_a_grant() -> None:
    ask_id = support_acting.ask_for_access(principal_for(AGENT), LINUS, "ticket CS-2")
    principal, _ = acting_as_linus()
    with pytest.raises(access.SupportError, match="on a customer's behalf"):
        support.grant_access(principal, duration="7d", scope="help")
    with pytest.raises(access.SupportError, match="on a customer's behalf"):
        support.revoke_grant(principal, LINUS_GRANT)
    with pytest.raises(access.SupportError, match="on a customer's behalf"):
        support.answer_ask(principal, ask_id, accept=True, duration="7d", scope="help")
    with pytest.raises(access.SupportError):
        support.sign_out_everywhere(principal)
    with pytest.raises(access.SupportError):
        access.check(principal, access.Audience.CUSTOMER, act="manage_grants")
    assert count(SupportGrant) == 1
    with Session(get_engine()) as session:
        ask = session.get(AccessAsk, ask_id)
        assert ask is not None and ask.status == "pending"


def test_a_customer_revokes_only_their_own_grant() -> None:
    with pytest.raises(access.SupportError, match="no such grant"):
        support.revoke_grant(principal_for(ADA), LINUS_GRANT)
    support.revoke_grant(principal_for(LINUS), LINUS_GRANT)
    with Session(get_engine()) as session:
        grant = session.get(SupportGrant, LINUS_GRANT)
        assert grant is not None and grant.revoked_at is not None


def test_an_ask_is_accepted_into_a_grant_declined_or_lapses() -> None:
    agent = principal_for(AGENT)
    accepted = support_acting.ask_for_access(agent, ADA, "ticket CS-3")
    declined = support_acting.ask_for_access(agent, ADA, "ticket CS-4")
    lapsed = support_acting.ask_for_access(agent, ADA, "ticket CS-5")
    with session_scope() as session:
        ask = session.get(AccessAsk, lapsed)
        assert ask is not None
        ask.expires_at = utcnow() - timedelta(seconds=1)
        session.add(ask)
    ada = principal_for(ADA)
    assert [a.id for a in support.overview(ada)[1]] == [accepted, declined]
    support.answer_ask(ada, accepted, accept=True, duration="24h", scope="help")
    support.answer_ask(ada, declined, accept=False)
    with pytest.raises(access.SupportError, match="expired or was already answered"):
        support.answer_ask(ada, lapsed, accept=True)
    with pytest.raises(access.SupportError, match="expired or was already answered"):
        support.answer_ask(ada, declined, accept=True)
    grants, asks, _ = support.overview(ada)
    assert asks == []
    assert [(g.grant.scope, g.grant.ask_id, g.active) for g in grants] == [("help", accepted, True)]
    with pytest.raises(access.SupportError):
        support_acting.ask_for_access(agent, ADA, "  ")
    with pytest.raises(access.SupportError):
        support_acting.ask_for_access(principal_for(DPO), ADA, "ticket CS-6")


# --- starting to act: every refusal is audited and changes nothing ----------------------------------------------


def _revoke_linus() -> None:
    support.revoke_grant(principal_for(LINUS), LINUS_GRANT)


def _expire_linus() -> None:
    set_grant(expires_at=utcnow() - timedelta(seconds=1))


REFUSALS: dict[str, tuple[Callable[[], None] | None, int, int, str, str]] = {
    # case: (setup, actor, customer, reason, message)
    "no grant": (None, AGENT, ADA, REASON, "has not granted"),
    "expired grant": (_expire_linus, AGENT, LINUS, REASON, "has not granted"),
    "revoked grant": (_revoke_linus, AGENT, LINUS, REASON, "has not granted"),
    "empty reason": (None, AGENT, LINUS, "", "Give a reason"),
    "blank reason": (None, AGENT, LINUS, "   \n ", "Give a reason"),
    "too short reason": (None, AGENT, LINUS, " ab ", "Give a reason"),
    "customer as actor": (None, ADA, LINUS, REASON, "Only support agents"),
    "dpo as actor": (None, DPO, LINUS, REASON, "Only support agents"),
    "acting as oneself": (None, AGENT, AGENT, REASON, "cannot act as yourself"),
    "staff target": (None, AGENT, DPO, REASON, "only as a customer"),
    "unknown target": (None, AGENT, 999_999, REASON, "only as a customer"),
    "deactivated customer": (lambda: set_deactivated(LINUS), AGENT, LINUS, REASON, "closed"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_start_is_refused_audited_and_changes_nothing(case: str) -> None:
    setup, actor, customer, reason, message = REFUSALS[case]
    if setup is not None:
        setup()
    token = session_token_for(actor)
    before = (
        count(SupportSession),
        count(AuthSession),
        count(AuthSession, AuthSession.revoked_at.is_(None)),  # type: ignore[union-attr]
        len(events("support.start_refused")),
        count(Notification),
    )
    with pytest.raises(access.SupportError, match=message):
        start(token, customer, reason)
    after = (
        count(SupportSession),
        count(AuthSession),
        count(AuthSession, AuthSession.revoked_at.is_(None)),  # type: ignore[union-attr]
        len(events("support.start_refused")),
        count(Notification),
    )
    assert after == (before[0], before[1], before[2], before[3] + 1, before[4])
    refused = events("support.start_refused")[-1]
    assert (refused.actor_id, refused.subject_id) == (actor, customer)
    assert refused.details["why"]
    still = resolve(token)  # the actor's own session is untouched: not rotated, not acting
    assert still is not None and still.account_id == actor and still.acting is None


def test_starting_while_already_acting_is_refused() -> None:
    principal, token = acting_as_linus()
    before = (count(SupportSession), count(AuthSession), len(events("support.start_refused")))
    with pytest.raises(access.SupportError, match="already acting"):
        start(token, LINUS)
    with pytest.raises(access.SupportError, match="already acting"):
        start(token, ADA)
    assert (count(SupportSession), count(AuthSession), len(events("support.start_refused"))) == (
        before[0],
        before[1],
        before[2] + 2,
    )
    again = resolve(token)
    assert again is not None and again.acting == principal.acting


def test_starting_without_a_session_is_refused() -> None:
    with pytest.raises(access.SupportError, match="sign in again"):
        start("not-a-token")
    assert count(SupportSession) == 0
    assert events("support.start_refused")[-1].actor_id is None


def test_a_deactivated_agent_cannot_start() -> None:
    token = session_token_for(AGENT)
    set_deactivated(AGENT)
    with pytest.raises(access.SupportError):
        start(token)
    assert count(SupportSession) == 0


# --- acting ------------------------------------------------------------------------------------------------------


def test_start_rotates_the_session_and_acts_as_the_customer_under_the_grant() -> None:
    agent_token = session_token_for(AGENT)
    token = start(agent_token, reason="  ticket   CS-4711 ")
    assert token != agent_token
    assert resolve(agent_token) is None  # rotated: the agent's old cookie is dead
    principal = resolve(token)
    assert principal is not None
    assert (principal.account_id, principal.role, principal.display_name) == (LINUS, "customer", "Linus Torvalds")
    acting = principal.acting
    assert acting is not None
    assert (acting.agent_id, acting.grant_id, acting.scope, acting.reason) == (
        AGENT,
        LINUS_GRANT,
        "help",
        "ticket CS-4711",
    )
    assert principal.actor().account_id == AGENT and principal.actor().grant_id == LINUS_GRANT
    row = row_of(token)
    assert row.account_id == AGENT and row.acting_customer_id == LINUS
    assert row.expires_at <= utcnow() + support.MAX_ACTING
    started = events("support.session_started")[-1]
    assert (started.actor_id, started.subject_id, started.grant_id) == (AGENT, LINUS, LINUS_GRANT)


def test_expiry_at_the_boundary_ends_the_session_and_rotates_back_to_the_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    # The grant runs out 60 s from now: the first half runs well inside it however busy the machine is, and then
    # the portal's clock is moved past it instead of the test sleeping.
    set_grant(expires_at=utcnow() + timedelta(seconds=60))
    principal, token = acting_as_linus()
    access.check(principal, access.Audience.CUSTOMER, act="file")  # still inside the grant
    with Session(get_engine()) as session:
        assert access.acting_problem(session, session.get(AuthSession, sessions.hash_token(token))) is None
    assert support_acting.end_if_over(get_settings(), token) is None
    shift_portal_clock(monkeypatch, timedelta(seconds=60.2))
    with Session(get_engine()) as session:
        assert access.acting_problem(session, session.get(AuthSession, sessions.hash_token(token))) == "grant_expired"
    with pytest.raises(access.SupportSessionEnded):
        access.check(principal, access.Audience.CUSTOMER)
    over = support_acting.end_if_over(get_settings(), token)
    assert over is not None
    new_token, reason = over
    assert reason == "grant_expired" and new_token and new_token != token
    agent = resolve(new_token)
    assert agent is not None and agent.account_id == AGENT and agent.acting is None
    assert resolve(token) is None
    assert support_session(principal.acting.support_session_id).end_reason == "grant_expired"  # type: ignore[union-attr]


def test_revoking_mid_session_ends_it_at_the_next_call() -> None:
    notes_before = count(Notification, Notification.account_id == LINUS)
    principal, token = acting_as_linus()
    assert principal.acting is not None
    access.check(principal, access.Audience.CUSTOMER, act="file")
    support.revoke_grant(principal_for(LINUS), LINUS_GRANT)
    with pytest.raises(access.SupportSessionEnded):
        access.check(principal, access.Audience.CUSTOMER)
    with pytest.raises(access.SupportSessionEnded):
        consents.overview(principal)
    assert resolve(token) is None  # the acting principal no longer resolves
    over = support_acting.end_if_over(get_settings(), token)
    assert over is not None
    new_token, reason = over
    assert reason == "grant_revoked"
    agent = resolve(new_token)
    assert agent is not None and agent.account_id == AGENT and agent.acting is None and agent.role == "agent"
    ended = support_session(principal.acting.support_session_id)
    assert ended.ended_at is not None and ended.end_reason == "grant_revoked"
    assert support_acting.end_if_over(get_settings(), token) is None  # only once
    with Session(get_engine()) as session:
        titles = [
            n.title
            for n in session.exec(
                select(Notification).where(Notification.account_id == LINUS).order_by(Notification.id)
            )
        ][notes_before:]
    assert any("started a session" in t for t in titles)
    assert any("session on your account ended" in t for t in titles)


def test_stopping_returns_to_the_agents_own_session() -> None:
    principal, token = acting_as_linus()
    new_token = support_acting.stop_acting(settings=get_settings(), token=token)
    agent = resolve(new_token)
    assert agent is not None and agent.account_id == AGENT and agent.acting is None
    assert resolve(token) is None
    assert support_session(principal.acting.support_session_id).end_reason == "stopped"  # type: ignore[union-attr]


def test_sign_out_everywhere_by_the_customer_ends_the_acting_session() -> None:
    linus_token = session_token_for(LINUS)
    principal, token = acting_as_linus()
    assert support.sign_out_everywhere(principal_for(LINUS)) >= 1
    assert resolve(linus_token) is None
    assert resolve(token) is None
    over = support_acting.end_if_over(get_settings(), token)
    assert over is not None and over[1] == "customer_signed_out"
    assert support_session(principal.acting.support_session_id).end_reason == "customer_signed_out"  # type: ignore[union-attr]


def test_deactivating_the_agent_ends_the_acting_session() -> None:
    principal, token = acting_as_linus()
    set_deactivated(AGENT)
    assert resolve(token) is None
    with pytest.raises(access.SupportSessionEnded):
        access.check(principal, access.Audience.CUSTOMER)
    assert support_acting.end_if_over(get_settings(), token) == (None, "agent_deactivated")  # no session to go back to
    assert support_session(principal.acting.support_session_id).end_reason == "agent_deactivated"  # type: ignore[union-attr]


def test_a_session_that_timed_out_unseen_is_closed_in_the_customers_log() -> None:
    _, token = acting_as_linus()
    with session_scope() as session:
        row = session.get(AuthSession, sessions.hash_token(token))
        assert row is not None
        row.last_seen_at = utcnow() - timedelta(hours=2)  # idle far past the policy
        session.add(row)
    _, _, logs = support.overview(principal_for(LINUS))
    assert logs[0].session.ended_at is not None and logs[0].session.end_reason == "session_expired"


# --- scopes and forbidden acts -----------------------------------------------------------------------------------


def test_view_scope_reads_but_cannot_file() -> None:
    principal, _ = acting_as_linus(scope="view")
    access.check(principal, access.Audience.CUSTOMER)
    consents.overview(principal)
    with pytest.raises(access.SupportError, match="view-only"):
        access.check(principal, access.Audience.CUSTOMER, act="file")
    with pytest.raises(access.SupportError, match="view-only"):
        consents.request_change(principal, purpose="marketing_email", granted=True)
    assert count(PrivacyRequest, PrivacyRequest.grant_id == LINUS_GRANT) == 0


def test_help_scope_files() -> None:
    principal, _ = acting_as_linus()
    access.check(principal, access.Audience.CUSTOMER)
    access.check(principal, access.Audience.CUSTOMER, act="file")


@pytest.mark.parametrize("scope", ["view", "help"])
@pytest.mark.parametrize("action", sorted(access.NEVER_WHILE_ACTING))
def test_forbidden_acts_are_refused_whatever_the_scope(scope: str, action: str) -> None:
    principal, _ = acting_as_linus(scope=scope)
    with pytest.raises(access.SupportError, match="cannot do this on a customer's behalf"):
        access.check(principal, access.Audience.CUSTOMER, act=action)


@pytest.mark.parametrize("scope", ["view", "help"])
def test_services_refuse_forbidden_acts_for_an_acting_agent(scope: str) -> None:
    principal, _ = acting_as_linus(scope=scope)
    before = count(PrivacyRequest)
    with pytest.raises(access.SupportError):
        erasure.request_withdrawal(principal, password="demo-password", confirmed=True, idempotency_key="w-1")
    with pytest.raises(access.SupportError):
        erasure.preview(principal)
    with pytest.raises(access.SupportError):
        exports.download_link(principal, 1)
    with pytest.raises(access.SupportError):
        consents.mark_policy_reviewed(principal)
    form = {**rectification.current_identity(principal), "email": "linus.new@example.com"}
    with pytest.raises(access.SupportError):
        rectification.submit(principal, form, idempotency_key="email-1")
    assert count(PrivacyRequest) == before


def test_a_request_filed_while_acting_names_the_agent_the_grant_and_the_customer() -> None:
    principal, _ = acting_as_linus()
    request_id = consents.request_change(principal, purpose="marketing_email", granted=True)
    with Session(get_engine()) as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        assert (request.actor_id, request.actor_role, request.grant_id, request.subject_id) == (
            AGENT,
            "agent",
            LINUS_GRANT,
            LINUS,
        )
    received = events("request.received")[-1]
    assert (received.actor_id, received.subject_id, received.grant_id) == (AGENT, LINUS, LINUS_GRANT)


def test_page_views_are_audited_with_agent_customer_and_grant() -> None:
    principal, _ = acting_as_linus()
    support_acting.record_page_view(principal, "/data/identity")
    viewed = events("support.page_viewed")[-1]
    assert (viewed.actor_id, viewed.actor_role, viewed.subject_id, viewed.grant_id) == (
        AGENT,
        "agent",
        LINUS,
        LINUS_GRANT,
    )
    assert viewed.details == {"path": "/data/identity"}
    support_acting.record_page_view(principal_for(LINUS), "/")  # the customer's own views are not support views
    assert len(events("support.page_viewed")) == 1


def test_the_customer_sees_the_session_with_its_pages_and_actions() -> None:
    principal, token = acting_as_linus()
    support_acting.record_page_view(principal, "/")
    support_acting.record_page_view(principal, "/consents")
    consents.request_change(principal, purpose="marketing_email", granted=True)
    support_acting.stop_acting(settings=get_settings(), token=token)
    support.grant_access(principal_for(ADA), duration="1h", scope="view")  # someone else's: not in linus's view
    grants, asks, logs = support.overview(principal_for(LINUS))
    assert [g.grant.id for g in grants] == [LINUS_GRANT] and grants[0].active
    assert asks == []
    assert len(logs) == 1
    log = logs[0]
    assert log.agent_name == "Sam Agent" and log.session.reason == REASON
    assert log.session.ended_at is not None and log.session.end_reason == "stopped"
    assert log.pages == ["/", "/consents"]
    assert "request.received" in log.actions
    assert any(text.startswith("Filed a consent change request") for text in log.described)
    with pytest.raises(access.SupportError):
        support.overview(principal_for(AGENT))


def test_find_customers_shows_active_grants_to_staff_only() -> None:
    rows = {r.account.id: r for r in support_acting.find_customers(principal_for(AGENT), "")}
    assert set(rows) == {1, 2, 3, 4}
    assert rows[LINUS].grant is not None and rows[LINUS].grant.id == LINUS_GRANT
    assert rows[ADA].grant is None
    assert [r.account.id for r in support_acting.find_customers(principal_for(DPO), "LINUS")] == [LINUS]
    assert [r.account.id for r in support_acting.find_customers(principal_for(AGENT), "Hopper")] == [2]
    with pytest.raises(access.SupportError):
        support_acting.find_customers(principal_for(ADA), "")
    principal, _ = acting_as_linus()
    with pytest.raises(access.SupportError):
        support_acting.find_customers(principal, "")
