"""One-time codes and the second step of a sign-in: enrolment proven by a code, a code accepted once, wrong codes in
the sign-in throttle, recovery codes, the lost-factor reset that waits 24 hours, the notice of a new browser, and
staff who must have a second factor."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from sqlmodel import select

from portal import config
from portal.config import get_settings
from portal.db import session_scope
from portal.errors import Conflict
from portal.models import Account, Notification, OutboxMessage, RecoveryCode
from portal.queue.request_errors import NotPermitted
from portal.seed.people import DEMO_TOTP_SECRET
from portal.services.identity import (
    auth,
    browsers,
    factors,
    password_reset,
    recovery_codes,
    second_step,
    signed_in,
    step_up,
    totp,
)
from portal.services.identity.live_session import principal_for_token
from portal.services.views import staff_view
from tests.utils.clock import shift_portal_clock
from tests.utils.principals import ADA, AGENT, DPO, principal_for

CLIENT = "192.0.2.44"
DANA = "dpo@example.com"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _env(portal_env: Path) -> None:
    pass


def _password_step(email: str, browser_id: str = "browser-aaaaaaaaaaaa") -> auth.LoginResult:
    with session_scope() as session:
        return auth.login(
            session=session,
            settings=get_settings(),
            email=email,
            password="demo-password",
            client=CLIENT,
            browser=auth.Browser(browser_id, CHROME),
        )


def _code_step(account_id: int, code: str, browser_id: str = "browser-aaaaaaaaaaaa") -> auth.LoginResult:
    with session_scope() as session:
        return second_step.with_code(
            session=session,
            settings=get_settings(),
            pending=second_step.Pending(account_id, None),
            code=code,
            client=CLIENT,
            previous_token=None,
            browser=auth.Browser(browser_id, CHROME),
        )


def _titles(account_id: int) -> list[str]:
    with session_scope() as session:
        return list(session.exec(select(Notification.title).where(Notification.account_id == account_id)).all())


def test_enrolment_stores_nothing_until_a_code_proves_the_app_has_the_secret() -> None:
    ada = principal_for(ADA)
    enrolment = totp.start_enrolment(ada)
    assert enrolment.uri.startswith("otpauth://totp/Privacy%20Portal:ada%40example.com?secret=")
    assert enrolment.qr_svg_data_uri.startswith("data:image/svg+xml")
    with pytest.raises(totp.CodeRefused):
        totp.finish_enrolment(ada, secret=enrolment.secret, code="123456")
    with session_scope() as session:
        account = session.get(Account, ADA)
        assert account is not None and account.totp_secret is None
    codes = totp.finish_enrolment(ada, secret=enrolment.secret, code=pyotp.TOTP(enrolment.secret).now())
    assert len(codes) == 10 == len(set(codes)) and all(len(code) == 14 for code in codes)
    with session_scope() as session:  # stored only as argon2id hashes
        hashes = session.exec(select(RecoveryCode.code_hash).where(RecoveryCode.account_id == ADA)).all()
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert "One-time codes were set up on your account" in _titles(ADA)
    with pytest.raises(Conflict):
        totp.finish_enrolment(ada, secret=enrolment.secret, code=pyotp.TOTP(enrolment.secret).now())


def test_the_demo_officer_needs_a_code_after_the_password_and_a_code_works_once() -> None:
    first = _password_step("dpo@example.com")
    assert first.outcome is auth.LoginOutcome.SECOND_FACTOR and first.token is None
    code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    done = _code_step(DPO, code)
    assert done.outcome is auth.LoginOutcome.OK and done.token
    principal = principal_for_token(get_settings(), done.token)
    assert principal is not None and step_up.is_recent(principal)
    assert _code_step(DPO, code).outcome is auth.LoginOutcome.INVALID, "the same code again"
    previous = pyotp.TOTP(DEMO_TOTP_SECRET).at(time.time() - 30)
    assert _code_step(DPO, previous).outcome is auth.LoginOutcome.INVALID, "an older step than the last one used"


def test_wrong_codes_count_in_the_sign_in_throttle_and_a_right_password_does_not_clear_them() -> None:
    limit = get_settings().login_max_failures_per_account
    for attempt in range(limit):
        _password_step("dpo@example.com")  # a thief who knows the password starts over each time
        assert _code_step(DPO, f"{attempt:06d}").outcome is auth.LoginOutcome.INVALID
    assert _password_step("dpo@example.com").outcome is auth.LoginOutcome.THROTTLED
    assert _code_step(DPO, pyotp.TOTP(DEMO_TOTP_SECRET).now()).outcome is auth.LoginOutcome.THROTTLED


def test_a_recovery_code_signs_in_once_and_the_owner_is_told() -> None:
    with session_scope() as session:
        codes = recovery_codes.issue(session, account_id=DPO)
    assert _code_step(DPO, codes[0]).outcome is auth.LoginOutcome.OK
    assert _code_step(DPO, codes[0]).outcome is auth.LoginOutcome.INVALID
    assert _code_step(DPO, " " + codes[1].upper().replace("-", " ")).outcome is auth.LoginOutcome.OK
    assert "A recovery code was used to sign in" in _titles(DPO)
    assert factors.current(principal_for(DPO)).recovery_codes_left == 8


def test_a_sign_in_from_a_new_browser_is_reported_once_with_what_the_browser_is() -> None:
    assert browsers.describe(CHROME) == "Chrome 131 on Windows"
    assert browsers.describe("python-httpx/0.28") is None
    _password_step("ada@example.com", "browser-first-0000")
    _password_step("ada@example.com", "browser-first-0000")
    result = _password_step("ada@example.com", "browser-second-000")
    assert _titles(ADA).count("New sign-in to your privacy portal account") == 2
    principal = principal_for_token(get_settings(), result.token)
    assert principal is not None
    assert {s.browser for s in signed_in.list_signed_in(principal) if s.current} == {"Chrome 131 on Windows"}


def test_a_lost_factor_reset_waits_a_day_tells_the_owner_and_can_be_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    password_reset.request_reset("dpo@example.com", client=CLIENT)
    with session_scope() as session:
        body = session.exec(select(OutboxMessage.body).where(OutboxMessage.subject == password_reset.SUBJECT)).first()
    assert body is not None
    token = body.split("token=", 1)[1].split()[0]
    assert password_reset.link_account_has_factors(token)
    new = "a long new password for dana"
    password_reset.reset_password(token, new=new, confirm=new, client=CLIENT, lost_factors=True)
    assert "Your second factors will be removed" in _titles(DPO)
    with session_scope() as session:
        result = auth.login(
            session=session, settings=get_settings(), email="dpo@example.com", password=new, client=CLIENT
        )
    assert result.outcome is auth.LoginOutcome.SECOND_FACTOR, "until the day is over the factor is still needed"

    shift_portal_clock(monkeypatch, timedelta(hours=24, minutes=1))
    with session_scope() as session:
        result = auth.login(
            session=session, settings=get_settings(), email="dpo@example.com", password=new, client=CLIENT
        )
    assert result.outcome is auth.LoginOutcome.OK
    assert "Your second factors were removed" in _titles(DPO)
    assert not factors.current(principal_for(DPO)).any


def test_the_owner_cancels_a_pending_reset() -> None:
    with session_scope() as session:
        account = session.get(Account, DPO)
        assert account is not None
        factors.request_reset(session, account, actor=principal_for(DPO).actor())
    officer = principal_for(DPO)
    assert factors.current(officer).reset_due_at is not None
    factors.cancel_reset(officer)
    assert factors.current(officer).reset_due_at is None and factors.current(officer).totp


def test_turning_codes_off_needs_a_fresh_check_and_says_when_no_factor_is_left() -> None:
    with pytest.raises(step_up.StepUpRequired):
        totp.turn_off(principal_for(DPO, checked=False))
    totp.turn_off(principal_for(DPO))
    assert "Your account no longer has a second factor" in _titles(DPO)
    assert _password_step("dpo@example.com").outcome is auth.LoginOutcome.OK


def test_staff_without_a_second_factor_reach_only_their_account_where_it_is_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    strict = dataclasses.replace(get_settings(), staff_require_2fa=True)
    monkeypatch.setattr(config, "_settings", strict)
    agent = principal_for_token(strict, _password_step("agent@example.com").token)
    assert agent is not None and agent.needs_second_factor
    with pytest.raises(NotPermitted, match="passkey or one-time codes"):
        staff_view.status_counts(agent)
    officer = principal_for_token(strict, _code_step(DPO, pyotp.TOTP(DEMO_TOTP_SECRET).now()).token)
    assert officer is not None and not officer.needs_second_factor
    assert principal_for(AGENT).needs_second_factor is False  # built directly: the flag comes from the session layer
