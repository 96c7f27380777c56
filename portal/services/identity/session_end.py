"""Why a session ended, in a word the sign-in page may show: a browser that a password change (or "sign out
everywhere") signed out should say so, not land on a bare sign-in form.

The word travels in the sign-in page's address (`/login?expired=1&reason=password_changed`): a socket can send an open
page to another address but set no cookie. So it is one of a fixed set of codes, never anything about the account; a
made-up or missing code reads as the plain "Your session has ended"."""

from __future__ import annotations

from ...db import session_scope
from ...models import AuthSession
from .sessions import hash_token

# What is stored when a session is ended (AuthSession.revoked_reason) -> the code the sign-in page knows.
_PUBLIC = {
    "password_changed": "password_changed",
    "password_reset": "password_reset",
    "everywhere": "signed_out_everywhere",
    "ended_by_owner": "signed_out_elsewhere",
    "signed_out": "signed_out",
    "email_change_stopped": "email_change_stopped",
    "expired": "timed_out",
}
REASONS = frozenset(_PUBLIC.values())


def why_ended(session_hash: str) -> str | None:
    """The public code for how this session ended, or None when there is nothing more to say than "it ended"."""
    with session_scope() as session:
        row = session.get(AuthSession, session_hash)
        if row is None:
            return None
        # Asked only about a session that is over: one nobody ended has run past its idle or absolute limit (it is
        # marked "expired" only when a request next presents it).
        stored = row.revoked_reason if row.revoked_at is not None else "expired"
    return _PUBLIC.get(stored or "")


def why_token_ended(token: str | None) -> str | None:
    """`why_ended` for a session cookie's token (the HTTP side, which has the token rather than its hash)."""
    if not token or len(token) > 128:
        return None
    return why_ended(hash_token(token))


def sign_in_address(reason: str | None) -> str:
    """Where a page whose session ended is sent."""
    return "/login?expired=1" + (f"&reason={reason}" if reason in REASONS else "")
