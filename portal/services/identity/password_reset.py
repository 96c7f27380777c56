"""A forgotten password: a reset link by email, good once, for 30 minutes, and only while the password it
was issued for is still the account's password.

Asking never tells whether an address has an account (the same answer either way, and no mail for an
unknown address), mails are limited per account and per client (but not by the sign-in throttle: a stranger's
wrong guesses must not lock the owner out of recovery), and a reset
ends every session and support session on the account (ASVS 4.0 V2.5)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import func, literal
from sqlmodel import Session, col, select

from ...audit import Actor, origin_of, record
from ...config import get_settings
from ...db import session_scope
from ...errors import Invalid
from ...i18n import DEFAULT_LOCALE, N_, PSEUDO_LOCALE, _, language_codes, ngettext, using_locale
from ...i18n.formats import format_number
from ...models import Account, AuditEvent, AuthSession, OutboxMessage, Role, SupportSession, UsedToken
from ...models.audit import RESET_REQUESTED
from ...models.types import utcnow
from ..messaging.language import speaking_to
from ..messaging.notifications import enqueue_email, notify_account
from ..support_access.support import end_support_sessions
from . import factors, passwords, throttle, tokens
from .account_security import PasswordChangeError, check_new_password
from .auth import normalise_email

SUBJECT = N_("Reset your privacy portal password")  # sent as _(SUBJECT), in the account's language
REQUESTED = RESET_REQUESTED  # the audit action of every reset mail sent (indexed by origin for the limit)
MAX_MAILS_PER_HOUR = 3  # per account
# Per client address (counted by the keyed hash the audit trail records, never the address itself): one client
# asking for many accounts' links would otherwise fill many inboxes. Enough for a family behind one router.
MAX_MAILS_PER_CLIENT_PER_HOUR = 10
LINK_MINUTES = tokens.MAX_AGE_SECONDS[tokens.Purpose.PASSWORD_RESET] // 60
LINK_PROBLEMS = {  # shown with link_problem(reason)
    "invalid": N_("This password-reset link is not valid: it is incomplete or was altered. Ask for a new one."),
    "used": N_("This password-reset link has already been used. Ask for a new one if you need it."),
    "replaced": N_(
        "This password-reset link no longer works: the password was changed after it was sent. Ask for a new one."
    ),
}
NOT_AN_ADDRESS = N_("Enter your email address in full, like name@example.com.")  # shown with _(NOT_AN_ADDRESS)


def link_problem(reason: str) -> str:
    """What is wrong with a reset link, in the reader's words."""
    if reason == "expired":
        return ngettext(
            "This password-reset link has expired: it works for {count} minute. Ask for a new one.",
            "This password-reset link has expired: it works for {count} minutes. Ask for a new one.",
            LINK_MINUTES,
        ).format(count=format_number(LINK_MINUTES))
    return _(LINK_PROBLEMS.get(reason, LINK_PROBLEMS["invalid"]))


def _subjects() -> list[str]:
    """The reset mail's subject in every language it may have been sent in (the hourly limit counts them all)."""
    subjects = {SUBJECT}
    for code in (*language_codes(), PSEUDO_LOCALE):
        if code != DEFAULT_LOCALE:
            with using_locale(code):
                subjects.add(_(SUBJECT))
    return sorted(subjects)


class ResetAddressInvalid(Invalid):
    """What was typed is not an email address at all (says nothing about accounts: any visitor may learn that)."""


def answer() -> str:
    """The answer to every well-formed address, account or not, and true to what the mail will do: without a
    mail server the message only waits in the outbox, so it must not say it was sent."""
    if get_settings().mail_is_delivered:
        return ngettext(
            "If an account exists for that address, we are emailing it a link to set a new password. The link works "
            "once, for {count} minute.",
            "If an account exists for that address, we are emailing it a link to set a new password. The link works "
            "once, for {count} minutes.",
            LINK_MINUTES,
        ).format(count=format_number(LINK_MINUTES))
    return _(
        "If an account exists for that address, we will email it a link to set a new password. This portal has no "
        "mail server set up yet, so the email waits until one is; ask the portal's operator if it does not arrive."
    )


