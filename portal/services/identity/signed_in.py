"""Where an account is signed in: its live sessions, and signing one of them out from another.

Someone who signs in on a shared or lost device can end that session from wherever they are now, without
signing out everywhere. A session is named on the page by a short reference cut from the SHA-256 of its token
(the key the database stores), never by the token: the reference cannot be turned back into a cookie, and the
service only ever looks it up among the signed-in person's own sessions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from ...audit import record
from ...config import get_settings
from ...db import session_scope
from ...errors import Forbidden, Invalid, NotFound
from ...i18n import N_, _
from ...models import AuthSession, SupportSession
from ...models.types import utcnow
from ..access import Audience, use_case
from ..support_access.support import end_support_sessions
from . import sessions
from .auth import session_policy
from .principal import Principal

REF_LENGTH = 12  # hex digits of the token hash: 48 bits, unique among one account's sessions by a wide margin
_REF = re.compile(rf"^[0-9a-f]{{{REF_LENGTH}}}$")


class SessionNotFound(NotFound):
    """No such live session of this account (the same answer for a wrong, ended or someone else's reference)."""


class NotYourOwnAccount(Forbidden):
    """An agent acting for a customer may not see or end the customer's sign-ins."""


@dataclass(frozen=True)
class SignedInSession:
    ref: str
    started_at: datetime
    last_seen_at: datetime  # to the minute: the portal records activity at most once a minute
    expires_at: datetime
    current: bool  # the session this page is shown in
    browser: str | None = None  # "Chrome 131 on Windows", as the browser named itself at sign-in


@use_case(Audience.ACCOUNT_HOLDER, what=N_("see or end the customer's sign-ins"), refusal=NotYourOwnAccount)
def list_signed_in(principal: Principal) -> list[SignedInSession]:
    """The account's live sessions (neither signed out, nor idle nor past their absolute timeout), the current
    one first, then the most recently active."""
    with session_scope() as session:
        rows = sessions.active_sessions(
            session=session, account_id=principal.account_id, policy=session_policy(get_settings())
        )
    found = [
        SignedInSession(
            ref=row.token_hash[:REF_LENGTH],
            started_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            current=row.token_hash == principal.session_hash,
            browser=_browser_in_words(row.browser),
        )
        for row in rows
    ]
    return sorted(found, key=lambda s: (not s.current, -s.last_seen_at.timestamp()))


@use_case(Audience.ACCOUNT_HOLDER, what=N_("see or end the customer's sign-ins"), refusal=NotYourOwnAccount)
def end_other_session(principal: Principal, ref: str) -> None:
    """Sign out one of the account's other sessions. The current one is ended by signing out."""
    if not _REF.match(ref or ""):
        raise SessionNotFound(_("There is no such session."))
    if principal.session_hash.startswith(ref):
        raise Invalid(_("This is the session you are using now: use Sign out instead."))
    with session_scope() as session:
        rows = session.exec(
            select(AuthSession).where(
                AuthSession.account_id == principal.account_id,
                col(AuthSession.revoked_at).is_(None),
                col(AuthSession.token_hash).startswith(ref),
            )
        ).all()
        if len(rows) != 1:
            raise SessionNotFound(_("There is no such session: it may have ended already."))
        row = rows[0]
        row.revoked_at, row.revoked_reason = utcnow(), "ended_by_owner"
        session.add(row)
        if row.support_session_id is not None:  # staff: a session acting for a customer ends its support session
            end_support_sessions(session, col(SupportSession.id) == row.support_session_id, reason="stopped")
        record(
            session,
            action="auth.session_ended",
            actor=principal.actor(),
            subject_id=principal.account_id,
            details={"session": ref},
        )


@use_case(Audience.ACCOUNT_HOLDER, what=N_("see or end the customer's sign-ins"), refusal=NotYourOwnAccount)
def end_all_other_sessions(principal: Principal) -> int:
    """Sign out every session of the account but this one (a shared computer, a lost phone, "was that me?");
    returns how many ended. Unlike signing out everywhere, the person stays signed in here."""
    with session_scope() as session:
        rows = session.exec(
            select(AuthSession).where(
                AuthSession.account_id == principal.account_id,
                col(AuthSession.revoked_at).is_(None),
                AuthSession.token_hash != principal.session_hash,
            )
        ).all()
        now = utcnow()
        for row in rows:
            row.revoked_at, row.revoked_reason = now, "ended_by_owner"
            session.add(row)
        acting = [row.support_session_id for row in rows if row.support_session_id is not None]
        if acting:
            end_support_sessions(session, col(SupportSession.id).in_(acting), reason="stopped")
        if rows:
            record(
                session,
                action="auth.other_sessions_ended",
                actor=principal.actor(),
                subject_id=principal.account_id,
                details={"sessions": len(rows)},
            )
        return len(rows)


def _browser_in_words(stored: str | None) -> str | None:
    """The browser as stored at sign-in ("Chrome 131 on Windows", English words) in the reader's language."""
    if not stored or " on " not in stored:
        return stored
    browser, system = stored.rsplit(" on ", 1)
    return _("{browser} on {system}").format(browser=browser, system=system)
