"""Restrictions of processing (GDPR Art. 18) and objections (Art. 21) a customer has in force."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .types import utc_field


class ProcessingRestriction(SQLModel, table=True):
    __tablename__ = "processing_restriction"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    category: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # restriction | objection
    reason: str = Field(max_length=1000)
    request_id: int = Field(unique=True)  # one restriction per request: the handler is idempotent by this
    created_at: datetime = utc_field()
    lifted_at: datetime | None = utc_field(nullable=True)
