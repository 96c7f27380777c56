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
from ...i18n import N_, _, ngettext
from ...i18n.formats import format_number
from ...models import Account
from ..messaging.language import clock, speaking_to
from ..messaging.notifications import enqueue_email
from . import passwords, throttle
from .auth import MAX_PASSWORD_LENGTH, throttle_policy

LOCKED_SUBJECT = N_("Too many wrong passwords on your privacy portal account")  # sent as _(LOCKED_SUBJECT)
# The audit action of a wrong password, per act it guarded.
FAILED_ACTIONS = {
    "password_change": "auth.password_change_failed",
    "withdrawal": "auth.withdrawal_password_failed",
    "email_change": "auth.email_change_password_failed",
    "step_up": "auth.step_up_password_failed",
}
# The act, as the lock-out email names it.
_ACT_WORDS = {
    "password_change": N_("password change"),
    "withdrawal": N_("withdrawal"),
    "email_change": N_("email change"),
    "step_up": N_("step up"),
}


class PasswordRecheckFailed(Invalid):
    """The password was wrong, or too many wrong ones were typed; `until` says when entry opens again."""

    def __init__(self, message: str, until: datetime | None = None) -> None:
        super().__init__(message)
        self.until = until


def until_text(until: datetime) -> str:
    """ "14:01 UTC": the time in the reader's zone, with the zone's name."""
    return clock(until)


def confirm_password(*, account_id: int, password: str, client: str, act: str) -> None:
    """Raises PasswordRecheckFailed unless `password` is the account's password and entry is not throttled."""
    policy = throttle_policy(get_settings())
    with session_scope() as session:
        account = session.get(Account, account_id)
        if account is None or account.deactivated_at is not None:
            raise PasswordRecheckFailed(_("This account no longer exists."))
        until = throttle.throttled_until(session=session, email=account.email, client=client, policy=policy)
        if until is not None:
            raise PasswordRecheckFailed(
                _("Too many wrong passwords. You can try again after {time}.").format(time=until_text(until)), until
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
            with speaking_to(account, own_act=True):
                act_words = _(_ACT_WORDS[act]) if act in _ACT_WORDS else act.replace("_", " ")
                enqueue_email(
                    session,
                    account_id=account.id,
                    to_address=account.email,
                    subject=_(LOCKED_SUBJECT),
                    body=ngettext(
                        "A wrong password was typed {count} time on your privacy portal account, the last time "
                        "when confirming: {act}. Password entry is paused until {time}.\n\n"
                        "If this was you, wait and try again. If it was not you, someone may be using a device "
                        "where you are signed in: sign out everywhere from your account page and change your "
                        "password.",
                        "A wrong password was typed {count} times on your privacy portal account, the last time "
                        "when confirming: {act}. Password entry is paused until {time}.\n\n"
                        "If this was you, wait and try again. If it was not you, someone may be using a device "
                        "where you are signed in: sign out everywhere from your account page and change your "
                        "password.",
                        policy.max_per_account,
                    ).format(
                        count=format_number(policy.max_per_account),
                        act=act_words,
                        time=until_text(until) if until else _("a few minutes from now"),
                    ),
                )
    if act == "password_change":  # the form has two password fields: say which one was wrong
        raise PasswordRecheckFailed(_("The current password is not correct."))
    raise PasswordRecheckFailed(_("The password is not correct."))
