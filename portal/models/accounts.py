"""Accounts (customers and staff), their server-side sessions and sign-in throttling."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .types import utc_field


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    DPO = "dpo"


# Staff: who works the request queue (support agents and privacy officers). Written once, here.
STAFF_ROLES = frozenset({Role.AGENT.value, Role.DPO.value})


class Account(SQLModel, table=True):
    __tablename__ = "account"
    # Never reuse the id of a deleted account: audit events and receipts keep pointing at it.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # normalised, lower-case; the login name
    role: str = Field(max_length=16)  # a Role value; plain text so new roles need no enum migration
    username: str = Field(max_length=64)
    display_name: str = Field(max_length=120)  # what the header shows; staff names for audit displays
    password_hash: str = Field(max_length=255)
    password_set_at: datetime = utc_field()
    created_at: datetime = utc_field()
    deactivated_at: datetime | None = utc_field(nullable=True)
    # One-time codes (RFC 6238): the base32 secret once enrolment is confirmed (never while it is being set up), and
    # the last time step a code was accepted for, so a code (or an older one) cannot be used twice.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_enabled_at: datetime | None = utc_field(nullable=True)
    totp_last_step: int | None = None
    # A lost-factor reset through the emailed password link: every second factor goes at this time, unless the owner
    # (who still has one) cancels it first. The wait gives the owner time to notice a takeover.
    factor_reset_due_at: datetime | None = utc_field(nullable=True)
    # The language the portal and its emails speak to this person ("de", "zh_Hans"; None: the browser's) and the time
    # zone times are shown in (an IANA name; None: the browser's, else UTC). Set on the account page.
    locale: str | None = Field(default=None, max_length=16)
    time_zone: str | None = Field(default=None, max_length=64)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.AGENT, Role.DPO)


class AuthSession(SQLModel, table=True):
    """A server-side session. Only the SHA-256 of the cookie's token is stored, so a leaked table
    cannot be replayed as cookies."""

    __tablename__ = "auth_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    created_at: datetime = utc_field()
    last_seen_at: datetime = utc_field()
    expires_at: datetime = utc_field()  # the absolute timeout; idle timeout is checked from last_seen_at
    revoked_at: datetime | None = utc_field(nullable=True)
    revoked_reason: str | None = Field(default=None, max_length=32)
    # Set while an agent acts as a customer: the session is the agent's, its subject the customer's.
    acting_customer_id: int | None = None
    support_session_id: int | None = None
    parent_expires_at: datetime | None = utc_field(nullable=True)  # the agent's own absolute expiry
    # The last strong check in this session (the sign-in itself, or a step-up): sensitive acts need a recent one.
    checked_at: datetime | None = utc_field(nullable=True)
    # The browser and system as the user agent named them at sign-in ("Chrome 131 on Windows"), parsed, never the
    # raw header: enough to tell one's sessions apart, no more.
    browser: str | None = Field(default=None, max_length=80)


class LoginFailure(SQLModel, table=True):
    """One failed sign-in, keyed by a hash of the account email or of the client address (`login_failure_key`)."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key_hash", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64)
    at: datetime = utc_field()


def login_failure_key(kind: str, value: str) -> str:
    """What `LoginFailure.key_hash` holds for an account email (kind "account") or a client address ("client").
    Here beside the table because both the throttle and an erasure (which deletes a customer's rows) compute it."""
    # Hashed so the table holds no email addresses or IPs (it is not personal data we need to show).
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()
