"""Export sections of support access: the grants the customer gave, support's requests for access, and every support
session on the account with what the agent looked at and did (the customer's own log on the Support access page)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, col

from ....exports.sections import Column, Section
from ....models import AccessAsk, Account, SupportGrant, SupportSession
from ...support_access.support import SCOPES, session_log
from .reading import Record, batched, plain_words

FORMER_AGENT = "a former agent"


def sections(customer_id: int) -> list[Section]:
    return [_grants(customer_id), _asks(customer_id), _sessions(customer_id)]


def _agent_name(session: Session, agent_id: int | None) -> str:
    agent = session.get(Account, agent_id) if agent_id is not None else None
    return agent.display_name if agent is not None else FORMER_AGENT


def _grants(customer_id: int) -> Section:
    def record(grant: SupportGrant) -> Record:
        return {
            "scope": grant.scope,
            "scope_words": SCOPES.get(grant.scope, plain_words(grant.scope)),
            "ticket_ref": grant.ticket_ref,
            "created_at": grant.created_at,
            "expires_at": grant.expires_at,
            "revoked_at": grant.revoked_at,
            "asked_by_support": grant.ask_id is not None,
        }

    return Section(
        key="support_grants",
        title="Support access you granted",
        about="Each time you let the support team act for you, for how long and for what.",
        table="support_grant",
        columns=(
            Column("scope", "Scope key", in_report=False),
            Column("scope_words", "Access"),
            Column("ticket_ref", "Ticket"),
            Column("created_at", "Given", "datetime"),
            Column("expires_at", "Until", "datetime"),
            Column("revoked_at", "Revoked", "datetime"),
            Column("asked_by_support", "Support asked for it"),
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
        title="Support's requests for access",
        about="When a support agent asked you for access, why, and your answer.",
        table="access_ask",
        columns=(
            Column("agent", "Agent"),
            Column("reason", "Their reason"),
            Column("created_at", "Asked", "datetime"),
            Column("expires_at", "Open until", "datetime"),
            Column("status", "Answer"),
            Column("answered_at", "Answered", "datetime"),
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
                "end_reason": plain_words(support_session.end_reason) if support_session.end_reason else None,
                "pages_viewed": log.pages,
                "actions": log.described,
            }

        return batched(session, SupportSession, col(SupportSession.customer_id) == customer_id, record)

    return Section(
        key="support_sessions",
        title="Support sessions on your account",
        about="Every time a support agent acted for you: why, when, the pages they viewed and what they did.",
        table="support_session",
        columns=(
            Column("agent", "Agent"),
            Column("reason", "Their reason"),
            Column("started_at", "Started", "datetime"),
            Column("ended_at", "Ended", "datetime"),
            Column("end_reason", "How it ended"),
            Column("pages_viewed", "Pages viewed"),
            Column("actions", "What they did"),
        ),
        rows=rows,
        time_column="started_at",
    )
