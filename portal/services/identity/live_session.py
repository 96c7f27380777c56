"""The session as it stands right now: who a request is from (`principal_for_token`, for every HTTP request) and
whether an open page's session still stands (`session_standing`, before each of its events and timers).

Apart from `principal`, because both need the support rules (an agent acting under a grant), and support builds on
principal: the arrows run principal <- support <- live_session, one way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, or_, select

from ...config import Settings
from ...db import session_scope
from ...models import Account, AuthSession, Role, SupportGrant, SupportSession
from ...models.types import utcnow
from ..access import acting_problem
from ..support_access.support_acting import acting_principal, end_if_over_in
from . import factors, sessions
from .auth import session_policy
from .principal import Principal


class Standing(StrEnum):
    """Where a page's session stands when the page wants to act."""

    LIVE = "live"
    ENDED = "ended"  # signed out, password changed, idle or past its absolute timeout
    GRANT_ENDED = "grant_ended"  # an agent acting for a customer whose grant is over
    ACCOUNT_GONE = "account_gone"  # the account was erased or is being erased (a withdrawal), or was closed


def session_standing(settings: Settings, session_hash: str, account_id: int) -> Standing:
    """Cheap re-check used before every event of an open page, so a revoked or expired session stops at once."""
    return session_standings(settings, [(session_hash, account_id)])[session_hash]


# SQLite allows 32,766 bound values per statement (999 before 3.32): well under either, whatever the build.
_CHUNK = 500


def session_standings(settings: Settings, pages: Iterable[tuple[str, int]]) -> dict[str, Standing]:
    """The standing of many sessions at once, by session hash (see `session_checks`)."""
    return {session_hash: check.standing for session_hash, check in session_checks(settings, pages).items()}


@dataclass(frozen=True)
class SessionCheck:
    standing: Standing
    # While live: the moment it ends by time alone, if nothing is done meanwhile (the idle or the absolute timeout,
    # the end of an agent's grant). Whatever else ends a session is a write the change feed announces.
    live_until: datetime | None = None


def session_checks(settings: Settings, pages: Iterable[tuple[str, int]]) -> dict[str, SessionCheck]:
    """Where many sessions stand, and until when the live ones stand by time alone: what the open-page watcher asks
    for all the pages of the process, in two queries (sessions, then accounts of the missing ones) whatever their
    number, plus one short look per agent acting for a customer."""
    wanted = dict(pages)  # session hash -> account id
    hashes = list(wanted)
    policy = session_policy(settings)
    checks: dict[str, SessionCheck] = {}
    with session_scope() as session:
        rows: dict[str, AuthSession] = {}
        for start in range(0, len(hashes), _CHUNK):
            chunk = hashes[start : start + _CHUNK]
            rows.update(
                (row.token_hash, row)
                for row in session.exec(select(AuthSession).where(col(AuthSession.token_hash).in_(chunk)))
            )
        missing = [h for h in hashes if h not in rows or rows[h].revoked_at is not None]
        missing_ids = sorted({wanted[h] for h in missing})
        existing: set[int] = set()
        for start in range(0, len(missing_ids), _CHUNK):
            chunk_ids = missing_ids[start : start + _CHUNK]
            # A withdrawal locks the account out (deactivated, sessions revoked) before it erases it, one step at a
            # time: a page left open says "the account is gone" from the first step on, not "your session ended".
            found = session.exec(
                select(Account.id).where(
                    col(Account.id).in_(chunk_ids),
                    or_(col(Account.deactivated_at).is_(None), col(Account.role) != Role.CUSTOMER.value),
                )
            ).all()
            existing.update(account_id for account_id in found if account_id is not None)
        now = utcnow()
        for session_hash in hashes:
            row = rows.get(session_hash)
            if row is None or row.revoked_at is not None:
                gone = wanted[session_hash] not in existing
                checks[session_hash] = SessionCheck(Standing.ACCOUNT_GONE if gone else Standing.ENDED)
            elif row.acting_customer_id is not None and acting_problem(session, row) is not None:
                checks[session_hash] = SessionCheck(Standing.GRANT_ENDED)
            elif now < row.expires_at and now - row.last_seen_at < policy.idle:
                until = min(row.expires_at, row.last_seen_at + policy.idle)
                if row.acting_customer_id is not None:
                    until = min(until, _grant_ends(session, row) or until)
                checks[session_hash] = SessionCheck(Standing.LIVE, until)
            else:
                checks[session_hash] = SessionCheck(Standing.ENDED)
    return checks


def _grant_ends(session: Session, row: AuthSession) -> datetime | None:
    """When the grant an agent acts under runs out (acting_problem has just read the same rows)."""
    support_session = session.get(SupportSession, row.support_session_id) if row.support_session_id else None
    grant = session.get(SupportGrant, support_session.grant_id) if support_session is not None else None
    return grant.expires_at if grant is not None else None


@dataclass(frozen=True)
class RequestSession:
    """Who an HTTP request is from, and whether an agent's acting session ended on the way."""

    principal: Principal | None
    rotated: str | None = None  # the agent's own new session token, when their acting session just ended
    ended: str | None = None  # why it ended (None: it did not)


def request_session(settings: Settings, token: str | None) -> RequestSession:
    """What the middleware asks for every request, in one unit of work: end an acting session whose grant is over
    (back to the agent's own session), then resolve the principal of the token that stands."""
    if not token:
        return RequestSession(None)
    with session_scope() as session:
        over = end_if_over_in(session, token)
        if over is None:
            return RequestSession(_principal_in(session, settings, token))
        rotated, ended = over
        return RequestSession(_principal_in(session, settings, rotated) if rotated else None, rotated, ended)


def principal_for_token(settings: Settings, token: str | None) -> Principal | None:
    if not token:
        return None
    with session_scope() as session:
        return _principal_in(session, settings, token)


def _principal_in(session: Session, settings: Settings, token: str) -> Principal | None:
    active = sessions.resolve_session(session=session, token=token, policy=session_policy(settings))
    if active is None:
        return None
    account = active.account
    assert account.id is not None
    if active.acting_customer_id is not None:
        return acting_principal(session, active)
    unprotected = account.is_staff and settings.staff_require_2fa and not factors.has_second_factor(session, account)
    return Principal(
        account_id=account.id,
        role=account.role,
        display_name=account.display_name,
        email=account.email,
        session_hash=active.token_hash,
        session_expires_at=active.expires_at,
        needs_second_factor=unprotected,
        locale=account.locale,
        time_zone=account.time_zone,
    )
