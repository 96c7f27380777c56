"""Export sections of support access: the grants the customer gave, support's requests for access, and every support
session on the account with what the agent looked at and did (the customer's own log on the Support access page)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, col

from ....exports.sections import Column, Section
from ....i18n import N_, _
from ....models import AccessAsk, Account, SupportGrant, SupportSession
from ...support_access.support import SCOPES, session_log
from .reading import Record, batched, plain_words

FORMER_AGENT = N_("a former agent")
# Why a support session ended (support_session.end_reason), as the customer reads it.
SESSION_ENDINGS = {
    "stopped": N_("stopped"),
    "grant_revoked": N_("grant revoked"),
    "grant_expired": N_("grant expired"),
    "customer_signed_out": N_("customer signed out"),
    "customer_closed": N_("customer closed"),
    "agent_deactivated": N_("agent deactivated"),
    "session_expired": N_("session expired"),
    "ended": N_("ended"),
    "password_changed": N_("password changed"),
    "password_reset": N_("password reset"),
    "email_change_stopped": N_("email change stopped"),
}
# Where support's request for access stands (access_ask.status, kept as it is in data.json), as the report words it.
ASK_ANSWERS = {
    "pending": N_("pending"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "expired": N_("expired"),
}


def sections(customer_id: int) -> list[Section]:
    return [_grants(customer_id), _asks(customer_id), _sessions(customer_id)]


def _agent_name(session: Session, agent_id: int | None) -> str:
    agent = session.get(Account, agent_id) if agent_id is not None else None
    return agent.display_name if agent is not None else _(FORMER_AGENT)


def _session_ending(reason: str) -> str:
    return _(SESSION_ENDINGS[reason]) if reason in SESSION_ENDINGS else plain_words(reason)


def _grants(customer_id: int) -> Section:
    def record(grant: SupportGrant) -> Record:
        return {
            "scope": grant.scope,
            "scope_words": _(SCOPES[grant.scope]) if grant.scope in SCOPES else plain_words(grant.scope),
            "ticket_ref": grant.ticket_ref,
            "created_at": grant.created_at,
            "expires_at": grant.expires_at,
            "revoked_at": grant.revoked_at,
            "asked_by_support": grant.ask_id is not None,
        }

    return Section(
        key="support_grants",
        title=N_("Support access you granted"),
        about=N_("Each time you let the support team act for you, for how long and for what."),
        table="support_grant",
        columns=(
            Column("scope", N_("Scope key"), in_report=False),
            Column("scope_words", N_("Access")),
            Column("ticket_ref", N_("Ticket")),
            Column("created_at", N_("Given"), "datetime"),
            Column("expires_at", N_("Until"), "datetime"),
            Column("revoked_at", N_("Revoked"), "datetime"),
            Column("asked_by_support", N_("Support asked for it")),
        ),
        rows=lambda session: batched(session, SupportGrant, col(SupportGrant.customer_id) == customer_id, record),
        time_column="created_at",
    )


def _asks(customer_id: int) -> Section:
    def rows(session: Session) -> Iterator[list[Record]]:
        def record(ask: AccessAsk) -> Record:
            return {
                "agent": _agent_name(session, ask.agent_id),
                "reason": ask.reason,
                "created_at": ask.created_at,
                "expires_at": ask.expires_at,
                "status": ask.status,
                "answered_at": ask.answered_at,
            }

        return batched(session, AccessAsk, col(AccessAsk.customer_id) == customer_id, record)

    return Section(
        key="support_requests",
        title=N_("Support's requests for access"),
        about=N_("When a support agent asked you for access, why, and your answer."),
        table="access_ask",
        columns=(
            Column("agent", N_("Agent")),
            Column("reason", N_("Their reason")),
            Column("created_at", N_("Asked"), "datetime"),
            Column("expires_at", N_("Open until"), "datetime"),
            Column("status", N_("Answer"), words=ASK_ANSWERS),
            Column("answered_at", N_("Answered"), "datetime"),
        ),
        rows=rows,
        time_column="created_at",
    )


def _sessions(customer_id: int) -> Section:
    def rows(session: Session) -> Iterator[list[Record]]:
        def record(support_session: SupportSession) -> Record:
            log = session_log(session, support_session)
            return {
                "agent": log.agent_name,
                "reason": support_session.reason,
                "started_at": support_session.started_at,
                "ended_at": support_session.ended_at,
                "end_reason": _session_ending(support_session.end_reason) if support_session.end_reason else None,
                "pages_viewed": log.pages,
                "actions": log.described,
            }

        return batched(session, SupportSession, col(SupportSession.customer_id) == customer_id, record)

    return Section(
        key="support_sessions",
        title=N_("Support sessions on your account"),
        about=N_("Every time a support agent acted for you: why, when, the pages they viewed and what they did."),
        table="support_session",
        columns=(
            Column("agent", N_("Agent")),
            Column("reason", N_("Their reason")),
            Column("started_at", N_("Started"), "datetime"),
            Column("ended_at", N_("Ended"), "datetime"),
            Column("end_reason", N_("How it ended")),
            Column("pages_viewed", N_("Pages viewed")),
            Column("actions", N_("What they did")),
        ),
        rows=rows,
        time_column="started_at",
    )
