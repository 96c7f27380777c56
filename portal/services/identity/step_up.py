"""Step-up: a sensitive act needs a strong check of the last few minutes, whatever page or socket asks for it.

Downloading an export, withdrawing (or withdrawing a consent that erases data), changing the sign-in address or the
password, granting or revoking support access, an agent starting to act for a customer, and adding or removing a
second factor each call `require_recent_check` in the service itself, so a stolen session cookie (a page left open,
a cookie lifted from a shared computer) cannot do them without the factor: not through a page, not through the
websocket, not through a download link (OWASP ASVS 5.0 V7.5: re-authentication before sensitive transactions).

The check is recorded on the session row (`auth_session.checked_at`): the sign-in itself is one, and a step-up
(passkey, or password plus the second factor where one is set up; see `step_up_check`) is another. An account
without any second factor has nothing stronger than its password, so for it the password the form just asked for
(`password_checked=True`) is the whole check.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from ...config import get_settings
from ...db import session_scope
from ...errors import Forbidden
from ...i18n import N_, _
from ...models import Account, AuthSession
from ...models.types import utcnow
from ..access import Audience, use_case
from . import factors
from .principal import Principal


class StepUpRequired(Forbidden):
    """The act needs a fresh check (passkey, or password and second factor): the page asks for one and retries."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            if message is not None
            else _("Please confirm it is you first: this needs a check of the last few minutes.")
        )


def window() -> timedelta:
    return timedelta(minutes=get_settings().step_up_minutes)


def _fresh(row: AuthSession, now: datetime) -> bool:
    return row.checked_at is not None and timedelta(0) <= now - row.checked_at <= window()


def require_recent_check(principal: Principal, *, password_checked: bool = False) -> None:
    """Raise StepUpRequired unless the principal's session had a strong check within the window. With
    `password_checked` (the caller has just verified the password a form asked for) an account without a second
    factor passes, and its session counts as checked now."""
    if principal.acting is not None:  # an agent's acting session is never the customer's own check
        raise StepUpRequired(_("Only the customer can confirm this, in their own session."))
    now = utcnow()
    with session_scope() as session:
        row = session.get(AuthSession, principal.session_hash)
        if row is None or row.revoked_at is not None or row.account_id != principal.account_id:
            raise StepUpRequired()
        if _fresh(row, now):
            return
        account = session.get(Account, principal.account_id)
        if password_checked and account is not None and not factors.has_second_factor(session, account):
            mark_checked(session, row, now)
            return
    raise StepUpRequired()


def require_fresh_row(session: Session, token_hash: str) -> None:
    """The same rule for a caller that has the session row rather than a principal (an agent starting to act)."""
    row = session.get(AuthSession, token_hash)
    if row is None or row.revoked_at is not None or not _fresh(row, utcnow()):
        raise StepUpRequired()


def mark_checked(session: Session, row: AuthSession, now: datetime | None = None) -> None:
    row.checked_at = now or utcnow()
    session.add(row)


@use_case(Audience.SIGNED_IN, what=N_("confirm it is you"))
def is_recent(principal: Principal) -> bool:
    """Whether a sensitive act would pass now (pages ask before a native form posts, so the person is asked first)."""
    try:
        require_recent_check(principal)
    except StepUpRequired:
        return False
    return True
