"""Asking for the password again before a sensitive act (withdrawal, password change, email change, a step-up).

A form that re-asks the password is a second door to guess it through, so wrong answers count in the very same
throttle as sign-in (per account and per client address); past the limit the form refuses and says until when,
and the account holder is told by email the moment the limit is reached (OWASP ASVS V6.3: notify on lock-out).
Each check runs in its own transaction, so a wrong answer is counted even though the act it guarded does not
happen."""

from __future__ import annotations

from datetime import datetime

from ...audit import Actor, origin_of, record
from ...config import get_settings
from ...db import session_scope
from ...errors import Invalid
from ...models import Account
from ..messaging.notifications import enqueue_email
from . import passwords, throttle
from .auth import MAX_PASSWORD_LENGTH, throttle_policy

LOCKED_SUBJECT = "Too many wrong passwords on your privacy portal account"
# The audit action of a wrong password, per act it guarded.
FAILED_ACTIONS = {
    "password_change": "auth.password_change_failed",
    "withdrawal": "auth.withdrawal_password_failed",
    "email_change": "auth.email_change_password_failed",
    "step_up": "auth.step_up_password_failed",
}


class PasswordRecheckFailed(Invalid):
    """The password was wrong, or too many wrong ones were typed; `until` says when entry opens again."""

    def __init__(self, message: str, until: datetime | None = None) -> None:
        super().__init__(message)
        self.until = until


def until_text(until: datetime) -> str:
    return f"{until:%H:%M} UTC"  # the customer's own time zone arrives with the language work (issue 22)


def confirm_password(*, account_id: int, password: str, client: str, act: str) -> None:
    """Raises PasswordRecheckFailed unless `password` is the account's password and entry is not throttled."""
    policy = throttle_policy(get_settings())
    with session_scope() as session:
        account = session.get(Account, account_id)
        if account is None or account.deactivated_at is not None:
            raise PasswordRecheckFailed("This account no longer exists.")
        until = throttle.throttled_until(session=session, email=account.email, client=client, policy=policy)
        if until is not None:
            raise PasswordRecheckFailed(
                f"Too many wrong passwords. You can try again after {until_text(until)}.", until
            )
        if passwords.verify_password(account.password_hash, password[:MAX_PASSWORD_LENGTH]):
            return
        throttle.record_failure(session=session, email=account.email, client=client)
        record(
            session,
            action=FAILED_ACTIONS[act],
            actor=Actor(account_id=account.id, role=account.role, origin=origin_of("web", client)),
            subject_id=account.id,
        )
        session.flush()
        if throttle.account_failures(session=session, email=account.email, policy=policy) == policy.max_per_account:
            until = throttle.throttled_until(session=session, email=account.email, client=client, policy=policy)
            enqueue_email(
                session,
                account_id=account.id,
                to_address=account.email,
                subject=LOCKED_SUBJECT,
                body=(
                    f"A wrong password was typed {policy.max_per_account} times on your privacy portal "
                    f"account, the last time when confirming: {act.replace('_', ' ')}. Password entry "
                    f"is paused until {until_text(until) if until else 'a few minutes from now'}.\n\n"
                    "If this was you, wait and try again. If it was not you, someone may be using a "
                    "device where you are signed in: sign out everywhere from your account page and "
                    "change your password."
                ),
            )
    raise PasswordRecheckFailed("The password is not correct.")
