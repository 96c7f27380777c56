"""Passkeys at the service layer, answered by a software authenticator: registering several, naming them, signing in
with one alone or as the second step, counters that must grow, and removing them (with a fresh check and a notice)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from portal.config import get_settings
from portal.db import session_scope
from portal.errors import NotFound
from portal.models import AuditEvent, Notification, OutboxMessage, PasskeyCredential
from portal.services.identity import passkey_assertions, passkeys, second_step, step_up
from portal.services.identity.auth import Browser, LoginOutcome, LoginResult
from portal.services.identity.live_session import principal_for_token
from portal.services.identity.passkeys import PasskeyRefused
from portal.services.identity.principal import Principal
from tests.utils.principals import ADA, GRACE, principal_for
from tests.utils.soft_authenticator import SoftAuthenticator

CLIENT = "198.51.100.23"


@pytest.fixture(autouse=True)
def _env(portal_env: Path) -> None:
    assert get_settings().webauthn_rp_id == "localhost"


def _register(principal: Principal, name: str = "Work laptop") -> SoftAuthenticator:
    device = SoftAuthenticator()
    ceremony = passkeys.registration_options(principal)
    passkeys.register(
        principal, challenge=ceremony.challenge, credential=device.register(ceremony.options_json), name=name
    )
    return device


def _sign_in(
    device: SoftAuthenticator, *, pending: second_step.Pending | None = None, count_up: bool = True
) -> LoginResult:
    ceremony = passkey_assertions.assertion_options(account_id=pending.account_id if pending else None)
    token = passkey_assertions.challenge_token(ceremony)
    credential = device.assert_(ceremony.options_json, count_up=count_up)
    with session_scope() as session:
        return second_step.with_passkey(
            session=session,
            settings=get_settings(),
            challenge_token=token,
            credential_json=json.dumps(credential),
            pending=pending,
            client=CLIENT,
            previous_token=None,
            browser=Browser("passkey-browser-0001", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"),
        )


def _notices(account_id: int, title: str) -> int:
    with session_scope() as session:
        return len(
            session.exec(
                select(Notification).where(Notification.account_id == account_id, Notification.title == title)
            ).all()
        )


def test_a_customer_registers_two_named_passkeys_and_is_told_each_time() -> None:
    ada = principal_for(ADA)
    _register(ada, "Work laptop")
    _register(ada, "  Phone\u200b  ")
    listed = passkeys.list_passkeys(ada)
    assert [p.name for p in listed] == ["Work laptop", "Phone"]  # invisible characters and spaces cleaned
    assert all(p.last_used_at is None and p.transports == ("internal",) for p in listed)
    assert _notices(ADA, "A passkey was added to your account") == 2
    with session_scope() as session:  # the key is stored, never a secret: the public key and the counter
        rows = session.exec(select(PasskeyCredential).where(PasskeyCredential.account_id == ADA)).all()
        assert {len(row.public_key) > 60 for row in rows} == {True}


def test_registration_needs_a_fresh_check_and_a_right_answer() -> None:
    stale = principal_for(ADA, checked=False)
    ceremony = passkeys.registration_options(stale)
    with pytest.raises(step_up.StepUpRequired):
        passkeys.register(
            stale,
            challenge=ceremony.challenge,
            credential=SoftAuthenticator().register(ceremony.options_json),
            name="x",
        )
    fresh = principal_for(ADA)
    ceremony = passkeys.registration_options(fresh)
    wrong_site = SoftAuthenticator().register(ceremony.options_json, origin="https://evil.example")
    with pytest.raises(PasskeyRefused):
        passkeys.register(fresh, challenge=ceremony.challenge, credential=wrong_site, name="x")
    no_verification = SoftAuthenticator(user_verified=False).register(ceremony.options_json)
    with pytest.raises(PasskeyRefused):
        passkeys.register(fresh, challenge=ceremony.challenge, credential=no_verification, name="x")
    other_challenge = passkeys.registration_options(fresh)
    with pytest.raises(PasskeyRefused):
        passkeys.register(
            fresh,
            challenge=ceremony.challenge,
            credential=SoftAuthenticator().register(other_challenge.options_json),
            name="x",
        )
    assert passkeys.list_passkeys(fresh) == []


def test_a_passkey_alone_signs_in_its_owner_and_the_counter_must_grow() -> None:
    device = _register(principal_for(GRACE))
    result = _sign_in(device)
    assert result.outcome is LoginOutcome.OK and result.account is not None and result.account.id == GRACE
    principal = principal_for_token(get_settings(), result.token)
    assert principal is not None and step_up.is_recent(principal), "a passkey sign-in is a strong check"
    used = passkeys.list_passkeys(principal)[0]
    assert used.last_used_at is not None

    cloned = _sign_in(device, count_up=False)  # the same counter again: a copy of the key answered
    assert cloned.outcome is LoginOutcome.INVALID
    assert _notices(GRACE, "One of your passkeys may have been copied") == 1
    with session_scope() as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.subject_id == GRACE)).all()
    assert "auth.passkey_counter_went_back" in actions
    assert _sign_in(device).outcome is LoginOutcome.OK  # the genuine authenticator, counting on, still works


def test_a_challenge_is_spent_once_and_a_passkey_of_another_account_does_not_finish_a_pending_sign_in() -> None:
    device = _register(principal_for(GRACE))
    ceremony = passkey_assertions.assertion_options()
    token = passkey_assertions.challenge_token(ceremony)
    with session_scope() as session:
        passkey_assertions.spend_challenge(session, token)
    with session_scope() as session, pytest.raises(PasskeyRefused):
        passkey_assertions.spend_challenge(session, token)
    ada_waiting = second_step.Pending(ADA, None)
    assert _sign_in(device, pending=ada_waiting).outcome is LoginOutcome.INVALID


def test_removing_needs_a_fresh_check_and_the_last_one_gone_is_said_plainly() -> None:
    ada = principal_for(ADA)
    _register(ada, "Laptop")
    _register(ada, "Phone")
    laptop, phone = passkeys.list_passkeys(ada)
    with pytest.raises(step_up.StepUpRequired):
        passkeys.remove(principal_for(ADA, checked=False), laptop.id)
    with pytest.raises(NotFound):
        passkeys.remove(principal_for(GRACE), laptop.id)  # someone else's: no such passkey for them
    passkeys.remove(ada, laptop.id)
    assert _notices(ADA, "The passkey “Laptop” was removed from your account") == 1
    passkeys.rename(ada, phone.id, "Old phone")
    passkeys.remove(ada, phone.id)
    assert _notices(ADA, "Your account no longer has a second factor") == 1
    with session_scope() as session:
        mail = session.exec(
            select(OutboxMessage.body).where(col(OutboxMessage.subject) == "Your account no longer has a second factor")
        ).first()
    assert mail is not None and "Old phone" in mail and "password alone" in mail
