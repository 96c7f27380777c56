"""The session as it stands right now: who a request is from (`principal_for_token`, for every HTTP request) and
whether an open page's session still stands (`session_standing`, before each of its events and timers).

Apart from `principal`, because both need the support rules (an agent acting under a grant), and support builds on
principal: the arrows run principal <- support <- live_session, one way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from ...config import Settings
from ...db import session_scope
from ...models import Account, AuthSession
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
    ACCOUNT_GONE = "account_gone"  # the account was erased (a withdrawal): nothing is left to act on


def session_standing(settings: Settings, session_hash: str, account_id: int) -> Standing:
    """Cheap re-check used before every event of an open page, so a revoked or expired session stops at once."""
    return session_standings(settings, [(session_hash, account_id)])[session_hash]


# SQLite allows 32,766 bound values per statement (999 before 3.32): well under either, whatever the build.
_CHUNK = 500


def session_standings(settings: Settings, pages: Iterable[tuple[str, int]]) -> dict[str, Standing]:
    """The standing of many sessions at once, by session hash: what the open-page watcher asks every sweep for
    all the pages of the process, in two queries (sessions, then accounts of the missing ones) whatever their
    number, plus one short look per agent acting for a customer."""
    wanted = dict(pages)  # session hash -> account id
    hashes = list(wanted)
    policy = session_policy(settings)
    standings: dict[str, Standing] = {}
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
            found = session.exec(select(Account.id).where(col(Account.id).in_(chunk_ids))).all()
            existing.update(account_id for account_id in found if account_id is not None)
        now = utcnow()
        for session_hash in hashes:
            row = rows.get(session_hash)
            if row is None or row.revoked_at is not None:
                gone = wanted[session_hash] not in existing
                standings[session_hash] = Standing.ACCOUNT_GONE if gone else Standing.ENDED
            elif row.acting_customer_id is not None and acting_problem(session, row) is not None:
                standings[session_hash] = Standing.GRANT_ENDED
            elif now < row.expires_at and now - row.last_seen_at < policy.idle:
                standings[session_hash] = Standing.LIVE
            else:
                standings[session_hash] = Standing.ENDED
    return standings


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
