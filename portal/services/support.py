"""Support access: a customer grants the support team time-boxed access; an agent acts as the customer
only while such a grant is active, and the customer sees every session and everything done in it.

An acting session is a server-side session of the agent whose subject is the customer. It is re-checked
on every HTTP request (middleware) and every service call (`guard`), so a revoked or expired grant ends it
at the agent's next click; the page's session timer catches it within seconds without one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from ..audit import Actor, record
from ..config import Settings
from ..db import session_scope
from ..models import AccessAsk, Account, AuditEvent, AuthSession, Role, SupportGrant, SupportSession
from ..models.types import utcnow
from . import sessions
from .auth import session_policy
from .notifications import notify_account
from .principal import Acting, Principal

DURATIONS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
DURATION_LABELS = {"1h": "1 hour", "24h": "24 hours", "7d": "7 days"}
SCOPES = {"view": "View only", "help": "View and help (file corrections, consent changes and export requests)"}
MAX_ACTING = timedelta(hours=1)  # one acting session never lasts longer, whatever the grant
ASK_LIFETIME = timedelta(days=3)
MIN_REASON = 3
# Never on a customer's behalf, whatever the scope: irreversible or credential-changing acts.
FORBIDDEN = {"withdraw", "change_email", "change_password", "download_export", "manage_grants"}


class SupportError(PermissionError):
    """Refused; the message says why in plain words."""


class SupportSessionEnded(SupportError):
    """The grant behind an acting session ended (expired, revoked, sign-out everywhere)."""


# --- customer side ---------------------------------------------------------------------------------------

def _customer(principal: Principal, what: str) -> None:
    if principal.acting is not None:
        raise SupportError(f"Support staff cannot {what} on a customer's behalf.")
    if principal.role != Role.CUSTOMER.value:
        raise SupportError(f"Only customers can {what}.")


def grant_access(principal: Principal, *, duration: str, scope: str, ticket_ref: str = "",
                 ask_id: int | None = None) -> int:
    _customer(principal, "grant support access")
    if duration not in DURATIONS:
        raise SupportError("Choose how long the access lasts: 1 hour, 24 hours or 7 days.")
    if scope not in SCOPES:
        raise SupportError("Choose view only, or view and help.")
    ticket = " ".join((ticket_ref or "").split())[:64] or None
    now = utcnow()
    with session_scope() as session:
        grant = SupportGrant(customer_id=principal.account_id, scope=scope, ticket_ref=ticket, created_at=now,
                             expires_at=now + DURATIONS[duration], ask_id=ask_id)
        session.add(grant)
        session.flush()
        record(session, action="support.grant_given", actor=principal.actor(), subject_id=principal.account_id,
               target_type="grant", target_id=grant.id, details={"scope": scope, "duration": duration})
        assert grant.id is not None
        return grant.id


def revoke_grant(principal: Principal, grant_id: int) -> None:
    _customer(principal, "manage grants")
    with session_scope() as session:
        grant = session.get(SupportGrant, grant_id)
        if grant is None or grant.customer_id != principal.account_id:
            raise SupportError("There is no such grant.")
        if grant.revoked_at is None:
            grant.revoked_at = utcnow()
            session.add(grant)
            record(session, action="support.grant_revoked", actor=principal.actor(), subject_id=principal.account_id,
                   target_type="grant", target_id=grant_id)
        _end_sessions(session, or_(SupportSession.grant_id == grant_id), reason="grant_revoked")


def sign_out_everywhere(principal: Principal) -> int:
    """End every session of the customer, and every support session acting as them."""
    _customer(principal, "sign out everywhere")
    with session_scope() as session:
        ended = sessions.revoke_all_sessions(session=session, account_id=principal.account_id, reason="everywhere")
        _end_sessions(session, SupportSession.customer_id == principal.account_id, reason="customer_signed_out")
        record(session, action="auth.signed_out_everywhere", actor=principal.actor(), subject_id=principal.account_id)
        return ended


def answer_ask(principal: Principal, ask_id: int, *, accept: bool, duration: str = "1h", scope: str = "view") -> None:
    _customer(principal, "answer access requests")
    with session_scope() as session:
        ask = session.get(AccessAsk, ask_id)
        if ask is None or ask.customer_id != principal.account_id:
            raise SupportError("There is no such request for access.")
        if ask.status != "pending" or ask.expires_at <= utcnow():
            raise SupportError("This request for access has expired or was already answered.")
        ask.status, ask.answered_at = ("accepted" if accept else "declined"), utcnow()
        session.add(ask)
        record(session, action="support.ask_" + ask.status, actor=principal.actor(), subject_id=principal.account_id,
               target_type="ask", target_id=ask_id)
    if accept:
        grant_access(principal, duration=duration, scope=scope, ticket_ref=f"ask {ask_id}", ask_id=ask_id)


@dataclass(frozen=True)
class GrantView:
    grant: SupportGrant
    active: bool


@dataclass(frozen=True)
class SessionLog:
    session: SupportSession
    agent_name: str
    pages: list[str]
    actions: list[str]  # audit action names
    described: list[str] = field(default_factory=list)  # the same in plain words, without request status steps


def overview(principal: Principal) -> tuple[list[GrantView], list[AccessAsk], list[SessionLog]]:
    """Everything the customer should see: grants, pending asks, and the log of every support session."""
    if principal.role != Role.CUSTOMER.value:
        raise SupportError("Only customers have support grants.")
    now = utcnow()
    with session_scope() as session:
        grants = list(session.exec(select(SupportGrant).where(SupportGrant.customer_id == principal.account_id)
                                   .order_by(col(SupportGrant.created_at).desc())))
        asks = [a for a in session.exec(select(AccessAsk).where(AccessAsk.customer_id == principal.account_id,
                                                                AccessAsk.status == "pending"))
                if a.expires_at > now]
        support_sessions = list(session.exec(select(SupportSession).where(
            SupportSession.customer_id == principal.account_id).order_by(col(SupportSession.started_at).desc())))
        for support_session in support_sessions:
            _close_if_over(session, support_session, now)
        logs = [_log(session, s) for s in support_sessions]
        return [GrantView(g, _grant_active(g, now)) for g in grants], asks, logs


def _log(session: Session, support_session: SupportSession) -> SessionLog:
    agent = session.get(Account, support_session.agent_id) if support_session.agent_id else None
    events = session.exec(select(AuditEvent).where(
        AuditEvent.grant_id == support_session.grant_id, AuditEvent.actor_id == support_session.agent_id,
        AuditEvent.at >= support_session.started_at,
        AuditEvent.at <= (support_session.ended_at or utcnow())).order_by(AuditEvent.id)).all()
    pages = [str(e.details.get("path")) for e in events if e.action == "support.page_viewed"]
    done = [e for e in events if e.action not in ("support.page_viewed", "support.session_started",
                                                  "support.session_ended")]
    described = [text for text in (_describe(e) for e in done) if text]
    return SessionLog(support_session, agent.display_name if agent else "a former agent", pages,
                      [e.action for e in done], described)


_QUIET_ACTIONS = {"request.queued", "request.processing", "request.completed", "request.verifying", "request.failed"}


def _describe(event: AuditEvent) -> str | None:
    """One action in plain words for the customer's log (status steps of a request filed are left out)."""
    if event.action in _QUIET_ACTIONS:
        return None
    kind = str(event.details.get("type", "")).replace("_", " ")
    number = f" (request #{event.target_id})" if event.target_type == "request" and event.target_id else ""
    if event.action == "request.received":
        return f"Filed a {kind or 'privacy'} request{number}"
    if event.action in ("consent.given", "consent.withdrawn"):
        return f"Consent {event.action.split('.')[1]}: {event.target_id}"
    if event.action == "request.note_from_customer":
        return f"Added a note{number}"
    if event.action == "request.canceled":
        return f"Cancelled a request{number}"
    return event.action.replace("_", " ").replace(".", ": ") + number