def _fingerprint(password_hash: str | None) -> str:
    """Ties a link to the password it replaces: once the password changes, older links are dead."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def request_reset(email: str, *, client: str) -> str:
    """Send a reset link if the address has an active account; returns the answer to show, the same for every
    well-formed address. Raises ResetAddressInvalid for text that is no email address."""
    address = normalise_email(email)
    if address is None:
        raise ResetAddressInvalid(_(NOT_AN_ADDRESS))
    with session_scope() as session:
        # Not refused while sign-in is throttled: five wrong passwords typed by anyone would otherwise block the
        # owner's way back in. The caps per account and per client below still hold.
        account = session.exec(select(Account).where(Account.email == address)).first()
        if account is None or account.id is None or account.deactivated_at is not None:
            return answer()
        origin = origin_of("web", client)
        if (
            _mails_last_hour(session, account.id) >= MAX_MAILS_PER_HOUR
            or _mails_from_client_last_hour(session, origin) >= MAX_MAILS_PER_CLIENT_PER_HOUR
        ):
            return answer()
        token = tokens.sign(
            tokens.Purpose.PASSWORD_RESET,
            {"account_id": account.id, "token_id": uuid.uuid4().hex, "pw": _fingerprint(account.password_hash)},
        )
        link = get_settings().absolute(f"/reset-password?token={token}")
        with speaking_to(account):  # the account's language: whoever asked, the owner reads it
            enqueue_email(
                session,
                account_id=account.id,
                to_address=account.email,
                subject=_(SUBJECT),
                body=ngettext(
                    "Someone asked to reset the password of your privacy portal account. To choose a new "
                    "password, open this link within {count} minute:\n\n{link}\n\nIf it was not "
                    "you, ignore this email: your password stays as it is.",
                    "Someone asked to reset the password of your privacy portal account. To choose a new "
                    "password, open this link within {count} minutes:\n\n{link}\n\nIf it was not "
                    "you, ignore this email: your password stays as it is.",
                    LINK_MINUTES,
                ).format(count=format_number(LINK_MINUTES), link=link),
            )
        record(
            session,
            action=REQUESTED,
            actor=Actor(account_id=None, role="anonymous", origin=origin),
            subject_id=account.id,
        )
    return answer()


def _mails_last_hour(session: Session, account_id: int) -> int:
    since = utcnow() - timedelta(hours=1)
    return int(
        session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.account_id == account_id,
                col(OutboxMessage.subject).in_(_subjects()),
                col(OutboxMessage.created_at) >= since,
            )
        ).one()
    )


def _mails_from_client_last_hour(session: Session, origin: str) -> int:
    """Reset mails sent at this client's request: each one is an audit event with the client's keyed hash."""
    since = utcnow() - timedelta(hours=1)
    return int(
        session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                # The action inline, not as a parameter: a plan made for any action (PostgreSQL's generic plan) could
                # not use the partial index of reset events (ix_audit_reset_requests).
                AuditEvent.action == literal(REQUESTED, literal_execute=True),
                AuditEvent.origin == origin,
                col(AuditEvent.at) >= since,
            )
        ).one()
    )


def check_link(token: str) -> int:
    """The account a reset link is for; raises tokens.TokenError when it is altered, expired, used, or the
    password has changed since it was sent."""
    try:
        data = tokens.read(tokens.Purpose.PASSWORD_RESET, token)
    except tokens.TokenError as problem:  # the generic words name receipts too; this page knows what it holds
        raise tokens.TokenError(problem.reason, link_problem(problem.reason)) from None
    account_id, token_id = data.get("account_id"), str(data.get("token_id", ""))
    with session_scope() as session:
        if not token_id or session.get(UsedToken, token_id) is not None:
            raise tokens.TokenError("used", link_problem("used"))
        account = session.get(Account, account_id) if isinstance(account_id, int) else None
        if (
            account is None
            or account.deactivated_at is not None
            or data.get("pw") != _fingerprint(account.password_hash)
        ):
            raise tokens.TokenError("invalid", link_problem("replaced"))
        assert isinstance(account_id, int)  # the account was found by it
        return account_id


def link_account_has_factors(token: str) -> bool:
    """Whether the account a valid reset link is for has a second factor (the page then offers to remove it)."""
    account_id = check_link(token)
    with session_scope() as session:
        account = session.get(Account, account_id)
        return account is not None and factors.has_second_factor(session, account)


def reset_password(token: str, *, new: str, confirm: str, client: str, lost_factors: bool = False) -> None:
    """Set a new password through a reset link; raises tokens.TokenError or PasswordChangeError. With
    `lost_factors`, every second factor is also removed, but only after `factors.RESET_WAIT` (the owner is told at
    once and can cancel it by signing in with a factor they still have): the mailbox alone is not the account."""
    account_id = check_link(token)
    token_id = str(tokens.read(tokens.Purpose.PASSWORD_RESET, token)["token_id"])
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None and account.id is not None
        check_new_password(new, confirm, current="", email=account.email)
        if passwords.verify_password(account.password_hash, new):
            raise PasswordChangeError("new", _("The new password must differ from the current one."))
        session.add(UsedToken(token_id=token_id, purpose=tokens.Purpose.PASSWORD_RESET.value, used_at=utcnow()))
        session.flush()  # a concurrent use of the same link fails here, on the primary key
        now = utcnow()
        account.password_hash, account.password_set_at = passwords.hash_password(new), now
        session.add(account)
        for row in session.exec(
            select(AuthSession).where(AuthSession.account_id == account.id, col(AuthSession.revoked_at).is_(None))
        ):
            row.revoked_at, row.revoked_reason = now, "password_reset"
            session.add(row)
        whose = col(SupportSession.customer_id) if account.role == Role.CUSTOMER.value else col(SupportSession.agent_id)
        end_support_sessions(session, whose == account.id, reason="password_reset")
        throttle.clear_account_failures(session=session, email=account.email)
        actor = Actor(account_id=account.id, role=account.role, origin=origin_of("email-link", client))
        record(session, action="auth.password_reset", actor=actor, subject_id=account.id)
        if lost_factors and factors.has_second_factor(session, account) and account.factor_reset_due_at is None:
            factors.request_reset(session, account, actor=actor, now=now)
        with speaking_to(account):
            notify_account(
                session,
                account_id=account.id,
                title=_("Your password was reset"),
                body=_(
                    "The password of your privacy portal account was reset through an emailed link and "
                    "every session was signed out. If this was not you, contact us at once."
                ),
                link="/account",
            )
