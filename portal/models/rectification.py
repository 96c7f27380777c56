"""Statements a customer adds to data they contest, and used single-use links."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .types import utc_field


class FieldStatement(SQLModel, table=True):
    """A supplementary statement (GDPR Art. 16) on a record the customer cannot correct themselves."""

    __tablename__ = "field_statement"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40)
    record_id: int
    field: str = Field(max_length=40)
    statement: str = Field(max_length=1000)
    created_at: datetime = utc_field()


class UsedToken(SQLModel, table=True):
    """Single-use tokens that have been spent (email-change links): a replay finds its id here."""

    __tablename__ = "used_token"

    token_id: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=32)
    used_at: datetime = utc_field()


class DeletionReceipt(SQLModel, table=True):
    """What a deletion receipt said, kept without personal data so a receipt can be checked after the
    account is gone. The receipt itself is signed; this row lets the verify page also confirm it was issued."""

    __tablename__ = "deletion_receipt"

    receipt_id: str = Field(primary_key=True, max_length=36)
    request_id: int
    issued_at: datetime = utc_field()
    digest: str = Field(max_length=64)  # SHA-256 of the signed document
    document: str = Field(max_length=8000)  # the signed receipt itself: ids, categories and dates only
