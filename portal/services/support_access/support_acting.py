"""Support access, the agent's side: looking customers up, asking for access, acting as a customer under an
active grant, and the checks that keep an acting session within that grant.

An acting session is a server-side session of the agent whose subject is the customer. It is re-checked
on every HTTP request (middleware), every page event and timer (the socket guard) and every use case
(`portal/services/access.py`), so a revoked or expired grant ends it at the agent's next click.

What a grant allows and the errors are in `access`; how a support session ends is the customer's side, in
`support`; this module imports both (never the other way round)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from ...audit import Actor, record
from ...config import Settings, get_settings
from ...db import session_scope
from ...i18n import N_, _
from ...models import AccessAsk, Account, AuthSession, Role, SupportGrant, SupportSession
from ...models.types import utcnow
from ..access import Audience, SupportError, acting_problem, use_case
from ..identity import sessions, step_up
from ..identity.auth import session_policy
from ..identity.principal import Acting, Principal
from ..messaging.language import speaking_to
from ..messaging.notifications import notify_account
from ..plain import CustomerInfo, GrantInfo, plain
from .support import ASK_LIFETIME, MAX_ACTING, MIN_REASON, close_support_session


@dataclass(frozen=True)
class CustomerRow:
    account: CustomerInfo
    grant: GrantInfo | None


@use_case(Audience.STAFF, what=N_("look up customers"), refusal=SupportError)
def find_customers(agent: Principal, query: str) -> list[CustomerRow]:
    """Customers matching a name or email, with their active grant. Agents and the privacy officer may look
    (the officer oversees support access); only agents may ask or act."""
    text = " ".join((query or "").split())[:80].lower()
    now = utcnow()
    with session_scope() as session:
        statement = select(Account).where(
            col(Account.role) == Role.CUSTOMER.value, col(Account.deactivated_at).is_(None)
        )
        if text:
            statement = statement.where(
                or_(col(Account.email).contains(text), col(Account.display_name).ilike(f"%{text}%"))
            )
        accounts = list(session.exec(statement.order_by(col(Account.id)).limit(50)))
        rows = []
        for account in accounts:
            grant = _active_grant(session, account.id or 0, now)
            rows.append(CustomerRow(plain(CustomerInfo, account), plain(GrantInfo, grant) if grant else None))
        return rows


def _active_grant(session: Session, customer_id: int, now: datetime) -> SupportGrant | None:
    return session.exec(
        select(SupportGrant)
        .where(
            SupportGrant.customer_id == customer_id,
            col(SupportGrant.revoked_at).is_(None),
            SupportGrant.expires_at > now,
        )
        .order_by(col(SupportGrant.expires_at).desc())
    ).first()


@use_case(Audience.STAFF, what=N_("ask for access"), refusal=SupportError)
def ask_for_access(agent: Principal, customer_id: int, reason: str) -> int:
    if agent.role != Role.AGENT.value or agent.acting is not None:
        raise SupportError(_("Only support agents can ask for access."))
    reason = " ".join((reason or "").split())[:500]
    if len(reason) < MIN_REASON:
        raise SupportError(_("Say why you need access (a ticket number or a short reason)."))
    with session_scope() as session:
        customer = session.get(Account, customer_id)
        if customer is None or customer.role != Role.CUSTOMER.value:
            raise SupportError(_("There is no such customer."))
        ask = AccessAsk(
            customer_id=customer_id,
            agent_id=agent.account_id,
            reason=reason,
            created_at=utcnow(),
            expires_at=utcnow() + ASK_LIFETIME,
        )
        session.add(ask)
        session.flush()
        record(
            session,
            action="support.ask_sent",
            actor=agent.actor(),
            subject_id=customer_id,
            target_type="ask",
            target_id=ask.id,
        )
        with speaking_to(customer):  # the customer's language, not the agent's
            notify_account(
                session,
                account_id=customer_id,
                title=_("Our support team asks for access to your account"),
                body=_("Reason: {reason}. Accept or decline on the Support access page.").format(reason=reason),
                link="/support-access",
            )
        assert ask.id is not None
        return ask.id


def start_acting(*, settings: Settings, agent_token: str | None, customer_id: int, reason: str) -> str:
    """Start acting as a customer; returns the new session token (the agent's old one is revoked)."""
    with session_scope() as session:
        active = sessions.resolve_session(session=session, token=agent_token, policy=session_policy(settings))
        agent = active.account if active else None
        problem = _start_problem(session, active, customer_id, reason)
        if problem:  # recorded in this transaction, which commits; the refusal is raised after it
            record(
                session,
                action="support.start_refused",
                actor=Actor(
                    account_id=agent.id if agent else None, role=agent.role if agent else "unknown", origin="support"
                ),
                subject_id=customer_id,
                details={"why": problem[:120]},
            )
        else:
            assert active is not None
            # Acting opens a customer's whole account: the agent confirms it is them first (nothing is written yet).
            step_up.require_fresh_row(session, active.token_hash)
            return _start(session, settings, active, agent_token, customer_id, reason)
    raise SupportError(_(problem))  # recorded in English above, shown in the agent's language


def _start(
    session: Session,
    settings: Settings,
    active: sessions.ActiveSession,
    agent_token: str | None,
    customer_id: int,
    reason: str,
) -> str:
    agent = active.account
    assert agent.id is not None
    now = utcnow()
    grant = _active_grant(session, customer_id, now)
    assert grant is not None and grant.id is not None
    support_session = SupportSession(
        grant_id=grant.id,
        agent_id=agent.id,
        customer_id=customer_id,
        reason=" ".join(reason.split())[:500],
        started_at=now,
    )
    session.add(support_session)
    session.flush()
    token = sessions.create_session(
        session=session,
        account=agent,
        policy=session_policy(settings),
        replaces=agent_token,
        expires_at=min(active.expires_at, grant.expires_at, now + MAX_ACTING),
        acting_customer_id=customer_id,
        support_session_id=support_session.id,
        parent_expires_at=active.expires_at,
    )
    actor = Actor(account_id=agent.id, role=agent.role, grant_id=grant.id, origin="support")
    record(
        session,
        action="support.session_started",
        actor=actor,
        subject_id=customer_id,
        target_type="support_session",
        target_id=support_session.id,
    )
    with speaking_to(session.get(Account, customer_id)):
        notify_account(
            session,
            account_id=customer_id,
            title=_("{agent} from support started a session").format(agent=agent.display_name),
            body=_("Reason: {reason}. You can end it at any time by revoking the grant.").format(
                reason=support_session.reason
            ),
            link="/support-access",
        )
    return token


def _start_problem(
    session: Session, active: sessions.ActiveSession | None, customer_id: int, reason: str
) -> str | None:
    """Why the agent may not start acting, in English (the audit trail records it; marked, so the refusal is shown
    translated), or None."""
    if active is None:
        return N_("Your session has ended. Please sign in again.")
    if active.acting_customer_id is not None:
        return N_("You are already acting as a customer. Stop that session first.")
    if active.account.role != Role.AGENT.value:
        return N_("Only support agents can act as a customer.")
    if active.account.id == customer_id:
        return N_("You cannot act as yourself.")
    if len(" ".join((reason or "").split())) < MIN_REASON:
        return N_("Give a reason (a ticket number or a short explanation) before acting as a customer.")
    customer = session.get(Account, customer_id)
    if customer is None or customer.role != Role.CUSTOMER.value:
        return N_("You can act only as a customer account.")
    if customer.deactivated_at is not None:
        return N_("This customer account is closed.")
    if _active_grant(session, customer_id, utcnow()) is None:
        return N_("This customer has not granted support access (or the grant expired or was revoked).")
    return None


def stop_acting(*, settings: Settings, token: str | None, reason: str = "stopped") -> str | None:
    """End the acting session; returns a fresh plain session for the agent (None if their own has expired)."""
    with session_scope() as session:
        row = session.get(AuthSession, sessions.hash_token(token)) if token else None
        if row is None or row.acting_customer_id is None:
            return None
        return _back_to_agent(session, row, reason)


def _back_to_agent(session: Session, row: AuthSession, reason: str) -> str | None:
    support_session = session.get(SupportSession, row.support_session_id) if row.support_session_id else None
    if support_session is not None:
        close_support_session(session, support_session, reason)
    now = utcnow()
    row.revoked_at, row.revoked_reason = now, "support_" + reason[:20]
    session.add(row)
    agent = session.get(Account, row.account_id)
    if agent is None or agent.deactivated_at is not None or not row.parent_expires_at or row.parent_expires_at <= now:
        return None
    return sessions.create_session(
        session=session, account=agent, policy=session_policy(get_settings()), expires_at=row.parent_expires_at
    )


# --- checks on every request and every action ------------------------------------------------------------


def acting_principal(session: Session, active: sessions.ActiveSession) -> Principal | None:
    row = session.get(AuthSession, active.token_hash)
    if row is None or acting_problem(session, row) is not None:
        return None
    support_session = session.get(SupportSession, row.support_session_id)
    customer = session.get(Account, row.acting_customer_id)
    grant = session.get(SupportGrant, support_session.grant_id) if support_session else None
    if support_session is None or customer is None or grant is None or customer.id is None or grant.id is None:
        return None
    acting = Acting(
        agent_id=active.account.id or 0,
        agent_name=active.account.display_name,
        grant_id=grant.id,
        scope=grant.scope,
        support_session_id=support_session.id or 0,
        reason=support_session.reason,
    )
    return Principal(
        account_id=customer.id,
        role=customer.role,
        display_name=customer.display_name,
        email=customer.email,
        session_hash=active.token_hash,
        session_expires_at=row.expires_at,
        acting=acting,
        locale=active.account.locale,
        time_zone=active.account.time_zone,
    )


def end_if_over(settings: Settings, token: str | None) -> tuple[str | None, str] | None:
    """For the middleware: if this token is an acting session that must end, end it and return
    (the agent's new token or None, the reason)."""
    if not token:
        return None
    with session_scope() as session:
        return end_if_over_in(session, token)


def end_if_over_in(session: Session, token: str) -> tuple[str | None, str] | None:
    """`end_if_over` within the caller's unit of work (the middleware resolves the principal in the same one)."""
    row = session.get(AuthSession, sessions.hash_token(token))
    if row is None or row.acting_customer_id is None:
        return None
    if row.revoked_at is not None:  # timed out (idle or absolute) before the grant check saw it
        support_session = session.get(SupportSession, row.support_session_id) if row.support_session_id else None
        if support_session is not None and support_session.ended_at is None:
            close_support_session(session, support_session, "session_expired")
        return None
    problem = acting_problem(session, row)
    if problem is None:
        return None
    return _back_to_agent(session, row, problem), problem


def record_page_view(principal: Principal, path: str) -> None:
    if principal.acting is None:
        return
    with session_scope() as session:
        record(
            session,
            action="support.page_viewed",
            actor=principal.actor(),
            subject_id=principal.account_id,
            details={"path": path[:120]},
        )
