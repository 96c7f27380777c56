"""Step-up at the service layer: every sensitive act refuses a session whose last strong check is older than the
window (a stolen cookie), changes nothing when it does, and goes through once the session is checked again; the
check itself counts wrong passwords and codes in the sign-in throttle."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.jobs import register_all
from portal.models import (
    Account,
    AuditEvent,
    AuthSession,
    LoginFailure,
    PrivacyRequest,
    SupportGrant,
    SupportSession,
    login_failure_key,
)
from portal.queue.worker import Worker
from portal.services.identity import account_security, recovery_codes, step_up, step_up_check
from portal.services.identity.live_session import principal_for_token
from portal.services.identity.principal import Principal
from portal.services.rights import consent_withdrawal, erasure, exports, rectification
from portal.services.support_access import support, support_acting
from tests.utils.clock import shift_portal_clock
from tests.utils.principals import ADA, AGENT, LINUS, MARGARET, principal_for, session_token_for

PASSWORD = "demo-password"
CLIENT = "203.0.113.40"
LINUS_GRANT = 1


@pytest.fixture(autouse=True)
def _env(portal_env: Path) -> None:
    register_all()


def with_one_time_codes(account_id: int) -> str:
    """Give the account one-time codes, as enrolment would; returns the secret."""
    secret = pyotp.random_base32()
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None
        account.totp_secret = secret
        session.add(account)
    return secret


def requests_of(account_id: int, kind: str) -> int:
    with session_scope() as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(PrivacyRequest)
                .where(PrivacyRequest.subject_id == account_id, PrivacyRequest.type == kind)
            ).one()
        )


def ready_export(principal: Principal) -> int:
    key = uuid.uuid4().hex
    request_id = exports.request_export(principal, categories=["identity"], formats=["json"], idempotency_key=key)
    assert Worker(get_engine(), name="step-up").run_one()
    return request_id


# --- each act refuses a stale session and passes a fresh one --------------------------------------------------------

ACTS: dict[str, tuple[int, Callable[[Principal], object]]] = {
    "export link": (ADA, lambda p: exports.download_link(p, ready_export(principal_for(ADA)))),
    "consent withdrawal that erases": (
        ADA,
        lambda p: consent_withdrawal.withdraw_and_erase(p, purpose_key="usage_analytics", confirmed=True),
    ),
    "grant support access": (ADA, lambda p: support.grant_access(p, duration="1h", scope="view")),
    "revoke support access": (LINUS, lambda p: support.revoke_grant(p, LINUS_GRANT)),
    "accept an access request": (
        ADA,
        lambda p: support.answer_ask(
            p, support_acting.ask_for_access(principal_for(AGENT), ADA, "ticket CS-9"), accept=True
        ),
    ),
}


@pytest.mark.parametrize("act", list(ACTS))
def test_a_sensitive_act_needs_a_recent_check(act: str) -> None:
    account_id, run = ACTS[act]
    stale = principal_for(account_id, checked=False)
    with session_scope() as session:
        before = session.exec(select(func.count()).select_from(AuditEvent)).one()
    with pytest.raises(step_up.StepUpRequired):
        run(stale)
    with session_scope() as session:
        grants = session.exec(select(SupportGrant).where(SupportGrant.customer_id == account_id)).all()
    assert all(g.revoked_at is None for g in grants), "nothing revoked"
    assert len(grants) == (1 if account_id == LINUS else 0), "nothing granted"
    assert requests_of(account_id, "consent_change") == 0
    run(principal_for(account_id))  # the same act, freshly checked
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() > before


def test_the_check_lasts_the_window_and_no_longer(monkeypatch: pytest.MonkeyPatch) -> None:
    ada = principal_for(ADA)
    shift_portal_clock(monkeypatch, timedelta(minutes=get_settings().step_up_minutes) - timedelta(seconds=5))
    assert step_up.is_recent(ada)
    shift_portal_clock(monkeypatch, timedelta(minutes=get_settings().step_up_minutes, seconds=5))
    assert not step_up.is_recent(ada)
    with pytest.raises(step_up.StepUpRequired):
        support.grant_access(ada, duration="1h", scope="view")


def test_a_download_link_made_while_checked_is_refused_once_the_check_is_old() -> None:
    ada = principal_for(ADA)
    request_id = ready_export(ada)
    token = parse_qs(urlsplit(exports.download_link(ada, request_id)).query)["token"][0]
    path, _ = exports.open_download(ada, request_id, token)
    assert path.is_file()
    with session_scope() as session:  # the cookie is stolen later: the session's check ages
        row = session.get(AuthSession, ada.session_hash)
        assert row is not None and row.checked_at is not None
        row.checked_at -= timedelta(hours=1)
        session.add(row)
    with pytest.raises(step_up.StepUpRequired):
        exports.open_download(ada, request_id, token)


def test_an_agent_starts_acting_only_after_a_recent_check() -> None:
    with pytest.raises(step_up.StepUpRequired):
        support_acting.start_acting(
            settings=get_settings(),
            agent_token=session_token_for(AGENT, checked=False),
            customer_id=LINUS,
            reason="ticket CS-7",
        )
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(SupportSession)).one() == 0
    assert support_acting.start_acting(
        settings=get_settings(), agent_token=session_token_for(AGENT), customer_id=LINUS, reason="ticket CS-7"
    )


# --- the forms that ask for the password: enough alone only without a second factor ---------------------------------


def test_without_a_second_factor_the_password_a_form_asks_for_is_the_check() -> None:
    stale = principal_for(MARGARET, checked=False)
    erasure.request_withdrawal(stale, password=PASSWORD, confirmed=True, idempotency_key="w", client=CLIENT)
    assert requests_of(MARGARET, "withdrawal") == 1
    assert step_up.is_recent(stale), "the password just typed counts as the session's check"


def test_with_one_time_codes_the_password_alone_does_not_withdraw_change_the_password_or_the_email() -> None:
    secret = with_one_time_codes(MARGARET)
    stale = principal_for(MARGARET, checked=False)
    with pytest.raises(step_up.StepUpRequired):
        erasure.request_withdrawal(stale, password=PASSWORD, confirmed=True, idempotency_key="w", client=CLIENT)
    with pytest.raises(step_up.StepUpRequired):
        account_security.change_password(
            stale, current=PASSWORD, new="a much longer secret", confirm="a much longer secret", client=CLIENT
        )
    form = {**rectification.current_identity(stale), "email": "margaret.new@example.com"}
    with pytest.raises(step_up.StepUpRequired):
        rectification.submit(stale, form, idempotency_key="e", password=PASSWORD, client=CLIENT)
    assert requests_of(MARGARET, "withdrawal") == requests_of(MARGARET, "email_change") == 0

    step_up_check.with_password(stale, password=PASSWORD, code=pyotp.TOTP(secret).now(), client=CLIENT)
    erasure.request_withdrawal(stale, password=PASSWORD, confirmed=True, idempotency_key="w", client=CLIENT)
    assert requests_of(MARGARET, "withdrawal") == 1


# --- the check itself --------------------------------------------------------------------------------------------


def _failures(email: str) -> int:
    with session_scope() as session:
        key = login_failure_key("account", email)
        return int(
            session.exec(select(func.count()).select_from(LoginFailure).where(LoginFailure.key_hash == key)).one()
        )


def test_wrong_passwords_and_codes_count_and_a_code_works_once() -> None:
    secret = with_one_time_codes(ADA)
    ada = principal_for(ADA, checked=False)
    assert step_up_check.methods(ada) == step_up_check.Methods(passkey=False, password=True, code=True)
    with pytest.raises(step_up_check.StepUpFailed) as wrong_password:
        step_up_check.with_password(ada, password="not it", code=pyotp.TOTP(secret).now(), client=CLIENT)
    assert wrong_password.value.field == "password"
    with pytest.raises(step_up_check.StepUpFailed) as wrong_code:
        step_up_check.with_password(ada, password=PASSWORD, code="000000", client=CLIENT)
    assert wrong_code.value.field == "code"
    assert _failures("ada@example.com") == 2 and not step_up.is_recent(ada)

    code = pyotp.TOTP(secret).now()
    step_up_check.with_password(ada, password=PASSWORD, code=code, client=CLIENT)
    assert step_up.is_recent(ada)
    again = principal_for(ADA, checked=False)
    with pytest.raises(step_up_check.StepUpFailed):
        step_up_check.with_password(again, password=PASSWORD, code=code, client=CLIENT)  # seen over a shoulder
    with session_scope() as session:
        account = session.get(Account, ADA)
        assert account is not None
        codes = recovery_codes.issue(session, account_id=ADA)
    step_up_check.with_password(again, password=PASSWORD, code=codes[3].upper(), client=CLIENT)
    with pytest.raises(step_up_check.StepUpFailed):
        step_up_check.with_password(principal_for(ADA, checked=False), password=PASSWORD, code=codes[3], client=CLIENT)


def test_an_acting_agent_never_passes_for_the_customer() -> None:
    token = support_acting.start_acting(
        settings=get_settings(), agent_token=session_token_for(AGENT), customer_id=LINUS, reason="ticket CS-8"
    )
    acting = principal_for_token(get_settings(), token)
    assert acting is not None and acting.acting is not None
    with pytest.raises(step_up.StepUpRequired):
        step_up.require_recent_check(acting)
    with session_scope() as session:
        assert session.exec(select(col(AuditEvent.action)).where(AuditEvent.action == "auth.step_up")).first() is None
