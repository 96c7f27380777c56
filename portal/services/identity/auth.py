"""Sign-in and sign-out use cases. The answer to a failed sign-in never says whether the account exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from ...audit import Actor, origin_of, record
from ...config import Settings
from ...models import Account, AuthSession
from ...models.types import utcnow
from . import browsers, factors, passwords, sessions, throttle

MAX_PASSWORD_LENGTH = 1024  # argon2 accepts more, but a megabyte "password" is only a way to burn CPU


class LoginOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # unknown email, wrong password or deactivated account: one answer for all
    THROTTLED = "throttled"
    SECOND_FACTOR = "second_factor"  # the password was right; a passkey or one-time code must follow


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    token: str | None = None
    account: Account | None = None


@dataclass(frozen=True)
class Browser:
    """What the sign-in request said about the browser: its `portal_browser` cookie (None: it keeps none) and its
    User-Agent header."""

    browser_id: str | None = None
    user_agent: str = ""


def session_policy(settings: Settings) -> sessions.SessionPolicy:
    return sessions.SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes), absolute=timedelta(hours=settings.session_absolute_hours)
    )


def throttle_policy(settings: Settings) -> throttle.ThrottlePolicy:
    return throttle.ThrottlePolicy(
        max_per_account=settings.login_max_failures_per_account,
        max_per_client=settings.login_max_failures_per_client,
        window=timedelta(minutes=settings.login_window_minutes),
    )


def normalise_email(raw: str) -> str | None:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def find_account(*, session: Session, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email == email)).first()


def login(
    *,
    session: Session,
    settings: Settings,
    email: str,
    password: str,
    client: str,
    previous_token: str | None = None,
    browser: Browser | None = None,
) -> LoginResult:
    """The password step. An account with a second factor answers SECOND_FACTOR (no session yet: see `second_step`);
    the failures counted against the account stay until the whole sign-in succeeds, so a known password does not
    reset the count of guessed one-time codes."""
    normalised = normalise_email(email) or email.strip().lower()[:254]
    policy = throttle_policy(settings)
    if throttle.is_throttled(session=session, email=normalised, client=client, policy=policy):
        record(
            session,
            action="auth.sign_in_throttled",
            actor=Actor(account_id=None, role="anonymous", origin=origin_of("web", client)),
        )
        return LoginResult(LoginOutcome.THROTTLED)
    account = find_account(session=session, email=normalised)
    usable = account is not None and account.deactivated_at is None
    valid = passwords.verify_password(
        account.password_hash if usable and account else None, password[:MAX_PASSWORD_LENGTH]
    )
    if not (usable and valid and account):
        throttle.record_failure(session=session, email=normalised, client=client)
        # The subject only when the account exists: the trail never holds the email typed.
        record(
            session,
            action="auth.sign_in_failed",
            actor=Actor(account_id=None, role="anonymous", origin=origin_of("web", client)),
            subject_id=account.id if account is not None else None,
        )
        return LoginResult(LoginOutcome.INVALID)
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
        session.add(account)
    factors.apply_due_reset(session, account)
    if factors.has_second_factor(session, account):
        return LoginResult(LoginOutcome.SECOND_FACTOR, account=account)
    return finish_sign_in(
        session=session,
        settings=settings,
        account=account,
        client=client,
        previous_token=previous_token,
        browser=browser,
        method="password",
    )


def finish_sign_in(
    *,
    session: Session,
    settings: Settings,
    account: Account,
    client: str,
    previous_token: str | None,
    browser: Browser | None,
    method: str,
) -> LoginResult:
    """Every factor the account needs was shown: start the session (a strong check as of now), clear the account's
    failures, remember the browser (telling the owner if it is new) and record how the person signed in."""
    browser = browser or Browser()
    now = utcnow()
    summary = browsers.describe(browser.user_agent)
    throttle.clear_account_failures(session=session, email=account.email)
    token = sessions.create_session(
        session=session,
        account=account,
        policy=session_policy(settings),
        replaces=previous_token,
        now=now,
        checked_at=now,
        browser=summary,
    )
    browsers.remember(session, account, browser_id=browser.browser_id, browser=summary, now=now)
    record(
        session,
        action="auth.signed_in",
        actor=Actor(account_id=account.id, role=account.role, origin=origin_of("web", client)),
        subject_id=account.id,
        details={"method": method},
    )
    return LoginResult(LoginOutcome.OK, token=token, account=account)


def logout(*, session: Session, token: str | None) -> None:
    if not token:
        return
    row = session.get(AuthSession, sessions.hash_token(token))
    sessions.revoke_session(session=session, token=token, reason="signed_out")
    if row is not None:
        record(
            session,
            action="auth.signed_out",
            actor=Actor(account_id=row.account_id, role="account", origin="web"),
            subject_id=row.account_id,
        )
