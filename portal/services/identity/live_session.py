"""The session as it stands right now: who a request is from (`principal_for_token`, for every HTTP request) and
whether an open page's session still stands (`session_standing`, before each of its events and timers).

Apart from `principal`, because both need the support rules (an agent acting under a grant), and support builds on
principal: the arrows run principal <- support <- live_session, one way.
"""

from __future__ import annotations

from enum import StrEnum

from ...config import Settings
from ...db import session_scope
from ...models import Account, AuthSession
from ...models.types import utcnow
from ..access import acting_problem
from ..support_access.support_acting import acting_principal
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
    with session_scope() as session:
        row = session.get(AuthSession, session_hash)
        if row is None or row.revoked_at is not None:
            gone = session.get(Account, account_id) is None
            return Standing.ACCOUNT_GONE if gone else Standing.ENDED
        now = utcnow()
        policy = session_policy(settings)
        if row.acting_customer_id is not None and acting_problem(session, row) is not None:
            return Standing.GRANT_ENDED
        return Standing.LIVE if now < row.expires_at and now - row.last_seen_at < policy.idle else Standing.ENDED


def principal_for_token(settings: Settings, token: str | None) -> Principal | None:
    if not token:
        return None
    with session_scope() as session:
        active = sessions.resolve_session(session=session, token=token, policy=session_policy(settings))
        if active is None:
            return None
        account = active.account
        assert account.id is not None
        if active.acting_customer_id is not None:
            return acting_principal(session, active)
        unprotected = (
            account.is_staff and settings.staff_require_2fa and not factors.has_second_factor(session, account)
        )
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
