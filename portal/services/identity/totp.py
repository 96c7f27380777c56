"""One-time codes from an authenticator app (TOTP, RFC 6238: six digits every 30 seconds), with pyotp.

Setting them up is two steps, and nothing is stored until the second: the page shows a new secret (a QR code and
the text), and only a code from the app proves the app has it; then the secret is stored and ten recovery codes are
shown once. A code is accepted for the time step before, at and after now (clocks drift), and only for a step later
than the last one accepted on the account, so a code seen over someone's shoulder cannot be used again
(ASVS 5.0 V6.5.1). Wrong codes count in the sign-in throttle, wherever they are typed."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno

from ...audit import record
from ...db import session_scope
from ...errors import Conflict, Invalid
from ...i18n import N_, _
from ...models import Account
from ...models.types import utcnow
from ..access import Audience, use_case
from ..messaging.language import speaking_to
from . import factors, recovery_codes, step_up
from .principal import Principal

ISSUER = "Privacy Portal"
DRIFT_STEPS = 1  # the step before and after now, for a phone whose clock is a little off


class CodeRefused(Invalid):
    """The one-time code was wrong, old, or already used; the message says so without telling which."""


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, shown as text for apps that cannot scan
    uri: str  # otpauth:// for the QR code
    qr_svg_data_uri: str


def normalise(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())[:8]


def accept(account: Account, raw: str, *, now: datetime | None = None, secret: str | None = None) -> bool:
    """Whether `raw` is a fresh code for the account's secret (or `secret`, during enrolment); moves the account's
    last accepted step on when it is. The caller commits, and counts a False in the throttle."""
    secret = secret or account.totp_secret
    code = normalise(raw)
    if not secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    last = account.totp_last_step if account.totp_last_step is not None else -1
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last and hmac.compare_digest(totp.generate_otp(step), code):
            account.totp_last_step = step
            return True
    return False


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def start_enrolment(principal: Principal) -> Enrolment:
    """A new secret for the page to show; nothing is stored until `finish_enrolment` gets a code for it."""
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    uri = pyotp.TOTP(secret).provisioning_uri(name=principal.email, issuer_name=ISSUER)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")
    return Enrolment(secret, uri, qr)


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def finish_enrolment(principal: Principal, *, secret: str, code: str) -> list[str]:
    """Store the secret once a code from the app matches it; returns the ten recovery codes (shown once).
    Adding a factor needs a fresh check: a stolen session must not add its own authenticator app."""
    step_up.require_recent_check(principal)
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        assert account is not None and account.id is not None
        if account.totp_secret is not None:
            raise Conflict(_("One-time codes are already set up. Turn them off first to use another app."))
        account.totp_last_step = None
        if not accept(account, code, secret=secret):
            raise CodeRefused(_("That code does not match. Type the code your app shows now."))
        account.totp_secret, account.totp_enabled_at = secret, utcnow()
        session.add(account)
        codes = recovery_codes.issue(session, account_id=account.id)
        record(session, action="auth.totp_enabled", actor=principal.actor(), subject_id=account.id)
        with speaking_to(account, own_act=True):
            factors.tell_owner(
                session,
                account,
                _("One-time codes were set up on your account"),
                _("Signing in now needs a code from your authenticator app (or a passkey) after the password."),
            )
        return codes


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def turn_off(principal: Principal) -> None:
    """Remove the one-time codes and their recovery codes (needs a fresh check); the owner is told."""
    step_up.require_recent_check(principal)
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        assert account is not None and account.id is not None
        if account.totp_secret is None:
            raise Conflict(_("One-time codes are not set up."))
        account.totp_secret = account.totp_enabled_at = account.totp_last_step = None
        session.add(account)
        session.exec(recovery_codes.delete_all(account.id))
        record(session, action="auth.totp_disabled", actor=principal.actor(), subject_id=account.id)
        session.flush()
        factors.after_removal(session, account, factors.REMOVED_TOTP)


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def new_recovery_codes(principal: Principal) -> list[str]:
    """Ten new recovery codes; the old ones stop working (needs a fresh check)."""
    step_up.require_recent_check(principal)
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        assert account is not None and account.id is not None
        if account.totp_secret is None:
            raise Conflict(_("Recovery codes come with one-time codes: set those up first."))
        codes = recovery_codes.issue(session, account_id=account.id)
        record(session, action="auth.recovery_codes_renewed", actor=principal.actor(), subject_id=account.id)
        with speaking_to(account, own_act=True):
            factors.tell_owner(
                session, account, _("New recovery codes were made"), _("Your previous recovery codes no longer work.")
            )
        return codes