def _close_if_over(session: Session, support_session: SupportSession, now: datetime) -> None:
    """A support session whose acting session is gone (timed out, idle, agent deactivated, grant over) but which
    nobody closed, because the agent never came back: close it, so the customer's log never shows it as running."""
    if support_session.ended_at is not None:
        return
    from ..config import get_settings

    idle = session_policy(get_settings()).idle
    rows = session.exec(select(AuthSession).where(AuthSession.support_session_id == support_session.id)).all()
    live = [r for r in rows if r.revoked_at is None and r.expires_at > now and now - r.last_seen_at < idle]
    problem = acting_problem(session, live[0]) if live else "session_expired"
    if problem is not None:
        _close(session, support_session, problem)


def _grant_active(grant: SupportGrant, now: datetime) -> bool:
    return grant.revoked_at is None and grant.expires_at > now


# --- agent side ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CustomerRow:
    account: Account
    grant: SupportGrant | None


def find_customers(agent: Principal, query: str) -> list[CustomerRow]:
    """Customers matching a name or email, with their active grant. Agents and the privacy officer may look
    (the officer oversees support access); only agents may ask or act."""
    if agent.role not in (Role.AGENT.value, Role.DPO.value) or agent.acting is not None:
        raise SupportError("Only staff can look up customers.")
    text = " ".join((query or "").split())[:80].lower()
    now = utcnow()
    with session_scope() as session:
        statement = select(Account).where(Account.role == Role.CUSTOMER.value, col(Account.deactivated_at).is_(None))
        if text:
            statement = statement.where(or_(col(Account.email).contains(text),
                                            col(Account.display_name).ilike(f"%{text}%")))
        accounts = list(session.exec(statement.order_by(Account.id).limit(50)))
        return [CustomerRow(a, _active_grant(session, a.id or 0, now)) for a in accounts]


