"""The second step of a sign-in, and signing in with a passkey alone.

After a right password on an account with a second factor, no session exists yet: the browser carries a signed,
five-minute "pending" token (a cookie) naming the account, and the next request must bring a one-time code, a
recovery code, or a passkey of that account. Wrong codes count in the same throttle as wrong passwords (per account
and per client address), and those failures are cleared only when the whole sign-in succeeds. A passkey alone
(usernameless) signs in too: it is two factors in one (the device and the fingerprint or PIN that unlocks it)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlmodel import Session

from ...audit import Actor, origin_of, record
from ...config import Settings
from ...db import session_scope
from ...i18n import _, ngettext
from ...i18n.formats import format_number
from ...models import Account
from ..messaging.language import speaking_to
from . import factors, passkey_assertions, recovery_codes, throttle, tokens, totp
from .auth import Browser, LoginOutcome, LoginResult, finish_sign_in, throttle_policy
from .passkeys import Ceremony, PasskeyRefused


@dataclass(frozen=True)
class Pending:
    account_id: int
    next_target: str | None


def pending_token(account_id: int, next_target: str | None) -> str:
    return tokens.sign(
        tokens.Purpose.SECOND_STEP, {"a": account_id, "n": next_target or "", "id": secrets.token_hex(8)}
    )


def read_pending(token: str | None) -> Pending | None:
    """The sign-in waiting for its second step, or None when there is none (absent, altered or over 5 minutes)."""
    if not token:
        return None
    try:
        data = tokens.read(tokens.Purpose.SECOND_STEP, token)
    except tokens.TokenError:
        return None
    account_id = data.get("a")
    if not isinstance(account_id, int):
        return None
    return Pending(account_id, str(data.get("n") or "") or None)


@dataclass(frozen=True)
class Choices:
    """What the second-step page offers the waiting account."""

    code: bool  # one-time codes (and so recovery codes) are set up
    ceremony: Ceremony | None  # one of the account's passkeys
    challenge_token: str = ""  # the ceremony's challenge, signed for the form


def choices(pending: Pending) -> Choices:
    with session_scope() as session:
        account = session.get(Account, pending.account_id)
        have = factors.factors_of(session, account) if account is not None else None
    if have is None:
        return Choices(code=False, ceremony=None)
    ceremony = passkey_assertions.assertion_options(account_id=pending.account_id) if have.passkeys else None
    token = passkey_assertions.challenge_token(ceremony) if ceremony is not None else ""
    return Choices(code=have.totp, ceremony=ceremony, challenge_token=token)


def with_code(
    *,
    session: Session,
    settings: Settings,
    pending: Pending,
    code: str,
    client: str,
    previous_token: str | None,
    browser: Browser | None,
) -> LoginResult:
    """Finish a sign-in with a one-time code from the app, or one of the recovery codes."""
    account = session.get(Account, pending.account_id)
    if account is None or account.deactivated_at is not None:
        return LoginResult(LoginOutcome.INVALID)
    actor = Actor(account_id=account.id, role=account.role, origin=origin_of("web", client))
    if throttle.is_throttled(session=session, email=account.email, client=client, policy=throttle_policy(settings)):
        record(session, action="auth.sign_in_throttled", actor=actor, subject_id=account.id)
        return LoginResult(LoginOutcome.THROTTLED)
    recovery = recovery_codes.looks_like_one(code)
    assert account.id is not None
    accepted = recovery_codes.use(session, account_id=account.id, raw=code) if recovery else totp.accept(account, code)
    if not accepted:
        throttle.record_failure(session=session, email=account.email, client=client)
        record(session, action="auth.second_factor_failed", actor=actor, subject_id=account.id)
        return LoginResult(LoginOutcome.INVALID)
    session.add(account)  # the last accepted time step moved on
    if recovery:
        left = factors.factors_of(session, account).recovery_codes_left
        record(session, action="auth.recovery_code_used", actor=actor, subject_id=account.id, details={"left": left})
        with speaking_to(account):
            factors.tell_owner(
                session,
                account,
                _("A recovery code was used to sign in"),
                ngettext(
                    "One of your recovery codes was used to sign in; {count} of them are left. If you lost your "
                    "phone, set up one-time codes again on your account page (you get new recovery codes), or add a "
                    "passkey.",
                    "One of your recovery codes was used to sign in; {count} of them are left. If you lost your "
                    "phone, set up one-time codes again on your account page (you get new recovery codes), or add a "
                    "passkey.",
                    left,
                ).format(count=format_number(left)),
            )
    return finish_sign_in(
        session=session,
        settings=settings,
        account=account,
        client=client,
        previous_token=previous_token,
        browser=browser,
        method="password+recovery_code" if recovery else "password+totp",
    )


def with_passkey(
    *,
    session: Session,
    settings: Settings,
    challenge_token: str,
    credential_json: str,
    pending: Pending | None,
    client: str,
    previous_token: str | None,
    browser: Browser | None,
) -> LoginResult:
    """Sign in with a passkey: alone (no pending sign-in: whoever's passkey it is), or as the second step (it must be
    one of the pending account's)."""
    policy = throttle_policy(settings)
    if throttle.is_client_throttled(session=session, client=client, policy=policy):
        record(
            session,
            action="auth.sign_in_throttled",
            actor=Actor(account_id=None, role="anonymous", origin=origin_of("web", client)),
        )
        return LoginResult(LoginOutcome.THROTTLED)
    try:
        challenge = passkey_assertions.spend_challenge(session, challenge_token)
        credential = passkey_assertions.credential_from_json(credential_json)
        row = passkey_assertions.verify_assertion(
            session,
            challenge=challenge,
            credential=credential,
            account_id=pending.account_id if pending is not None else None,
        )
    except PasskeyRefused:
        throttle.record_client_failure(session=session, client=client)
        record(
            session,
            action="auth.passkey_failed",
            actor=Actor(account_id=None, role="anonymous", origin=origin_of("web", client)),
            subject_id=pending.account_id if pending is not None else None,
        )
        return LoginResult(LoginOutcome.INVALID)
    account = session.get(Account, row.account_id)
    if account is None or account.deactivated_at is not None:
        return LoginResult(LoginOutcome.INVALID)
    return finish_sign_in(
        session=session,
        settings=settings,
        account=account,
        client=client,
        previous_token=previous_token,
        browser=browser,
        method="passkey",
    )
