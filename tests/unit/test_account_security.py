"""Changing one's own password: the rules for the new one, the proof of the old one, and what it ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.db import session_scope
from portal.jobs import register_all
from portal.models import Account, AuditEvent, LoginFailure, Notification, SupportSession
from portal.services.identity import account_security, passwords
from portal.services.identity.account_security import PasswordChangeError
from portal.services.identity.live_session import principal_for_token
from portal.services.support_access import support_acting
from tests.utils.principals import AGENT, LINUS, session_token_for

OLD = "demo-password"
NEW = "correct horse battery staple"
REASON = "Customer asked for help with an order (ticket 4711)"


@pytest.fixture(autouse=True)
def _env(portal_env: Path) -> None:
    register_all()


def _change(token: str, *, current: str = OLD, new: str = NEW, confirm: str | None = None) -> int:
    principal = principal_for_token(get_settings(), token)
    assert principal is not None
    return account_security.change_password(
        principal, current=current, new=new, confirm=new if confirm is None else confirm, client="203.0.113.7"
    )


def _account(account_id: int) -> Account:
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account


def _actions(account_id: int) -> list[str]:
    with session_scope() as session:
        return list(
            session.exec(select(AuditEvent.action).where(AuditEvent.subject_id == account_id).order_by(AuditEvent.id))
        )


@pytest.mark.parametrize(
    ("new", "confirm", "field", "message"),
    [
        ("short pw", None, "new", "at least 12"),
        ("x" * 129, None, "new", "at most 128"),
        (OLD, None, "new", "differ from the current"),
        ("linus@example.com", None, "new", "email address"),
        ("twelve chars\u200b ok", None, "new", "invisible"),
        (NEW, NEW + "!", "confirm", "do not match"),
    ],
)
def test_a_bad_new_password_is_refused_with_its_field_and_changes_nothing(
    new: str, confirm: str | None, field: str, message: str
) -> None:
    token = session_token_for(LINUS)
    before = _account(LINUS).password_hash
    with pytest.raises(PasswordChangeError) as refused:
        _change(token, new=new, confirm=confirm)
    assert refused.value.field == field and message in refused.value.message
    assert _account(LINUS).password_hash == before
    assert principal_for_token(get_settings(), token) is not None, "a refused change signed the person out"


def test_a_wrong_current_password_is_refused_counted_and_audited() -> None:
    token = session_token_for(LINUS)
    before = _account(LINUS).password_hash
    with pytest.raises(PasswordChangeError) as refused:
        _change(token, current="not my password")
    assert refused.value.field == "current"
    assert _account(LINUS).password_hash == before
    with session_scope() as session:
        # one failure for the account and one for the client address, exactly as a failed sign-in records
        assert len(list(session.exec(select(LoginFailure)))) == 2, "wrong current passwords must feed the throttle"
    assert _actions(LINUS)[-1] == "auth.password_change_failed"


def test_guessing_the_current_password_is_throttled_like_sign_in() -> None:
    token = session_token_for(LINUS)
    for _ in range(get_settings().login_max_failures_per_account):
        with pytest.raises(PasswordChangeError):
            _change(token, current="guess")
    with pytest.raises(PasswordChangeError, match="Too many wrong passwords"):
        _change(token)  # even the right password waits now
    assert passwords.verify_password(_account(LINUS).password_hash, OLD)


def test_a_change_keeps_this_session_ends_the_others_and_any_support_session() -> None:
    mine, elsewhere = session_token_for(LINUS), session_token_for(LINUS)
    acting_token = support_acting.start_acting(
        settings=get_settings(), agent_token=session_token_for(AGENT), customer_id=LINUS, reason=REASON
    )
    acting = principal_for_token(get_settings(), acting_token)
    assert acting is not None and acting.acting is not None

    ended = _change(mine)

    assert ended == 1  # linus's other session (the agent's acting session is the agent's own row)
    account = _account(LINUS)
    assert passwords.verify_password(account.password_hash, NEW)
    assert not passwords.verify_password(account.password_hash, OLD)
    settings = get_settings()
    assert principal_for_token(settings, mine) is not None, "the session that changed the password goes on"
    assert principal_for_token(settings, elsewhere) is None
    assert principal_for_token(settings, acting_token) is None, "the support session survived a password change"
    with session_scope() as session:
        support_session = session.get(SupportSession, acting.acting.support_session_id)
        assert support_session is not None and support_session.end_reason == "password_changed"
        titles = list(session.exec(select(Notification.title).where(Notification.account_id == LINUS)))
    assert "Your password was changed" in titles
    assert "auth.password_changed" in _actions(LINUS)


def test_an_agent_acting_for_a_customer_cannot_change_their_password() -> None:
    acting_token = support_acting.start_acting(
        settings=get_settings(), agent_token=session_token_for(AGENT), customer_id=LINUS, reason=REASON
    )
    before = _account(LINUS).password_hash
    with pytest.raises(PasswordChangeError, match="acting for a customer"):
        _change(acting_token)
    assert _account(LINUS).password_hash == before


def test_staff_change_their_own_password_too() -> None:
    token = session_token_for(AGENT)
    assert _change(token) == 0
    assert passwords.verify_password(_account(AGENT).password_hash, NEW)


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"current": ""}, "current", "Enter your current password."),
        ({"new": "", "confirm": ""}, "new", "Enter a new password."),
        ({"confirm": ""}, "confirm", "Enter the new password again."),
    ],
)
def test_an_empty_field_asks_for_it_and_counts_no_wrong_password(
    typed: dict[str, str], field: str, message: str
) -> None:
    """An empty form said "The current password is not correct." and fed the throttle; it is a form not yet filled."""
    token = session_token_for(LINUS)
    with pytest.raises(PasswordChangeError) as refused:
        _change(token, **typed)
    assert (refused.value.field, refused.value.message) == (field, message)
    with session_scope() as session:
        assert not list(session.exec(select(LoginFailure)))
