"""Support access, the customer's side: granting the support team time-boxed access, revoking it, answering
an agent's request for access, signing out everywhere, and the log of every support session on the account.

The agent's side (looking customers up, asking, acting) is in `support_acting`, which builds on this module and is
never imported by it. Who may call what, and whether an acting session may go on (`acting_problem`), is in
`portal/services/access.py`, the one place for access rules. Ending a support session (`close_support_session`,
`end_support_sessions`) lives here because the customer's own actions and log need it: revoking a grant or signing
out everywhere ends sessions, and the log closes sessions nobody came back to end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from ...audit import Actor, record
from ...config import get_settings
from ...db import session_scope
from ...i18n import N_, _
from ...models import AccessAsk, Account, AuditEvent, AuthSession, Role, SupportGrant, SupportSession
from ...models.types import utcnow
from ..access import Audience, SupportError, acting_problem, use_case
from ..identity import sessions, step_up
from ..identity.auth import session_policy
from ..identity.principal import Principal
from ..messaging.language import speaking_to
from ..messaging.notifications import notify_account
from ..plain import AskInfo, GrantInfo, SupportSessionInfo, plain

# What the customer's support-access page shows (asks, grants, the agents' sessions and the pages they viewed, which
# are audit events): the page refreshes when one of these tables was written (portal/ui/page_changes.py).
ACCESS_TABLES = frozenset(model.__tablename__ for model in (AccessAsk, SupportGrant, SupportSession, AuditEvent))
DURATIONS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
# The words for the choices are marked here and shown with _(…).
DURATION_LABELS = {"1h": N_("1 hour"), "24h": N_("24 hours"), "7d": N_("7 days")}
SCOPES = {"view": N_("View only"), "help": N_("View and help (file corrections, consent changes and export requests)")}
# Why a support session ended (SupportSession.end_reason, `acting_problem`), as the customer's notification says it.
END_REASONS = {
    "ended": N_("ended"),
    "stopped": N_("stopped"),
    "grant_revoked": N_("grant revoked"),
    "grant_expired": N_("grant expired"),
    "customer_closed": N_("customer closed"),
    "agent_deactivated": N_("agent deactivated"),
    "session_expired": N_("session expired"),
    "password_changed": N_("password changed"),
    "password_reset": N_("password reset"),
    "customer_signed_out": N_("customer signed out"),
    "email_change_stopped": N_("email change stopped"),
}
MAX_ACTING = timedelta(hours=1)  # one acting session never lasts longer, whatever the grant
ASK_LIFETIME = timedelta(days=3)
MIN_REASON = 3
# --- customer side ---------------------------------------------------------------------------------------


@use_case(Audience.CUSTOMER_THEMSELVES, what=N_("grant support access"))
def grant_access(
    principal: Principal, *, duration: str, scope: str, ticket_ref: str = "", ask_id: int | None = None
) -> int:
    if duration not in DURATIONS:
        raise SupportError(_("Choose how long the access lasts: 1 hour, 24 hours or 7 days."))
    if scope not in SCOPES:
        raise SupportError(_("Choose view only, or view and help."))
    step_up.require_recent_check(principal)  # opening the account to staff is the owner's act, freshly confirmed
    ticket = " ".join((ticket_ref or "").split())[:64] or None
    now = utcnow()
    with session_scope() as session:
        grant = SupportGrant(
            customer_id=principal.account_id,
            scope=scope,
            ticket_ref=ticket,
            created_at=now,
            expires_at=now + DURATIONS[duration],
            ask_id=ask_id,
        )
        session.add(grant)
        session.flush()
        record(
            session,
            action="support.grant_given",
            actor=principal.actor(),
            subject_id=principal.account_id,
            target_type="grant",
            target_id=grant.id,
            details={"scope": scope, "duration": duration},
        )
        assert grant.id is not None
        return grant.id


@use_case(Audience.CUSTOMER_THEMSELVES, what=N_("manage grants"))
def revoke_grant(principal: Principal, grant_id: int) -> None:
    step_up.require_recent_check(principal)
    with session_scope() as session:
        grant = session.get(SupportGrant, grant_id)
        if grant is None or grant.customer_id != principal.account_id:
            raise SupportError(_("There is no such grant."))
        if grant.revoked_at is None:
            grant.revoked_at = utcnow()
            session.add(grant)
            record(
                session,
                action="support.grant_revoked",
                actor=principal.actor(),
                subject_id=principal.account_id,
                target_type="grant",
                target_id=grant_id,
            )
        _end_sessions(session, or_(col(SupportSession.grant_id) == grant_id), reason="grant_revoked")


@use_case(Audience.CUSTOMER_THEMSELVES, what=N_("sign out everywhere"))
def sign_out_everywhere(principal: Principal) -> int:
    """End every session of the customer, and every support session acting as them."""
    with session_scope() as session:
        ended = sessions.revoke_all_sessions(session=session, account_id=principal.account_id, reason="everywhere")
        _end_sessions(session, col(SupportSession.customer_id) == principal.account_id, reason="customer_signed_out")
        record(session, action="auth.signed_out_everywhere", actor=principal.actor(), subject_id=principal.account_id)
        return ended


@use_case(Audience.CUSTOMER_THEMSELVES, what=N_("answer access requests"))
def answer_ask(principal: Principal, ask_id: int, *, accept: bool, duration: str = "1h", scope: str = "view") -> None:
    if accept:  # before the answer is recorded: accepting grants access (declining needs no check)
        step_up.require_recent_check(principal)
    with session_scope() as session:
        ask = session.get(AccessAsk, ask_id)
        if ask is None or ask.customer_id != principal.account_id:
            raise SupportError(_("There is no such request for access."))
        if ask.status != "pending" or ask.expires_at <= utcnow():
            raise SupportError(_("This request for access has expired or was already answered."))
        ask.status, ask.answered_at = ("accepted" if accept else "declined"), utcnow()
        session.add(ask)
        record(
            session,
            action="support.ask_" + ask.status,
            actor=principal.actor(),
            subject_id=principal.account_id,
            target_type="ask",
            target_id=ask_id,
        )
    if accept:
        grant_access(principal, duration=duration, scope=scope, ticket_ref=f"ask {ask_id}", ask_id=ask_id)


@dataclass(frozen=True)
class GrantView:
    grant: GrantInfo
    active: bool


@dataclass(frozen=True)
class SessionLog:
    session: SupportSessionInfo
    agent_name: str
    pages: list[str]
    actions: list[str]  # audit action names
    described: list[str] = field(default_factory=list)  # the same in plain words, without request status steps


@use_case(Audience.CUSTOMER_THEMSELVES, what=N_("see support grants"))
def overview(principal: Principal) -> tuple[list[GrantView], list[AskInfo], list[SessionLog]]:
    """Everything the customer should see: grants, pending asks, and the log of every support session."""
    now = utcnow()
    with session_scope() as session:
        grants = list(
            session.exec(
                select(SupportGrant)
                .where(SupportGrant.customer_id == principal.account_id)
                .order_by(col(SupportGrant.created_at).desc())
            )
        )
        asks = [
            plain(AskInfo, a)
            for a in session.exec(
                select(AccessAsk).where(AccessAsk.customer_id == principal.account_id, AccessAsk.status == "pending")
            )
            if a.expires_at > now
        ]
        support_sessions = list(
            session.exec(
                select(SupportSession)
                .where(SupportSession.customer_id == principal.account_id)
                .order_by(col(SupportSession.started_at).desc())
            )
        )
        for support_session in support_sessions:
            _close_if_over(session, support_session, now)
        logs = [session_log(session, s) for s in support_sessions]
        return [GrantView(plain(GrantInfo, g), _grant_active(g, now)) for g in grants], asks, logs


def session_log(session: Session, support_session: SupportSession) -> SessionLog:
    """What the agent did in one support session: the pages they viewed and their acts in plain words (the
    customer's log on the Support access page, and their export)."""
    agent = session.get(Account, support_session.agent_id) if support_session.agent_id else None
    events = session.exec(
        select(AuditEvent)
        .where(
            col(AuditEvent.grant_id) == support_session.grant_id,
            col(AuditEvent.actor_id) == support_session.agent_id,
            col(AuditEvent.at) >= support_session.started_at,
            col(AuditEvent.at) <= (support_session.ended_at or utcnow()),
        )
        .order_by(col(AuditEvent.id))
    ).all()
    pages = [str(e.details.get("path")) for e in events if e.action == "support.page_viewed"]
    done = [
        e for e in events if e.action not in ("support.page_viewed", "support.session_started", "support.session_ended")
    ]
    described = [text for text in (_describe(e) for e in done) if text]
    return SessionLog(
        plain(SupportSessionInfo, support_session),
        agent.display_name if agent else _("a former agent"),
        pages,
        [e.action for e in done],
        described,
    )


_QUIET_ACTIONS = {"request.queued", "request.processing", "request.completed", "request.verifying", "request.failed"}


def _describe(event: AuditEvent) -> str | None:
    """One action in plain words for the customer's log (status steps of a request filed are left out)."""
    if event.action in _QUIET_ACTIONS:
        return None
    kind = str(event.details.get("type", "")).replace("_", " ")
    request = event.target_id if event.target_type == "request" and event.target_id else None
    if event.action == "request.received":
        filed = _("Filed a {kind} request").format(kind=kind) if kind else _("Filed a privacy request")
        return _with_request(filed, request)
    if event.action == "consent.given":
        return _("Consent given: {purpose}").format(purpose=event.target_id)
    if event.action == "consent.withdrawn":
        return _("Consent withdrawn: {purpose}").format(purpose=event.target_id)
    if event.action == "request.note_from_customer":
        return _with_request(_("Added a note"), request)
    if event.action == "request.canceled":
        return _with_request(_("Cancelled a request"), request)
    return _with_request(event.action.replace("_", " ").replace(".", ": "), request)


def _with_request(text: str, request: str | None) -> str:
    """ "Added a note (request #12)"."""
    return _("{action} (request #{number})").format(action=text, number=request) if request else text


def _close_if_over(session: Session, support_session: SupportSession, now: datetime) -> None:
    """A support session whose acting session is gone (timed out, idle, agent deactivated, grant over) but which
    nobody closed, because the agent never came back: close it, so the customer's log never shows it as running."""
    if support_session.ended_at is not None:
        return
    idle = session_policy(get_settings()).idle
    rows = session.exec(select(AuthSession).where(AuthSession.support_session_id == support_session.id)).all()
    live = [r for r in rows if r.revoked_at is None and r.expires_at > now and now - r.last_seen_at < idle]
    problem = acting_problem(session, live[0]) if live else "session_expired"
    if problem is not None:
        close_support_session(session, support_session, problem)


def _grant_active(grant: SupportGrant, now: datetime) -> bool:
    return grant.revoked_at is None and grant.expires_at > now


# --- ending support sessions and judging acting ones (the acting side uses these too) --------------------


def close_support_session(session: Session, support_session: SupportSession, reason: str) -> None:
    if support_session.ended_at is not None:
        return
    support_session.ended_at, support_session.end_reason = utcnow(), reason
    session.add(support_session)
    actor = Actor(
        account_id=support_session.agent_id, role=Role.AGENT.value, grant_id=support_session.grant_id, origin="support"
    )
    record(
        session,
        action="support.session_ended",
        actor=actor,
        subject_id=support_session.customer_id,
        target_type="support_session",
        target_id=support_session.id,
        details={"reason": reason},
    )
    with speaking_to(session.get(Account, support_session.customer_id)):
        why = _(END_REASONS[reason]) if reason in END_REASONS else reason.replace("_", " ")
        notify_account(
            session,
            account_id=support_session.customer_id,
            title=_("A support session on your account ended"),
            body=_("Ended: {reason}. See what was done on the Support access page.").format(reason=why),
            link="/support-access",
        )


def end_support_sessions(session: Session, condition: ColumnElement[bool], *, reason: str) -> None:
    """End every open support session matching `condition`, with the customer told (e.g. a password change)."""
    _end_sessions(session, condition, reason=reason)


def _end_sessions(session: Session, condition: ColumnElement[bool], *, reason: str) -> None:
    for support_session in session.exec(
        select(SupportSession).where(condition, col(SupportSession.ended_at).is_(None))
    ):
        close_support_session(session, support_session, reason)
