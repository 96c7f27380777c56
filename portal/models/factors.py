"""Second factors and the browsers an account has signed in from: passkeys (WebAuthn credentials), one-time recovery
codes, and known browsers (so a sign-in from a new one can be reported to the owner). The TOTP secret itself is one
value per account and lives on `account`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from .types import utc_field


class PasskeyCredential(SQLModel, table=True):
    """A WebAuthn credential registered by its owner: the public key the portal checks assertions with, and the
    signature counter that reveals a cloned authenticator (a counter that does not grow)."""

    __tablename__ = "passkey_credential"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    credential_id: str = Field(max_length=1400, unique=True, index=True)  # base64url; the spec allows 1023 bytes
    public_key: bytes = Field(sa_type=LargeBinary)  # COSE key
    sign_count: int = 0
    transports: str = Field(default="", max_length=120)  # comma-separated hints: internal, hybrid, usb, nfc, ble
    aaguid: str = Field(default="", max_length=36)  # the authenticator's model, as it reported it
    backed_up: bool = False  # a synced passkey (password manager, phone platform)
    name: str = Field(max_length=64)  # the owner's name for it ("Work laptop")
    created_at: datetime = utc_field()
    last_used_at: datetime | None = utc_field(nullable=True)


class RecoveryCode(SQLModel, table=True):
    """One of the ten codes shown once when one-time codes are set up, for a lost phone. Stored as an argon2id
    hash (its own salt in it); a used code keeps its row with `used_at`, so the page can say how many are left."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=255)
    created_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)


class KnownBrowser(SQLModel, table=True):
    """A browser the account signed in from, named by the SHA-256 of a random long-lived cookie: a sign-in from a
    browser not in this table tells the owner."""

    __tablename__ = "known_browser"

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    browser_hash: str = Field(primary_key=True, max_length=64)
    browser: str | None = Field(default=None, max_length=80)  # as on the session ("Chrome 131 on Windows")
    first_seen_at: datetime = utc_field()
    last_seen_at: datetime = utc_field()
