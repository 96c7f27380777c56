"""The request queue: every customer action is one row here, with its timeline of events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import utc_field


class RequestStatus(StrEnum):
    RECEIVED = "received"
    VERIFYING = "verifying"  # waiting for the customer to confirm (for example a link sent by email)
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"  # the last attempt failed; retried after back-off
    DEAD_LETTER = "dead_letter"  # out of attempts: a human must look at it
    CANCELED = "canceled"


OPEN_STATUSES = (
    RequestStatus.RECEIVED,
    RequestStatus.VERIFYING,
    RequestStatus.QUEUED,
    RequestStatus.PROCESSING,
    RequestStatus.FAILED,
    RequestStatus.DEAD_LETTER,
)
FINAL_STATUSES = (RequestStatus.COMPLETED, RequestStatus.REJECTED, RequestStatus.CANCELED)


class EventKind(StrEnum):
    STATUS = "status"
    NOTE_TO_CUSTOMER = "note_to_customer"
    NOTE_FROM_CUSTOMER = "note_from_customer"
    STAFF_COMMENT = "staff_comment"
    EXTENSION = "extension"
    ASSIGNMENT = "assignment"
    PROGRESS = "progress"


class PrivacyRequest(SQLModel, table=True):
    __tablename__ = "privacy_request"
    __table_args__ = (
        # Also the index of a customer's own requests (subject_id leads): every index is one more page written
        # by each filing, the portal's hottest write, so there is no second one on (subject_id, received_at).
        UniqueConstraint("subject_id", "idempotency_key", name="uq_request_subject_idempotency"),
        Index("ix_request_claim", "status", "next_attempt_at"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(max_length=32, index=True)
    subject_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    actor_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    actor_role: str = Field(max_length=16)
    grant_id: int | None = Field(default=None)  # the support-access grant an agent acted under
    channel: str = Field(max_length=16)  # portal | staff | support | system
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16)
    idempotency_key: str = Field(max_length=80)
    attempts: int = 0
    max_attempts: int = 5
    claimed_from: str | None = Field(default=None, max_length=16)  # the status a worker claimed it from
    lease_owner: str | None = Field(default=None, max_length=80)
    lease_expires_at: datetime | None = utc_field(nullable=True)
    next_attempt_at: datetime | None = utc_field(nullable=True)
    received_at: datetime = utc_field()
    due_at: datetime = utc_field()
    extended_due_at: datetime | None = utc_field(nullable=True)
    extension_reason: str | None = Field(default=None, max_length=500)
    completed_at: datetime | None = utc_field(nullable=True)
    outcome: str | None = Field(default=None, max_length=2000)
    rejection_reason: str | None = Field(default=None, max_length=2000)
    last_error: str | None = Field(default=None, max_length=2000)
    assignee_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    progress_done: int = 0
    progress_total: int = 0
    updated_at: datetime = utc_field()

    @property
    def effective_due_at(self) -> datetime:
        return self.extended_due_at or self.due_at


class RequestEvent(SQLModel, table=True):
    __tablename__ = "request_event"
    __table_args__ = (Index("ix_request_event_request_at", "request_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="privacy_request.id", ondelete="CASCADE")
    at: datetime = utc_field()
    kind: str = Field(max_length=24)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    actor_id: int | None = Field(default=None)
    actor_role: str | None = Field(default=None, max_length=16)
    message: str | None = Field(default=None, max_length=2000)
    visible_to_customer: bool = True
