"""Passwords, sessions (rotation, expiry, revocation) and sign-in throttling."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.models import Account, AuthSession, Role
from portal.models.types import utcnow
from portal.services.identity import auth, passwords, sessions

POLICY = sessions.SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def _account(session: Session, email: str = "pat@example.com", password: str = "correct horse battery") -> Account:
    now = utcnow()
    account = Account(
        email=email,
        role=Role.CUSTOMER.value,
        username="pat",
        display_name="Pat",
        password_hash=passwords.hash_password(password),
        password_set_at=now,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


def test_password_hash_is_argon2id_with_owasp_parameters() -> None:
    hashed = passwords.hash_password("s3cret-value")
    assert hashed.startswith("$argon2id$")
    params = dict(p.split("=") for p in hashed.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2
    assert passwords.verify_password(hashed, "s3cret-value")
    assert not passwords.verify_password(hashed, "s3cret-valuf")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not a hash", "anything")


def test_demo_hash_is_deterministic_and_verifies() -> None:
    first = passwords.hash_password_with_fixed_salt("demo-password", salt_seed="a@example.com")
    assert first == passwords.hash_password_with_fixed_salt("demo-password", salt_seed="a@example.com")
    assert first != passwords.hash_password_with_fixed_salt("demo-password", salt_seed="b@example.com")
    assert passwords.verify_password(first, "demo-password")


def test_session_token_is_random_and_stored_only_hashed(empty_env: Path) -> None:
    with session_scope() as session:
        account = _account(session)
        token = sessions.create_session(session=session, account=account, policy=POLICY)
        other = sessions.create_session(session=session, account=account, policy=POLICY)
    assert token != other and len(token) >= 43  # 32 random bytes, url-safe base64
    with Session(get_engine()) as session:
        stored = [row.token_hash for row in session.exec(select(AuthSession)).all()]
    assert token not in stored and sessions.hash_token(token) in stored


def test_rotation_at_sign_in_revokes_the_previous_session(empty_env: Path) -> None:
    with session_scope() as session:
        account = _account(session)
        old = sessions.create_session(session=session, account=account, policy=POLICY)
        new = sessions.create_session(session=session, account=account, policy=POLICY, replaces=old)
    with session_scope() as session:
        assert sessions.resolve_session(session=session, token=old, policy=POLICY) is None
        assert sessions.resolve_session(session=session, token=new, policy=POLICY) is not None


def test_idle_and_absolute_timeouts(empty_env: Path) -> None:
    start = utcnow()
    with session_scope() as session:
        account = _account(session)
        token = sessions.create_session(session=session, account=account, policy=POLICY, now=start)
    with session_scope() as session:
        # active use keeps it alive past the idle limit...
        for minutes in (20, 40, 60):
            assert (
                sessions.resolve_session(
                    session=session, token=token, policy=POLICY, now=start + timedelta(minutes=minutes)
                )
                is not None
            )
    with session_scope() as session:
        # ...but 30 idle minutes end it, and it stays ended
        assert (
            sessions.resolve_session(session=session, token=token, policy=POLICY, now=start + timedelta(minutes=91))
            is None
        )
        assert (
            sessions.resolve_session(session=session, token=token, policy=POLICY, now=start + timedelta(minutes=92))
            is None
        )
    with session_scope() as session:
        busy = sessions.create_session(session=session, account=account, policy=POLICY, now=start)
    with session_scope() as session:
        for minutes in range(20, 12 * 60, 20):  # used every 20 minutes all day long
            assert (
                sessions.resolve_session(
                    session=session, token=busy, policy=POLICY, now=start + timedelta(minutes=minutes)
                )
                is not None
            )
        assert (
            sessions.resolve_session(session=session, token=busy, policy=POLICY, now=start + timedelta(hours=12))
            is None
        )


def test_revocation_and_deactivation_end_sessions(empty_env: Path) -> None:
    with session_scope() as session:
        account = _account(session)
        one = sessions.create_session(session=session, account=account, policy=POLICY)
        two = sessions.create_session(session=session, account=account, policy=POLICY)
        three = sessions.create_session(session=session, account=account, policy=POLICY)
    with session_scope() as session:
        sessions.revoke_session(session=session, token=one, reason="signed_out")
    with session_scope() as session:
        assert sessions.resolve_session(session=session, token=one, policy=POLICY) is None
        assert sessions.resolve_session(session=session, token=two, policy=POLICY) is not None
        assert sessions.revoke_all_sessions(session=session, account_id=account.id, reason="everywhere") == 2
    with session_scope() as session:
        assert sessions.resolve_session(session=session, token=three, policy=POLICY) is None
        fresh = sessions.create_session(session=session, account=session.get(Account, account.id), policy=POLICY)
        session.get(Account, account.id).deactivated_at = utcnow()
    with session_scope() as session:
        assert sessions.resolve_session(session=session, token=fresh, policy=POLICY) is None


def test_garbage_tokens_resolve_to_nothing(empty_env: Path) -> None:
    with session_scope() as session:
        for token in (None, "", "x", "A" * 5000, "'; DROP TABLE account; --"):
            assert sessions.resolve_session(session=session, token=token, policy=POLICY) is None


def test_login_answers_the_same_for_unknown_email_and_wrong_password(empty_env: Path) -> None:
    settings = get_settings()
    with session_scope() as session:
        _account(session)
    with session_scope() as session:
        unknown = auth.login(
            session=session, settings=settings, email="nobody@example.com", password="x", client="10.0.0.1"
        )
        wrong = auth.login(session=session, settings=settings, email="pat@example.com", password="x", client="10.0.0.1")
    assert unknown.outcome == wrong.outcome == auth.LoginOutcome.INVALID
    assert unknown.token is None and wrong.token is None
    with session_scope() as session:
        ok = auth.login(
            session=session,
            settings=settings,
            email="  PAT@example.com ",
            password="correct horse battery",
            client="10.0.0.1",
        )
    assert ok.outcome == auth.LoginOutcome.OK and ok.token


def test_throttling_per_account_then_recovers_after_the_window(empty_env: Path) -> None:
    settings = get_settings()
    with session_scope() as session:
        _account(session)
    for attempt in range(settings.login_max_failures_per_account):
        with session_scope() as session:
            result = auth.login(
                session=session, settings=settings, email="pat@example.com", password="bad", client=f"10.0.0.{attempt}"
            )
            assert result.outcome == auth.LoginOutcome.INVALID
    with session_scope() as session:
        # even the right password is refused while throttled, so guessing gains nothing
        blocked = auth.login(
            session=session,
            settings=settings,
            email="pat@example.com",
            password="correct horse battery",
            client="10.9.9.9",
        )
    assert blocked.outcome == auth.LoginOutcome.THROTTLED
    with session_scope() as session:
        other = auth.login(
            session=session, settings=settings, email="someone@example.com", password="bad", client="10.9.9.9"
        )
    assert other.outcome == auth.LoginOutcome.INVALID  # other accounts are unaffected
    from portal.models import LoginFailure

    with session_scope() as session:  # move the failures out of the window
        for row in session.exec(select(LoginFailure)).all():
            row.at = row.at - timedelta(minutes=settings.login_window_minutes + 1)
            session.add(row)
    with session_scope() as session:
        again = auth.login(
            session=session,
            settings=settings,
            email="pat@example.com",
            password="correct horse battery",
            client="10.9.9.9",
        )
    assert again.outcome == auth.LoginOutcome.OK


def test_throttling_per_client_address(empty_env: Path) -> None:
    settings = get_settings()
    for n in range(settings.login_max_failures_per_client):
        with session_scope() as session:
            auth.login(
                session=session, settings=settings, email=f"user{n}@example.com", password="bad", client="203.0.113.7"
            )
    with session_scope() as session:
        assert (
            auth.login(
                session=session, settings=settings, email="fresh@example.com", password="bad", client="203.0.113.7"
            ).outcome
            == auth.LoginOutcome.THROTTLED
        )
        assert (
            auth.login(
                session=session, settings=settings, email="fresh@example.com", password="bad", client="203.0.113.8"
            ).outcome
            == auth.LoginOutcome.INVALID
        )