def _active_grant(session: Session, customer_id: int, now: datetime) -> SupportGrant | None:
    return session.exec(select(SupportGrant).where(
        SupportGrant.customer_id == customer_id, col(SupportGrant.revoked_at).is_(None),
        SupportGrant.expires_at > now).order_by(col(SupportGrant.expires_at).desc())).first()


def ask_for_access(agent: Principal, customer_id: int, reason: str) -> int:
    if agent.role != Role.AGENT.value or agent.acting is not None:
        raise SupportError("Only support agents can ask for access.")
    reason = " ".join((reason or "").split())[:500]
    if len(reason) < MIN_REASON:
        raise SupportError("Say why you need access (a ticket number or a short reason).")
    with session_scope() as session:
        customer = session.get(Account, customer_id)
        if customer is None or customer.role != Role.CUSTOMER.value:
            raise SupportError("There is no such customer.")
        ask = AccessAsk(customer_id=customer_id, agent_id=agent.account_id, reason=reason, created_at=utcnow(),
                        expires_at=utcnow() + ASK_LIFETIME)
        session.add(ask)
        session.flush()
        record(session, action="support.ask_sent", actor=agent.actor(), subject_id=customer_id, target_type="ask",
               target_id=ask.id)
        notify_account(session, account_id=customer_id, title="Our support team asks for access to your account",
                       body=f"Reason: {reason}. Accept or decline on the Support access page.",
                       link="/support-access")
        assert ask.id is not None
        return ask.id


def start_acting(*, settings: Settings, agent_token: str | None, customer_id: int, reason: str) -> str:
    """Start acting as a customer; returns the new session token (the agent's old one is revoked)."""
    with session_scope() as session:
        active = sessions.resolve_session(session=session, token=agent_token, policy=session_policy(settings))
        agent = active.account if active else None
        problem = _start_problem(session, active, customer_id, reason)
        if problem:  # recorded in this transaction, which commits; the refusal is raised after it
            record(session, action="support.start_refused", actor=Actor(
                account_id=agent.id if agent else None, role=agent.role if agent else "unknown", origin="support"),
                subject_id=customer_id, details={"why": problem[:120]})
        else:
            assert active is not None
            return _start(session, settings, active, agent_token, customer_id, reason)
    raise SupportError(problem)


