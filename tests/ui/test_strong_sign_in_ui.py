"""Strong sign-in in the simulated browser: the step-up dialog over a sensitive act (the act is retried with what was
chosen), setting up one-time codes with the recovery codes shown once, and the second step of a sign-in."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from nicegui.testing import User
from sqlalchemy import update
from sqlmodel import col, select

from portal.db import session_scope
from portal.models import Account, AuthSession, SupportGrant
from portal.models.types import utcnow
from tests.utils.principals import ADA, GRACE
from tests.utils.signin import csrf_token, sign_in


def _age_sessions(account_id: int) -> None:
    """The session's last strong check slips out of the window, as when a cookie is used hours later."""
    with session_scope() as session:
        session.exec(
            update(AuthSession)
            .where(col(AuthSession.account_id) == account_id)
            .values(checked_at=utcnow() - timedelta(hours=1))
        )


async def test_granting_support_access_asks_for_the_password_in_a_dialog_and_keeps_the_choice(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/support-access")
    await user.should_see(marker="support-grant-submit")
    _age_sessions(ADA)
    user.find(marker="support-grant-ticket").type("CS-5150")
    user.find(marker="support-grant-submit").click()
    await user.should_see(marker="step-up-dialog")
    await user.should_not_see(marker="step-up-code")  # ada has no second factor: her password is the check
    await user.should_not_see(marker="step-up-passkey")
    user.find(marker="step-up-password").type("not her password")
    user.find(marker="step-up-submit").click()
    await user.should_see("The password is not correct.")
    with session_scope() as session:
        assert session.exec(select(SupportGrant).where(SupportGrant.customer_id == ADA)).first() is None
    user.find(marker="step-up-password").clear()
    user.find(marker="step-up-password").type("demo-password")
    user.find(marker="step-up-submit").click()
    await user.should_see("Support access given")
    with session_scope() as session:
        grant = session.exec(select(SupportGrant).where(SupportGrant.customer_id == ADA)).one()
    assert grant.ticket_ref == "CS-5150", "the act was retried with what was typed before the check"


async def test_a_customer_sets_up_one_time_codes_and_then_signs_in_with_a_recovery_code(user: User) -> None:
    await sign_in(user, "grace@example.com")
    await user.open("/account")
    await user.should_see(marker="totp-setup")
    user.find(marker="totp-setup").click()
    await user.should_see(marker="totp-dialog")
    secret = next(iter(user.find(marker="totp-secret").elements)).text.replace(" ", "")  # type: ignore[attr-defined]
    user.find(marker="totp-code").type("123456")
    user.find(marker="totp-confirm").click()
    await user.should_see("That code does not match")
    user.find(marker="totp-code").clear()
    user.find(marker="totp-code").type(pyotp.TOTP(secret).now())
    user.find(marker="totp-confirm").click()
    await user.should_see(marker="recovery-codes-dialog")
    codes = [element.text for element in user.find(marker="recovery-code").elements]  # type: ignore[attr-defined]
    assert len(codes) == 10
    user.find(marker="recovery-codes-done").click()
    await user.should_see("10 of 10 recovery codes left")
    with session_scope() as session:
        account = session.get(Account, GRACE)
        assert account is not None and account.totp_secret == secret

    token = await csrf_token(user)
    response = await user.http_client.post(
        "/auth/login", data={"csrf": token, "email": "grace@example.com", "password": "demo-password"}
    )
    assert response.headers["location"] == "/login/verify"
    await user.open("/login/verify")
    await user.should_see(marker="login-code")
    await user.should_see(marker="login-lost-factor")
    await user.should_not_see(marker="login-second-passkey")  # grace has no passkey
    answer = await user.http_client.post("/auth/login/code", data={"csrf": token, "code": codes[0]})
    assert answer.headers["location"] == "/"
    again = await user.http_client.post("/auth/login/code", data={"csrf": token, "code": codes[0]})
    assert again.headers["location"] == "/login", "the pending sign-in is over once it succeeded"
