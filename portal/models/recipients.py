"""Who received a customer's data (the disclosure log), how to reach each recipient, and the GDPR Art. 19 notices
that tell a recipient about a rectification, an erasure or a restriction of data it received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from ..i18n import N_
from .types import utc_field

# A notice's `action` in words (marked here, translated where shown): what happened to the data the recipient holds.
NOTICE_ACTION_WORDS = {
    "rectification": N_("rectification"),
    "erasure": N_("erasure"),
    "restriction": N_("restriction"),
    "restriction_lifted": N_("restriction lifted"),
}


class Disclosure(SQLModel, table=True):
    """One transfer of a customer's records of one kind to one recipient, for one purpose (Art. 15(1)(c), Art. 19)."""

    __tablename__ = "disclosure"
    __table_args__ = (Index("ix_disclosure_customer_kind", "customer_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="account.id", ondelete="CASCADE")
    recipient: str = Field(max_length=32)  # a catalogue recipient key
    kind: str = Field(max_length=32)  # a catalogue record kind key
    purpose: str = Field(max_length=32)  # a catalogue purpose key
    disclosed_at: datetime = utc_field()
    record_refs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # the recipient's refs
    record_count: int = 1


class RecipientEndpoint(SQLModel, table=True):
    """Where a recipient takes Art. 19 notices (an HTTPS webhook), and the hash of the token it acknowledges with.
    A recipient without a row gets its notices as tasks for staff."""

    __tablename__ = "recipient_endpoint"

    recipient: str = Field(primary_key=True, max_length=32)
    url: str = Field(max_length=500)
    token_sha256: str = Field(max_length=64)  # the recipient's acknowledgement token, hashed
    enabled: bool = True
    updated_at: datetime = utc_field()


class RecipientNotice(SQLModel, table=True):
    """One Art. 19 notice to one recipient: what changed about records it holds, and what it must do.

    Written in the same transaction as the change it reports (never lost); delivered by the notice outbox
    (webhook, retried with back-off, dead after a configurable time) or, without an endpoint, a staff task."""

    __tablename__ = "recipient_notice"
    __table_args__ = (
        Index("ix_recipient_notice_delivery", "channel", "status", "next_attempt_at"),
        Index("ix_recipient_notice_request", "request_id"),
    )

    id: str = Field(primary_key=True, max_length=36)  # a UUID: the idempotency key a recipient dedupes by
    request_id: int
    customer_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    recipient: str = Field(max_length=32)
    action: str = Field(max_length=24)  # rectification | erasure | restriction | restriction_lifted
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # what is sent
    channel: str = Field(max_length=16)  # webhook | staff_task
    # pending -> delivered -> acknowledged; pending -> dead (gave up); a staff task: open -> acknowledged
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = utc_field()
    due_at: datetime = utc_field()  # when the recipient (or staff) should have confirmed
    attempts: int = 0
    next_attempt_at: datetime | None = utc_field(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = utc_field(nullable=True)
    answer: str | None = Field(default=None, max_length=16)  # done | not_held | refused
    answer_note: str | None = Field(default=None, max_length=1000)  # why refused, or the officer's note
    answered_at: datetime | None = utc_field(nullable=True)
    answered_by: int | None = None  # the officer who closed a staff task
    overdue_notified_at: datetime | None = utc_field(nullable=True)
