"""Support access: grants a customer gives the support team, agents' asks, and every acting session."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .types import utc_field


class SupportGrant(SQLModel, table=True):
    """Permission for the support team to act as this customer, for a bounded time and scope."""

    __tablename__ = "support_grant"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    scope: str = Field(max_length=8)  # view | help
    ticket_ref: str | None = Field(default=None, max_length=64)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)
    ask_id: int | None = None


class AccessAsk(SQLModel, table=True):
    """An agent asking a customer for access; the customer accepts or declines, or it expires."""

    __tablename__ = "access_ask"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    agent_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    reason: str = Field(max_length=500)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    status: str = Field(default="pending", max_length=12)  # pending | accepted | declined | expired
    answered_at: datetime | None = utc_field(nullable=True)


class SupportSession(SQLModel, table=True):
    """One stretch of an agent acting as a customer under a grant; the customer sees all of them."""

    __tablename__ = "support_session"

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="support_grant.id", index=True, ondelete="CASCADE")
    agent_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    customer_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    reason: str = Field(max_length=500)
    started_at: datetime = utc_field()
    ended_at: datetime | None = utc_field(nullable=True)
    end_reason: str | None = Field(default=None, max_length=32)