def _start(session: Session, settings: Settings, active: sessions.ActiveSession, agent_token: str | None,
           customer_id: int, reason: str) -> str:
    agent = active.account
    assert agent.id is not None
    now = utcnow()
    grant = _active_grant(session, customer_id, now)
    assert grant is not None and grant.id is not None
    support_session = SupportSession(grant_id=grant.id, agent_id=agent.id, customer_id=customer_id,
                                     reason=" ".join(reason.split())[:500], started_at=now)
    session.add(support_session)
    session.flush()
    token = sessions.create_session(
        session=session, account=agent, policy=session_policy(settings), replaces=agent_token,
        expires_at=min(active.expires_at, grant.expires_at, now + MAX_ACTING), acting_customer_id=customer_id,
        support_session_id=support_session.id, parent_expires_at=active.expires_at)
    actor = Actor(account_id=agent.id, role=agent.role, grant_id=grant.id, origin="support")
    record(session, action="support.session_started", actor=actor, subject_id=customer_id,
           target_type="support_session", target_id=support_session.id)
    notify_account(session, account_id=customer_id, title=f"{agent.display_name} from support started a session",
                   body=f"Reason: {support_session.reason}. You can end it at any time by revoking the grant.",
                   link="/support-access")
    return token


def _start_problem(session: Session, active: sessions.ActiveSession | None, customer_id: int,
                   reason: str) -> str | None:
    if active is None:
        return "Your session has ended. Please sign in again."
    if active.acting_customer_id is not None:
        return "You are already acting as a customer. Stop that session first."
    if active.account.role != Role.AGENT.value:
        return "Only support agents can act as a customer."
    if active.account.id == customer_id:
        return "You cannot act as yourself."
    if len(" ".join((reason or "").split())) < MIN_REASON:
        return "Give a reason (a ticket number or a short explanation) before acting as a customer."
    customer = session.get(Account, customer_id)
    if customer is None or customer.role != Role.CUSTOMER.value:
        return "You can act only as a customer account."
    if customer.deactivated_at is not None:
        return "This customer account is closed."
    if _active_grant(session, customer_id, utcnow()) is None:
        return "This customer has not granted support access (or the grant expired or was revoked)."
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
        _close(session, support_session, reason)
    now = utcnow()
    row.revoked_at, row.revoked_reason = now, "support_" + reason[:20]
    session.add(row)
    agent = session.get(Account, row.account_id)
    if agent is None or agent.deactivated_at is not None or not row.parent_expires_at or row.parent_expires_at <= now:
        return None
    from ..config import get_settings

    return sessions.create_session(session=session, account=agent, policy=session_policy(get_settings()),
                                   expires_at=row.parent_expires_at)


def _close(session: Session, support_session: SupportSession, reason: str) -> None:
    if support_session.ended_at is not None:
        return
    support_session.ended_at, support_session.end_reason = utcnow(), reason
    session.add(support_session)
    actor = Actor(account_id=support_session.agent_id, role=Role.AGENT.value, grant_id=support_session.grant_id,
                  origin="support")
    record(session, action="support.session_ended", actor=actor, subject_id=support_session.customer_id,
           target_type="support_session", target_id=support_session.id, details={"reason": reason})
    notify_account(session, account_id=support_session.customer_id, title="A support session on your account ended",
                   body=f"Ended: {reason.replace('_', ' ')}. See what was done on the Support access page.",
                   link="/support-access")


def end_support_sessions(session: Session, condition: object, *, reason: str) -> None:
    """End every open support session matching `condition`, with the customer told (e.g. a password change)."""
    _end_sessions(session, condition, reason=reason)


