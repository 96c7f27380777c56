"""Performing a step-up: the check a page asks for when a sensitive act answered StepUpRequired (see `step_up`).

What counts is the account's strongest way in: a passkey; or the password plus a one-time code (or a recovery code)
when one-time codes are set up; or the password alone only when the account has no second factor at all. A passkey
owner without one-time codes confirms with the passkey: their password alone is less than their sign-in needs.
Wrong passwords and codes count in the sign-in throttle, as everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from ...audit import origin_of, record
from ...db import session_scope
from ...errors import Invalid
from ...i18n import N_, _
from ...models import Account, AuthSession
from ..access import Audience, use_case
from . import factors, passkey_assertions, reauth, recovery_codes, step_up, throttle, totp
from .passkeys import Ceremony, PasskeyRefused
from .principal import Principal


@dataclass(frozen=True)
class Methods:
    """What the step-up dialog offers this account."""

    passkey: bool  # "Use your passkey"
    password: bool  # a password field (with a code field when `code`)
    code: bool  # a one-time code or recovery code must come with the password


class StepUpFailed(Invalid):
    """The check failed; `field` is where the page shows it ("password", "code" or "passkey")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@use_case(Audience.ACCOUNT_HOLDER, what=N_("confirm it is you"))
def methods(principal: Principal) -> Methods:
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        assert account is not None
        have = factors.factors_of(session, account)
    return Methods(passkey=have.passkeys > 0, password=have.totp or not have.any, code=have.totp)


@use_case(Audience.ACCOUNT_HOLDER, what=N_("confirm it is you"))
def with_password(principal: Principal, *, password: str, code: str = "", client: str) -> None:
    """Confirm with the password, and the one-time or recovery code where one-time codes are set up."""
    offered = methods(principal)
    if not offered.password:
        raise StepUpFailed("passkey", _("Confirm with your passkey: your account signs in with one."))
    try:
        reauth.confirm_password(account_id=principal.account_id, password=password, client=client, act="step_up")
    except reauth.PasswordRecheckFailed as problem:
        raise StepUpFailed("password", str(problem)) from None
    # One transaction either way: a wrong code is counted (and committed) instead of the check being recorded.
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        row = session.get(AuthSession, principal.session_hash)
        if account is None or account.id is None or row is None or row.revoked_at is not None:
            raise step_up.StepUpRequired(_("Your session has ended. Please sign in again."))
        accepted = True
        if offered.code:
            recovery = recovery_codes.looks_like_one(code)
            accepted = (
                recovery_codes.use(session, account_id=account.id, raw=code) if recovery else totp.accept(account, code)
            )
        if accepted:
            session.add(account)  # the last accepted time step moved on
            step_up.mark_checked(session, row)
            record(
                session,
                action="auth.step_up",
                actor=principal.actor(),
                subject_id=account.id,
                details={"how": "password"},
            )
        else:
            throttle.record_failure(session=session, email=account.email, client=client)
            record(
                session,
                action="auth.second_factor_failed",
                actor=principal.actor(origin_of("web", client)),
                subject_id=account.id,
            )
    if not accepted:
        raise StepUpFailed("code", _("That code is not right, or it was already used. Type the code shown now."))


@use_case(Audience.ACCOUNT_HOLDER, what=N_("confirm it is you"))
def passkey_options(principal: Principal) -> Ceremony:
    return passkey_assertions.assertion_options(account_id=principal.account_id)


@use_case(Audience.ACCOUNT_HOLDER, what=N_("confirm it is you"))
def with_passkey(principal: Principal, *, challenge: bytes, credential: dict[str, object]) -> None:
    """Confirm with one of the account's own passkeys, against the challenge the page kept."""
    refused: PasskeyRefused | None = None
    with session_scope() as session:  # committed even when refused: a cloned key's report must stay
        row = session.get(AuthSession, principal.session_hash)
        if row is None or row.revoked_at is not None:
            raise step_up.StepUpRequired(_("Your session has ended. Please sign in again."))
        try:
            passkey_assertions.verify_assertion(
                session, challenge=challenge, credential=credential, account_id=principal.account_id
            )
        except PasskeyRefused as problem:
            refused = problem
        else:
            step_up.mark_checked(session, row)
            record(
                session,
                action="auth.step_up",
                actor=principal.actor(),
                subject_id=principal.account_id,
                details={"how": "passkey"},
            )
    if refused is not None:
        raise StepUpFailed("passkey", str(refused))
