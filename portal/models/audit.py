"""The audit trail: append-only, hash-chained. Ids and action names only, never personal values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from .types import utc_field

GENESIS_HASH = "0" * 64
RESET_REQUESTED = "auth.password_reset_requested"  # the audit action of every password-reset mail sent
# The audit trail can only grow: sealed rows never change and no row is ever deleted. The migration
# installs these; `seed --reset` (demo only) lifts them for the wipe and puts them back.
SQLITE_APPEND_ONLY_TRIGGERS = {
    "audit_event_no_delete": """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    "audit_event_sealed_is_final": """CREATE TRIGGER audit_event_sealed_is_final BEFORE UPDATE ON audit_event
       WHEN OLD.seq IS NOT NULL BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
}


class AuditEvent(SQLModel, table=True):
    """Rows are inserted unsealed (seq and hash empty) inside the transaction of the change they record;
    the sealer then chains them in order. Database triggers refuse any UPDATE of a sealed row and any
    DELETE, so history can only grow."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_subject_at", "subject_id", "at"),
        # Only the password-reset rate limit looks events up by action (per client, the last hour). A partial
        # index serves it and is written by those events alone: an index on every action cost each audited
        # change 1.6 more pages, and the officers' "action contains" filter cannot use one anyway.
        Index(
            "ix_audit_reset_requests",
            "origin",
            "at",
            sqlite_where=text(f"action = '{RESET_REQUESTED}'"),
            postgresql_where=text(f"action = '{RESET_REQUESTED}'"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field()
    action: str = Field(max_length=48)
    actor_id: int | None = None  # plain ids, no foreign keys: the trail outlives erased accounts
    actor_role: str | None = Field(default=None, max_length=16)
    subject_id: int | None = None
    grant_id: int | None = None
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    origin: str | None = Field(default=None, max_length=64)  # channel plus a keyed hash of the client address
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The unique index on seq also finds the unsealed rows (seq IS NULL) for the sealer, in id order on SQLite
    # (an index entry ends with the rowid); a second index for them cost every audited change one more page.
    seq: int | None = Field(default=None, unique=True)
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class AuditSealState(SQLModel, table=True):
    """A single row: the head of the chain. Locking it serialises sealers across processes."""

    __tablename__ = "audit_seal_state"

    id: int = Field(default=1, primary_key=True)
    last_seq: int = 0
    last_hash: str = Field(default=GENESIS_HASH, max_length=64)
