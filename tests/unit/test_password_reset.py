"""A forgotten password: the link by email, its limits, and what a reset ends."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.db import session_scope
from portal.jobs import register_all
from portal.models import Account, AuditEvent, OutboxMessage, SupportSession
from portal.services.identity import password_reset, passwords, tokens
from portal.services.identity.account_security import PasswordChangeError
from portal.services.identity.live_session import principal_for_token
from portal.services.support_access import support_acting
from tests.utils.principals import AGENT, LINUS, session_token_for

NEW = "correct horse battery staple"
CLIENT = "198.51.100.23"


@pytest.fixture(autouse=True)
def _env(portal_env: Path) -> None:
    register_all()


def _mails(to: str | None = None) -> list[OutboxMessage]:
    with session_scope() as session:
        statement = select(OutboxMessage).where(OutboxMessage.subject == password_reset.SUBJECT)
        if to:
            statement = statement.where(OutboxMessage.to_address == to)
        return list(session.exec(statement.order_by(OutboxMessage.id)))


def _link_token(message: OutboxMessage) -> str:
    match = re.search(r"/reset-password\?token=(\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _hash(account_id: int) -> str | None:
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account.password_hash


def test_the_answer_is_the_same_for_known_and_unknown_addresses_and_only_a_known_one_gets_mail() -> None:
    answers = {
        password_reset.request_reset(address, client=CLIENT) for address in ("linus@example.com", "nobody@example.com")
    }
    assert answers == {password_reset.answer()}
    assert [m.to_address for m in _mails()] == ["linus@example.com"]
    # a mail client can only open an absolute link
    assert f"{get_settings().base_url}/reset-password?token=" in _mails()[0].body
    assert get_settings().base_url.startswith("http")


@pytest.mark.parametrize("typed", ["not-an-email", "not an address", "", "ada@", "@example.com"])
def test_text_that_is_no_email_address_is_refused_with_what_to_type(typed: str) -> None:
    """Saying "we sent a mail" to "not-an-email" is untrue; the syntax says nothing about which accounts exist."""
    with pytest.raises(password_reset.ResetAddressInvalid, match=r"like name@example\.com"):
        password_reset.request_reset(typed, client=CLIENT)
    assert _mails() == []


def test_the_answer_says_sending_only_when_a_mail_server_delivers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PORTAL_SMTP_HOST the mail waits in the outbox: the page must not say it went out."""
    settings = get_settings()
    monkeypatch.setattr(password_reset, "get_settings", lambda: replace(settings, smtp_host=None))
    assert "we will email it a link" in password_reset.answer()
    assert "no mail server" in password_reset.answer()
    monkeypatch.setattr(password_reset, "get_settings", lambda: replace(settings, smtp_host="mail.example.com"))
    assert "we are emailing it a link" in password_reset.answer()


def test_a_link_sets_a_new_password_once_and_ends_every_session_and_support_session() -> None:
    own = session_token_for(LINUS)
    acting = support_acting.start_acting(
        settings=get_settings(),
        agent_token=session_token_for(AGENT),
        customer_id=LINUS,
        reason="Customer asked for help with an order (ticket 4711)",
    )
    password_reset.request_reset("Linus@Example.com ", client=CLIENT)  # as typed, any case and spacing
    token = _link_token(_mails()[-1])
    assert password_reset.check_link(token) == LINUS

    password_reset.reset_password(token, new=NEW, confirm=NEW, client=CLIENT)

    assert passwords.verify_password(_hash(LINUS), NEW)
    settings = get_settings()
    assert principal_for_token(settings, own) is None and principal_for_token(settings, acting) is None
    with session_scope() as session:
        ends = set(session.exec(select(SupportSession.end_reason).where(SupportSession.customer_id == LINUS)))
        actions = list(session.exec(select(AuditEvent.action).where(AuditEvent.subject_id == LINUS)))
    assert "password_reset" in ends
    assert {"auth.password_reset_requested", "auth.password_reset"} <= set(actions)
    with pytest.raises(tokens.TokenError, match="already been used"):
        password_reset.reset_password(token, new=NEW + "!", confirm=NEW + "!", client=CLIENT)
    assert passwords.verify_password(_hash(LINUS), NEW)


def test_a_link_dies_when_the_password_changes_and_a_tampered_link_never_works() -> None:
    password_reset.request_reset("linus@example.com", client=CLIENT)
    password_reset.request_reset("linus@example.com", client=CLIENT)
    first, second = (_link_token(m) for m in _mails())
    password_reset.reset_password(second, new=NEW, confirm=NEW, client=CLIENT)
    with pytest.raises(tokens.TokenError, match="the password was changed after it was sent"):
        password_reset.check_link(first)  # issued for the password that has just been replaced
    with pytest.raises(tokens.TokenError, match=r"This password-reset link is not valid: .* Ask for a new one"):
        password_reset.check_link(first[:-3] + "abc")


def test_an_expired_link_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    password_reset.request_reset("linus@example.com", client=CLIENT)
    token = _link_token(_mails()[-1])
    monkeypatch.setitem(tokens.MAX_AGE_SECONDS, tokens.Purpose.PASSWORD_RESET, -1)
    with pytest.raises(tokens.TokenError, match="expired"):
        password_reset.check_link(token)


def test_a_bad_new_password_is_refused_and_the_link_stays_usable() -> None:
    password_reset.request_reset("linus@example.com", client=CLIENT)
    token = _link_token(_mails()[-1])
    before = _hash(LINUS)
    for new, confirm, message in (("short", "short", "at least 12"), (NEW, NEW + "x", "do not match")):
        with pytest.raises(PasswordChangeError, match=message):
            password_reset.reset_password(token, new=new, confirm=confirm, client=CLIENT)
    with pytest.raises(PasswordChangeError, match="differ"):  # the current password, checked against its hash
        password_reset.reset_password(token, new="demo-password", confirm="demo-password", client=CLIENT)
    assert _hash(LINUS) == before
    assert password_reset.check_link(token) == LINUS


def test_asking_is_limited_per_account_per_hour() -> None:
    for _ in range(password_reset.MAX_MAILS_PER_HOUR + 2):
        password_reset.request_reset("linus@example.com", client=CLIENT)
    assert len(_mails("linus@example.com")) == password_reset.MAX_MAILS_PER_HOUR


def test_one_client_asking_for_many_accounts_gets_a_limited_number_of_mails_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counted per client address (by its keyed hash, as the audit trail records it), across accounts; another
    client is not affected, and the answer never changes."""
    monkeypatch.setattr(password_reset, "MAX_MAILS_PER_CLIENT_PER_HOUR", 2)
    with session_scope() as session:
        addresses = [
            a.email for a in session.exec(select(Account).where(Account.role == "customer").order_by(Account.id)).all()
        ][:3]
    assert len(addresses) == 3
    answers = {password_reset.request_reset(address, client=CLIENT) for address in addresses}
    assert answers == {password_reset.answer()}
    assert [m.to_address for m in _mails()] == addresses[:2], "the third account's mail was sent anyway"
    password_reset.request_reset(addresses[2], client="203.0.113.9")
    assert [m.to_address for m in _mails()] == addresses, "another client was held back by the first one's count"
    with session_scope() as session:
        origins = {
            e.origin for e in session.exec(select(AuditEvent).where(AuditEvent.action == password_reset.REQUESTED))
        }
    assert len(origins) == 2 and not any(CLIENT in (origin or "") for origin in origins)
