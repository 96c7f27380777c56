"""Server-side sessions: random 256-bit tokens, stored only as SHA-256, with idle and absolute timeouts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from ...models import Account, AuthSession
from ...models.types import utcnow

# Touching last_seen_at on every request would turn each page view into a write; a minute of slack in
# the idle timeout is worth far fewer writes.
_TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class ActiveSession:
    token_hash: str
    account: Account
    expires_at: datetime
    acting_customer_id: int | None = None
    support_session_id: int | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(
    *,
    session: Session,
    account: Account,
    policy: SessionPolicy,
    now: datetime | None = None,
    replaces: str | None = None,
    expires_at: datetime | None = None,
    acting_customer_id: int | None = None,
    support_session_id: int | None = None,
    parent_expires_at: datetime | None = None,
    checked_at: datetime | None = None,
    browser: str | None = None,
) -> str:
    """Start a session and return the cookie token. A session the browser already had is revoked, so
    the identifier always changes at sign-in (no session fixation). `checked_at`: the strong check that started it
    (a sign-in); a session made by rotation (acting for a customer, and back) has none until a step-up."""
    now = now or utcnow()
    if replaces:
        revoke_session(session=session, token=replaces, reason="rotated", now=now)
    token = secrets.token_urlsafe(32)
    assert account.id is not None
    session.add(
        AuthSession(
            token_hash=hash_token(token),
            account_id=account.id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at or now + policy.absolute,
            acting_customer_id=acting_customer_id,
            support_session_id=support_session_id,
            parent_expires_at=parent_expires_at,
            checked_at=checked_at,
            browser=browser,
        )
    )
    return token


def resolve_session(
    *, session: Session, token: str | None, policy: SessionPolicy, now: datetime | None = None
) -> ActiveSession | None:
    """The live session behind a cookie token, or None when missing, revoked, idle, expired or orphaned."""
    if not token or len(token) > 128:
        return None
    now = now or utcnow()
    row = session.get(AuthSession, hash_token(token))
    if row is None or row.revoked_at is not None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= policy.idle:
        row.revoked_at, row.revoked_reason = now, "expired"
        session.add(row)
        return None
    account = session.get(Account, row.account_id)
    if account is None or account.deactivated_at is not None:
        return None
    if now - row.last_seen_at >= _TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
    return ActiveSession(
        token_hash=row.token_hash,
        account=account,
        expires_at=row.expires_at,
        acting_customer_id=row.acting_customer_id,
        support_session_id=row.support_session_id,
    )


def revoke_session(*, session: Session, token: str, reason: str, now: datetime | None = None) -> None:
    row = session.get(AuthSession, hash_token(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at, row.revoked_reason = now or utcnow(), reason
        session.add(row)


def revoke_all_sessions(*, session: Session, account_id: int, reason: str, now: datetime | None = None) -> int:
    """End every session of an account (sign out everywhere, deactivation, erasure)."""
    result = session.exec(
        update(AuthSession)
        .where(col(AuthSession.account_id) == account_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now or utcnow(), revoked_reason=reason)
    )
    return int(result.rowcount or 0)


def active_sessions(
    *, session: Session, account_id: int, policy: SessionPolicy, now: datetime | None = None
) -> list[AuthSession]:
    """The account's sessions that `resolve_session` would still accept: not revoked, idle or expired."""
    now = now or utcnow()
    return list(
        session.exec(
            select(AuthSession).where(
                col(AuthSession.account_id) == account_id,
                col(AuthSession.revoked_at).is_(None),
                col(AuthSession.expires_at) > now,
                col(AuthSession.last_seen_at) > now - policy.idle,
            )
        )
    )
