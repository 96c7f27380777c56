"""Changing one's own password: the current password proves it is the account holder, the new one must be
a real password, and the change ends every other session and every support session on the account.

ASVS 4.0 V2.1: at least 12 characters, at most 128, any characters (spaces and Unicode included, nothing
composed or truncated), no composition rules; V3.3.3: other sessions end when the password changes. Wrong
current passwords count towards the sign-in throttle, so this form is no way around it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col

from ...audit import Actor, origin_of, record
from ...db import session_scope
from ...errors import Invalid
from ...i18n import N_, _, ngettext
from ...i18n.formats import format_number
from ...models import Account, AuthSession, Role, SupportSession
from ...models.types import utcnow
from ..access import Audience, use_case
from ..messaging.language import speaking_to
from ..messaging.notifications import notify_account
from ..support_access.support import end_support_sessions
from . import passwords, reauth, step_up, throttle
from .principal import Principal

MIN_LENGTH = 12
MAX_LENGTH = 128


@dataclass
class PasswordChangeError(Invalid):
    """What is wrong, and with which field ("current", "new" or "confirm"); nothing was changed."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def check_new_password(new: str, confirm: str, *, current: str, email: str) -> None:
    """The rules for a new password; raises PasswordChangeError naming the field."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in new):
        raise PasswordChangeError("new", _("The new password contains invisible or control characters."))
    length = len(new)
    if length < MIN_LENGTH:
        raise PasswordChangeError(
            "new",
            ngettext(
                "Use at least {count} character (a few words make a good one).",
                "Use at least {count} characters (a few words make a good one).",
                MIN_LENGTH,
            ).format(count=format_number(MIN_LENGTH)),
        )
    if length > MAX_LENGTH:
        raise PasswordChangeError(
            "new",
            ngettext("Use at most {count} character.", "Use at most {count} characters.", MAX_LENGTH).format(
                count=format_number(MAX_LENGTH)
            ),
        )
    if new == current:
        raise PasswordChangeError("new", _("The new password must differ from the current one."))
    if new.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        raise PasswordChangeError("new", _("Do not use your email address as your password."))
    if confirm != new:
        raise PasswordChangeError("confirm", _("The two new passwords do not match."))


@use_case(
    Audience.ACCOUNT_HOLDER,
    what=N_("change the customer's password"),
    refusal=lambda message: PasswordChangeError(
        "current", _("An agent acting for a customer cannot change the customer's password.")
    ),
)
def change_password(principal: Principal, *, current: str, new: str, confirm: str, client: str) -> int:
    """Change the signed-in account's password; returns how many other sessions were ended."""
    origin = origin_of("web", client)
    actor = Actor(account_id=principal.account_id, role=principal.role, origin=origin)
    # An empty form is a form not yet filled in, not a wrong password: say what to type, and count nothing.
    if not current:
        raise PasswordChangeError("current", _("Enter your current password."))
    if not new:
        raise PasswordChangeError("new", _("Enter a new password."))
    if not confirm:
        raise PasswordChangeError("confirm", _("Enter the new password again."))
    try:
        reauth.confirm_password(account_id=principal.account_id, password=current, client=client, act="password_change")
    except reauth.PasswordRecheckFailed as problem:
        raise PasswordChangeError("current", str(problem)) from None  # reauth names the current password
    step_up.require_recent_check(principal, password_checked=True)
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        if account is None or account.deactivated_at is not None:
            raise PasswordChangeError("current", _("This account is closed."))
        email = account.email
    check_new_password(new, confirm, current=current, email=email)

    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        assert account is not None and account.id is not None
        now = utcnow()
        account.password_hash, account.password_set_at = passwords.hash_password(new), now
        session.add(account)
        ended = (
            session.exec(
                update(AuthSession)
                .where(
                    col(AuthSession.account_id) == account.id,
                    col(AuthSession.revoked_at).is_(None),
                    col(AuthSession.token_hash) != principal.session_hash,
                )
                .values(revoked_at=now, revoked_reason="password_changed")
            ).rowcount
            or 0
        )
        whose = col(SupportSession.customer_id) if account.role == Role.CUSTOMER.value else col(SupportSession.agent_id)
        end_support_sessions(session, whose == account.id, reason="password_changed")
        throttle.clear_account_failures(session=session, email=account.email)
        record(
            session,
            action="auth.password_changed",
            actor=actor,
            subject_id=account.id,
            details={"other_sessions_ended": int(ended)},
        )
        with speaking_to(account, own_act=True):
            notify_account(
                session,
                account_id=account.id,
                title=_("Your password was changed"),
                body=_(
                    "The password of your privacy portal account was changed and every other session was "
                    "signed out. If this was not you, contact us at once."
                ),
                link="/account",
            )
        return int(ended)
