"""/account in the simulated browser: the password form refuses clearly and changes the password."""

from __future__ import annotations

import asyncio

from nicegui.testing import User
from sqlmodel import select

from portal.db import session_scope
from portal.models import Account, OutboxMessage
from portal.services.identity import password_reset, passwords
from tests.utils.principals import ADA
from tests.utils.signin import sign_in

NEW = "correct horse battery staple"


def _hash(account_id: int) -> str | None:
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account.password_hash


async def _fill(user: User, current: str, new: str, confirm: str) -> None:
    user.find(marker="password-current").type(current)
    user.find(marker="password-new").type(new)
    user.find(marker="password-confirm").type(confirm)
    user.find(marker="password-submit").click()


async def test_customer_changes_password_after_a_refusal(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/account")
    await user.should_see("ada@example.com")
    before = _hash(ADA)

    await _fill(user, "demo-password", "too short", "too short")
    await user.should_see("Use at least 12 characters")
    assert _hash(ADA) == before

    user.find(marker="password-new").clear()
    user.find(marker="password-confirm").clear()
    await _fill(user, "", NEW, NEW)  # the current password is still typed in from the first try
    await user.should_see("Your password was changed.")
    assert passwords.verify_password(_hash(ADA), NEW)


async def test_the_account_page_is_in_the_user_menu_for_staff_too(user: User) -> None:
    await sign_in(user, "agent@example.com")
    await user.open("/staff")
    await user.should_see(marker="header-account")
    await user.open("/account")
    await user.should_see(marker="password-form")


async def test_forgot_password_answers_the_same_for_any_address(user: User) -> None:
    for address in ("ada@example.com", "nobody@example.com"):
        await user.open("/forgot-password")
        user.find(marker="forgot-email").type(address)
        user.find(marker="forgot-submit").click()
        await user.should_see("If an account exists for that address")


async def test_a_bad_reset_link_says_so_and_offers_a_new_one(user: User) -> None:
    await user.open("/reset-password?token=altered")
    await user.should_see("not valid")
    await user.should_see(marker="reset-again")
    await user.should_not_see(marker="reset-new")


async def test_customer_signs_out_another_of_their_sessions_from_the_account_page(user: User) -> None:
    """The page lists every live session, marks this browser's, and signs out another one by its button."""
    from portal.config import get_settings
    from portal.services.identity.live_session import principal_for_token
    from portal.services.identity.sessions import hash_token
    from portal.services.identity.signed_in import REF_LENGTH
    from tests.utils.principals import session_token_for

    await sign_in(user, "ada@example.com")
    elsewhere = session_token_for(ADA)  # ada signed in on another device too
    ref = hash_token(elsewhere)[:REF_LENGTH]
    await user.open("/account")
    await user.should_see(marker="account-sessions")
    await user.should_see(marker="account-session-current")
    await user.should_see(marker=f"account-session-{ref}")

    user.find(marker=f"account-session-end-{ref}").click()
    await user.should_see("That session is signed out.")
    await user.should_not_see(marker=f"account-session-{ref}")
    await user.should_see(marker="account-session-current")
    assert principal_for_token(get_settings(), elsewhere) is None


async def test_sign_out_all_other_sessions_appears_with_two_others_and_ends_them(user: User) -> None:
    from portal.config import get_settings
    from portal.services.identity.live_session import principal_for_token
    from tests.utils.principals import session_token_for

    await sign_in(user, "ada@example.com")
    await user.open("/account")
    await user.should_see(marker="account-session-current")
    await user.should_not_see(marker="account-sessions-end-others")  # nothing else to sign out
    others = [session_token_for(ADA), session_token_for(ADA)]
    await user.open("/account")
    await user.should_see(marker="account-sessions-end-others")
    user.find(marker="account-sessions-end-others").click()
    await user.should_see("2 other sessions signed out.")
    await user.should_not_see(marker="account-sessions-end-others")
    assert [principal_for_token(get_settings(), token) for token in others] == [None, None]


async def test_forgot_password_refuses_text_that_is_no_email_address_and_sends_nothing(user: User) -> None:
    await user.open("/forgot-password")
    user.find(marker="forgot-email").type("not-an-email")
    user.find(marker="forgot-submit").click()
    field = next(iter(user.find(marker="forgot-email").elements))
    for _ in range(50):
        if field.error:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.1)
    assert field.error == password_reset.NOT_AN_ADDRESS  # type: ignore[attr-defined]
    await user.should_not_see("If an account exists for that address")
    with session_scope() as session:
        assert not session.exec(select(OutboxMessage).where(OutboxMessage.subject == password_reset.SUBJECT)).all()


async def test_without_a_mail_server_the_forgot_password_page_does_not_claim_it_sent_a_mail(user: User) -> None:
    await user.open("/forgot-password")
    user.find(marker="forgot-email").type("ada@example.com")
    user.find(marker="forgot-submit").click()
    await user.should_see("we will email it a link")  # the tests run without PORTAL_SMTP_HOST
    await user.should_see("no mail server set up yet")
    await user.should_not_see("we are emailing")


async def test_an_empty_password_form_asks_for_the_current_password(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/account")
    await user.should_see(marker="password-submit")
    user.find(marker="password-submit").click()
    await user.should_see("Enter your current password.")
    await user.should_not_see("not correct")


async def test_enter_in_the_password_form_changes_the_password(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/account")
    await user.should_see(marker="password-form")
    user.find(marker="password-current").type("demo-password")
    user.find(marker="password-new").type(NEW)
    user.find(marker="password-confirm").type(NEW).trigger("keydown.enter")
    await user.should_see("Your password was changed.")
    assert passwords.verify_password(_hash(ADA), NEW)


async def test_a_browser_signed_out_by_a_password_change_is_told_why(user: User) -> None:
    """The other browser's next page goes to sign-in with a fixed reason word, and the page says it in words."""
    from portal.config import get_settings
    from portal.services.identity import account_security
    from portal.services.identity.live_session import principal_for_token
    from tests.utils.principals import session_token_for

    await sign_in(user, "ada@example.com")  # this browser: signed out by what happens elsewhere
    elsewhere = principal_for_token(get_settings(), session_token_for(ADA))
    assert elsewhere is not None
    account_security.change_password(elsewhere, current="demo-password", new=NEW, confirm=NEW, client="198.51.100.7")
    response = await user.http_client.get("/consents")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fconsents&expired=1&reason=password_changed"
    await user.open("/login?next=%2Fconsents&expired=1&reason=password_changed")
    await user.should_see(
        "You were signed out because the password of this account was changed. Sign in with the new password."
    )


async def test_the_sign_in_page_says_why_a_session_ended_and_only_in_its_own_words(user: User) -> None:
    from portal.services.identity.session_end import REASONS

    expected = {
        "password_reset": "reset with an emailed link",
        "signed_out_everywhere": "Sign out everywhere",
        "signed_out_elsewhere": "signed out from another session",
        "signed_out": "You have signed out.",
        "email_change_stopped": "sign-in address was stopped",
        "timed_out": "30 minutes without activity",
        "password_changed": "password of this account was changed",
    }
    assert set(expected) == REASONS, "every reason a session can end with has its words on the sign-in page"
    for reason, words in expected.items():
        await user.open(f"/login?expired=1&reason={reason}")
        await user.should_see(words)
    await user.open("/login?expired=1&reason=%3Cscript%3Ealert(1)%3C/script%3E")  # made up: the plain words
    await user.should_see("Your session has ended. Please sign in again.")
    await user.should_not_see("<script>")
