"""Consents: the current state per purpose and the append-only ledger of every change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .types import utc_field


class ConsentState(SQLModel, table=True):
    __tablename__ = "consent_state"

    customer_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    purpose: str = Field(primary_key=True, max_length=40)
    granted: bool
    policy_version: str = Field(max_length=16)
    updated_at: datetime = utc_field()
    gpc_applied: bool = False  # withdrawn because the browser sent a Global Privacy Control signal


class ConsentLedgerEntry(SQLModel, table=True):
    """One row per consent given or withdrawn; never updated. `customer_id` is a plain id (no foreign key)
    so the record that consent was withdrawn survives the erasure it triggered, without personal values."""

    __tablename__ = "consent_ledger"
    __table_args__ = (Index("ix_consent_ledger_customer_at", "customer_id", "at"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int
    purpose: str = Field(max_length=40)
    granted: bool
    policy_version: str = Field(max_length=16)
    at: datetime = utc_field()
    channel: str = Field(max_length=16)  # portal | gpc | registration | withdrawal | support
    actor_id: int | None = None
    actor_role: str = Field(max_length=16)
    request_id: int | None = None


class PolicyReview(SQLModel, table=True):
    """The policy version a customer last reviewed; a newer catalogue asks them to review what changed."""

    __tablename__ = "policy_review"

    customer_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    policy_version: str = Field(max_length=16)
    reviewed_at: datetime = utc_field()