def _end_sessions(session: Session, condition: object, *, reason: str) -> None:
    for support_session in session.exec(select(SupportSession).where(
            condition, col(SupportSession.ended_at).is_(None))):  # type: ignore[arg-type]
        _close(session, support_session, reason)


# --- checks on every request and every action ------------------------------------------------------------

def acting_problem(session: Session, row: AuthSession) -> str | None:
    """Why an acting session may not go on (None while everything is in order)."""
    support_session = session.get(SupportSession, row.support_session_id) if row.support_session_id else None
    if support_session is None:
        return "ended"
    if support_session.ended_at is not None:
        return support_session.end_reason or "ended"
    grant = session.get(SupportGrant, support_session.grant_id)
    now = utcnow()
    if grant is None or grant.revoked_at is not None:
        return "grant_revoked"
    if grant.expires_at <= now or row.expires_at <= now:
        return "grant_expired"
    customer = session.get(Account, support_session.customer_id)
    if customer is None or customer.deactivated_at is not None:
        return "customer_closed"
    agent = session.get(Account, row.account_id)
    if agent is None or agent.deactivated_at is not None or agent.role != Role.AGENT.value:
        return "agent_deactivated"
    return None


def acting_principal(session: Session, active: sessions.ActiveSession) -> Principal | None:
    row = session.get(AuthSession, active.token_hash)
    if row is None or acting_problem(session, row) is not None:
        return None
    support_session = session.get(SupportSession, row.support_session_id)
    customer = session.get(Account, row.acting_customer_id)
    grant = session.get(SupportGrant, support_session.grant_id) if support_session else None
    if support_session is None or customer is None or grant is None or customer.id is None or grant.id is None:
        return None
    acting = Acting(agent_id=active.account.id or 0, agent_name=active.account.display_name, grant_id=grant.id,
                    scope=grant.scope, support_session_id=support_session.id or 0, reason=support_session.reason)
    return Principal(account_id=customer.id, role=customer.role, display_name=customer.display_name,
                     email=customer.email, session_hash=active.token_hash, session_expires_at=row.expires_at,
                     acting=acting)


def end_if_over(settings: Settings, token: str | None) -> tuple[str | None, str] | None:
    """For the middleware: if this token is an acting session that must end, end it and return
    (the agent's new token or None, the reason)."""
    if not token:
        return None
    with session_scope() as session:
        row = session.get(AuthSession, sessions.hash_token(token))
        if row is None or row.acting_customer_id is None:
            return None
        if row.revoked_at is not None:  # timed out (idle or absolute) before the grant check saw it
            support_session = session.get(SupportSession, row.support_session_id) if row.support_session_id else None
            if support_session is not None and support_session.ended_at is None:
                _close(session, support_session, "session_expired")
            return None
        problem = acting_problem(session, row)
        if problem is None:
            return None
        return _back_to_agent(session, row, problem), problem


def guard(principal: Principal, action: str | None = None) -> None:
    """Call before any service work for a principal: refuses forbidden acts while acting, writes under a
    view-only grant, and anything at all once the grant has ended."""
    acting = principal.acting
    if acting is None:
        return
    if action in FORBIDDEN:
        raise SupportError("Support staff cannot do this on a customer's behalf. The customer must do it themselves.")
    if action is not None and acting.scope != "help":
        raise SupportError("The customer granted view-only access: you cannot change anything for them.")
    with session_scope() as session:
        row = session.get(AuthSession, principal.session_hash)
        if row is None or acting_problem(session, row) is not None:
            raise SupportSessionEnded("The customer's grant has ended; you are no longer acting as them.")


def record_page_view(principal: Principal, path: str) -> None:
    if principal.acting is None:
        return
    with session_scope() as session:
        record(session, action="support.page_viewed", actor=principal.actor(), subject_id=principal.account_id,
               details={"path": path[:120]})
