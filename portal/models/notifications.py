"""In-portal notifications and the persistent email outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .types import utc_field


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_account_created", "account_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    created_at: datetime = utc_field()
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str | None = Field(default=None, max_length=200)
    read_at: datetime | None = utc_field(nullable=True)


class OutboxMessage(SQLModel, table=True):
    """An email waiting to go out. Written in the same transaction as the change it reports, so a
    message is never lost when the SMTP server (or the process) is down."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=20000)
    created_at: datetime = utc_field()
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime | None = utc_field(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = utc_field(nullable=True)
