"""Sign-in throttling: failures are counted per account and per client address in a sliding window.

The per-account limit stops guessing one password; the per-client limit stops one address spraying
many accounts. A lock-out lasts only for the window, so an attacker cannot lock a customer out for
long, and successful sign-ins are never throttled retroactively.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from ...models import LoginFailure, login_failure_key
from ...models.types import utcnow


@dataclass(frozen=True)
class ThrottlePolicy:
    max_per_account: int
    max_per_client: int
    window: timedelta


def _key(kind: str, value: str) -> str:
    return login_failure_key(kind, value)


def _failures(session: Session, key: str, since: datetime) -> int:
    statement = (
        select(func.count()).select_from(LoginFailure).where(LoginFailure.key_hash == key, LoginFailure.at > since)
    )
    return int(session.exec(statement).one())


def is_throttled(
    *, session: Session, email: str, client: str, policy: ThrottlePolicy, now: datetime | None = None
) -> bool:
    since = (now or utcnow()) - policy.window
    return (
        _failures(session, _key("account", email), since) >= policy.max_per_account
        or _failures(session, _key("client", client), since) >= policy.max_per_client
    )


def throttled_until(
    *, session: Session, email: str, client: str, policy: ThrottlePolicy, now: datetime | None = None
) -> datetime | None:
    """When password entry opens again for this account and client, or None when it is open now. A limit holds
    while `max` failures lie in the window: it lifts when the max-th newest of them leaves the window."""
    now = now or utcnow()
    since = now - policy.window
    until: datetime | None = None
    limits = ((_key("account", email), policy.max_per_account), (_key("client", client), policy.max_per_client))
    for key, limit in limits:
        newest = session.exec(
            select(col(LoginFailure.at))
            .where(col(LoginFailure.key_hash) == key, col(LoginFailure.at) > since)
            .order_by(col(LoginFailure.at).desc())
            .limit(limit)
        ).all()
        if len(newest) >= limit:
            lifts = newest[limit - 1] + policy.window
            until = lifts if until is None else max(until, lifts)
    return until


def account_failures(*, session: Session, email: str, policy: ThrottlePolicy, now: datetime | None = None) -> int:
    return _failures(session, _key("account", email), (now or utcnow()) - policy.window)


def record_failure(*, session: Session, email: str, client: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.add(LoginFailure(key_hash=_key("account", email), at=now))
    session.add(LoginFailure(key_hash=_key("client", client), at=now))


def is_client_throttled(*, session: Session, client: str, policy: ThrottlePolicy, now: datetime | None = None) -> bool:
    """The per-address limit alone: a passkey sign-in names no account until its answer is checked."""
    return _failures(session, _key("client", client), (now or utcnow()) - policy.window) >= policy.max_per_client


def record_client_failure(*, session: Session, client: str, now: datetime | None = None) -> None:
    session.add(LoginFailure(key_hash=_key("client", client), at=now or utcnow()))


def clear_account_failures(*, session: Session, email: str) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.key_hash) == _key("account", email)))


def purge_old_failures(*, session: Session, policy: ThrottlePolicy, now: datetime | None = None) -> None:
    cutoff = (now or utcnow()) - policy.window
    session.exec(delete(LoginFailure).where(col(LoginFailure.at) <= cutoff))
