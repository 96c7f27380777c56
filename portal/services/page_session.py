"""Whether an open page's session still stands, asked before each of its events and timers (the socket guard).

Apart from `principal`, because it needs the support rules (`acting_problem`), and support builds on principal.
"""

from __future__ import annotations

from enum import StrEnum

from ..config import Settings
from ..db import session_scope
from ..models import Account, AuthSession
from ..models.types import utcnow
from .auth import session_policy
from .support import acting_problem


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
