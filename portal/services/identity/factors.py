"""The second factors of an account, taken together: what it has (passkeys, one-time codes, recovery codes), the
notice its owner gets whenever they change, and the lost-factor reset that removes them all after a wait.

A second factor only protects an account if its owner hears when one is added or removed (a session thief's first
move is to add a factor of their own, or to remove the owner's), and if losing a phone is not the end of the
account. The reset through the emailed password link waits `RESET_WAIT` before it removes the factors and tells the
owner at once, so an attacker who only has the mailbox cannot quietly strip them (NIST SP 800-63B 6.1.2.3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from ...audit import Actor, record
from ...db import session_scope
from ...errors import NotFound
from ...i18n import N_, _
from ...models import Account, PasskeyCredential, RecoveryCode
from ...models.types import utcnow
from ..access import Audience, use_case
from ..messaging.language import clock, day, speaking_to
from ..messaging.notifications import notify_account
from .principal import Principal

RESET_WAIT = timedelta(hours=24)
SECURITY_LINK = "/account"


@dataclass(frozen=True)
class Factors:
    passkeys: int
    totp: bool
    recovery_codes_left: int
    reset_due_at: datetime | None

    @property
    def any(self) -> bool:
        return self.passkeys > 0 or self.totp


def factors_of(session: Session, account: Account) -> Factors:
    assert account.id is not None
    passkeys = session.exec(
        select(func.count()).select_from(PasskeyCredential).where(col(PasskeyCredential.account_id) == account.id)
    ).one()
    codes = session.exec(
        select(func.count())
        .select_from(RecoveryCode)
        .where(col(RecoveryCode.account_id) == account.id, col(RecoveryCode.used_at).is_(None))
    ).one()
    return Factors(int(passkeys), account.totp_secret is not None, int(codes), account.factor_reset_due_at)


def has_second_factor(session: Session, account: Account) -> bool:
    return factors_of(session, account).any


def tell_owner(session: Session, account: Account, title: str, body: str) -> None:
    """A security notice: a notification in the portal and an email, written with the change it reports. Called
    inside `speaking_to(account)`: the caller's `title` and `body` and the words added here are in its language."""
    assert account.id is not None
    warning = _("If this was not you, sign in, sign out every other session and change your password at once.")
    notify_account(session, account_id=account.id, title=title, body=body + "\n\n" + warning, link=SECURITY_LINK)


# What `after_removal` says went, by what it was: one whole sentence each (the name of a passkey is filled in).
REMOVED_TOTP = "totp"
REMOVED_PASSKEY = "passkey"


def after_removal(session: Session, account: Account, what: str, name: str = "") -> None:
    """Tell the owner a factor went (`what`: REMOVED_TOTP, or REMOVED_PASSKEY with its `name`), and say so plainly
    when it was the last one. The owner removed it, in their own session: in the language they see the portal in."""
    last = not has_second_factor(session, account)
    with speaking_to(account, own_act=True):
        if what == REMOVED_PASSKEY:
            title = _("The passkey “{name}” was removed from your account").format(name=name)
            body = (
                _(
                    "The passkey “{name}” was removed, and it was the last second factor on your privacy portal "
                    "account: from now on the password alone signs in."
                )
                if last
                else _("The passkey “{name}” was removed.")
            ).format(name=name)
        else:
            title = _("One-time codes was removed from your account")
            body = (
                _(
                    "One-time codes was removed, and it was the last second factor on your privacy portal account: "
                    "from now on the password alone signs in."
                )
                if last
                else _("One-time codes was removed.")
            )
        if last:
            title = _("Your account no longer has a second factor")
        tell_owner(session, account, title, body)


def remove_all(session: Session, account: Account, *, actor: Actor, reason: str) -> None:
    """Every second factor goes: passkeys, one-time codes and recovery codes (a due lost-factor reset)."""
    assert account.id is not None
    session.exec(delete(PasskeyCredential).where(col(PasskeyCredential.account_id) == account.id))
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.account_id) == account.id))
    account.totp_secret = account.totp_enabled_at = account.totp_last_step = None
    account.factor_reset_due_at = None
    session.add(account)
    record(session, action="auth.factors_removed", actor=actor, subject_id=account.id, details={"why": reason})


def request_reset(session: Session, account: Account, *, actor: Actor, now: datetime | None = None) -> datetime:
    """Schedule the removal of every second factor (the owner lost them); returns when it takes effect."""
    assert account.id is not None
    due = (now or utcnow()) + RESET_WAIT
    account.factor_reset_due_at = due
    session.add(account)
    record(session, action="auth.factor_reset_requested", actor=actor, subject_id=account.id)
    with speaking_to(account):
        tell_owner(
            session,
            account,
            _("Your second factors will be removed"),
            _(
                "Someone who opened the password link we emailed you asked to remove every passkey and one-time code "
                "from your account because they were lost. This takes effect on {date} at {time}. Until then "
                "signing in still needs one of them; if you still have one, sign in with it and cancel the removal "
                "on your account page."
            ).format(date=day(due), time=clock(due)),
        )
    return due


def apply_due_reset(session: Session, account: Account, now: datetime | None = None) -> bool:
    """Carry out a lost-factor reset whose wait is over (at the next sign-in with the password); True if it ran."""
    due = account.factor_reset_due_at
    if due is None or due > (now or utcnow()):
        return False
    remove_all(
        session, account, actor=Actor(account_id=account.id, role=account.role, origin="web"), reason="reset_due"
    )
    with speaking_to(account):
        tell_owner(
            session,
            account,
            _("Your second factors were removed"),
            _(
                "The removal you asked for through the emailed password link took effect: your account has no "
                "passkey and no one-time codes any more. Add a new one on your account page."
            ),
        )
    return True


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def cancel_reset(principal: Principal) -> None:
    """Stop a pending lost-factor reset. No fresh check is needed: cancelling only keeps the factors there are."""
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        if account is None or account.factor_reset_due_at is None:
            raise NotFound(_("There is no removal of your second factors waiting."))
        account.factor_reset_due_at = None
        session.add(account)
        record(session, action="auth.factor_reset_cancelled", actor=principal.actor(), subject_id=principal.account_id)
        with speaking_to(account, own_act=True):
            tell_owner(
                session,
                account,
                _("The removal of your second factors was cancelled"),
                _("Your second factors stay in place."),
            )


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def current(principal: Principal) -> Factors:
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        if account is None:
            raise NotFound(_("This account no longer exists."))
        return factors_of(session, account)
