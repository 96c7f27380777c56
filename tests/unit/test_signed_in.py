"""Where an account is signed in: listing its live sessions and signing one out from another."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.db import session_scope
from portal.jobs import register_all
from portal.models import AuditEvent, AuthSession, SupportSession
from portal.models.types import utcnow
from portal.services.identity import signed_in
from portal.services.identity.live_session import principal_for_token
from portal.services.identity.principal import Principal
from portal.services.identity.sessions import hash_token
from portal.services.support_access import support_acting
from tests.utils.principals import ADA, AGENT, LINUS, session_token_for

REASON = "Customer asked for help with an order (ticket 4711)"


@pytest.fixture(autouse=True)
def _env(portal_env: Path) -> None:
    register_all()


def _principal(token: str) -> Principal:
    principal = principal_for_token(get_settings(), token)
    assert principal is not None
    return principal


def _ref(token: str) -> str:
    return hash_token(token)[: signed_in.REF_LENGTH]


def _age(token: str, **changes: object) -> None:
    with session_scope() as session:
        row = session.get(AuthSession, hash_token(token))
        assert row is not None
        for key, value in changes.items():
            setattr(row, key, value)
        session.add(row)


def test_the_list_holds_the_live_sessions_of_this_account_only_the_current_one_first() -> None:
    older, mine, newer = session_token_for(ADA), session_token_for(ADA), session_token_for(ADA)
    signed_out, idle, expired = session_token_for(ADA), session_token_for(ADA), session_token_for(ADA)
    someone_else = session_token_for(LINUS)
    now = utcnow()
    _age(older, last_seen_at=now - timedelta(minutes=20))
    _age(newer, last_seen_at=now - timedelta(minutes=1))
    _age(signed_out, revoked_at=now, revoked_reason="signed_out")
    _age(idle, last_seen_at=now - timedelta(days=2))
    _age(expired, expires_at=now - timedelta(seconds=1))
    principal = _principal(mine)  # resolving touches nothing here: the session was just created

    listed = signed_in.list_signed_in(principal)

    assert [item.ref for item in listed] == [_ref(mine), _ref(newer), _ref(older)]
    assert [item.current for item in listed] == [True, False, False]
    assert _ref(someone_else) not in {item.ref for item in listed}


def test_signing_out_another_session_ends_it_keeps_this_one_and_is_audited() -> None:
    mine, lost_laptop = session_token_for(ADA), session_token_for(ADA)
    principal = _principal(mine)

    signed_in.end_other_session(principal, _ref(lost_laptop))

    settings = get_settings()
    assert principal_for_token(settings, lost_laptop) is None, "the ended session still signs in"
    assert principal_for_token(settings, mine) is not None
    assert [item.ref for item in signed_in.list_signed_in(principal)] == [_ref(mine)]
    with session_scope() as session:
        row = session.get(AuthSession, hash_token(lost_laptop))
        assert row is not None and row.revoked_reason == "ended_by_owner"
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.session_ended")).one()
    assert (event.actor_id, event.subject_id, event.details) == (ADA, ADA, {"session": _ref(lost_laptop)})


@pytest.mark.parametrize("which", ["another account's", "malformed", "already ended", "too short"])
def test_a_reference_that_is_not_one_of_your_live_sessions_changes_nothing(which: str) -> None:
    mine, linus, ended = session_token_for(ADA), session_token_for(LINUS), session_token_for(ADA)
    signed_in.end_other_session(_principal(mine), _ref(ended))
    ref = {
        "another account's": _ref(linus),
        "malformed": "'; DROP TABLE x",
        "already ended": _ref(ended),
        "too short": _ref(linus)[:4],
    }[which]

    with pytest.raises(signed_in.SessionNotFound):
        signed_in.end_other_session(_principal(mine), ref)

    assert principal_for_token(get_settings(), linus) is not None
    with session_scope() as session:
        ended_events = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.session_ended")).all()
    assert len(ended_events) == 1  # only the setup's own ending


def test_the_current_session_is_ended_by_signing_out_not_from_the_list() -> None:
    mine = session_token_for(ADA)
    with pytest.raises(ValueError, match="Sign out instead"):
        signed_in.end_other_session(_principal(mine), _ref(mine))
    assert principal_for_token(get_settings(), mine) is not None


def test_an_agent_acting_for_a_customer_can_neither_see_nor_end_their_sign_ins() -> None:
    customer = session_token_for(LINUS)
    acting_token = support_acting.start_acting(
        settings=get_settings(), agent_token=session_token_for(AGENT), customer_id=LINUS, reason=REASON
    )
    acting = _principal(acting_token)
    with pytest.raises(signed_in.NotYourOwnAccount):
        signed_in.list_signed_in(acting)
    with pytest.raises(signed_in.NotYourOwnAccount):
        signed_in.end_other_session(acting, _ref(customer))
    assert principal_for_token(get_settings(), customer) is not None


def test_an_agent_signing_out_an_acting_session_ends_its_support_session_too() -> None:
    desk = session_token_for(AGENT)
    acting_token = support_acting.start_acting(
        settings=get_settings(), agent_token=session_token_for(AGENT), customer_id=LINUS, reason=REASON
    )
    support_session_id = _principal(acting_token).acting.support_session_id  # type: ignore[union-attr]
    agent = _principal(desk)
    assert _ref(acting_token) in {item.ref for item in signed_in.list_signed_in(agent)}

    signed_in.end_other_session(agent, _ref(acting_token))

    assert principal_for_token(get_settings(), acting_token) is None
    with session_scope() as session:
        support_session = session.get(SupportSession, support_session_id)
        assert support_session is not None and support_session.ended_at is not None


def test_signing_out_all_other_sessions_keeps_this_one_and_other_accounts() -> None:
    mine, phone, laptop, linus = (
        session_token_for(ADA),
        session_token_for(ADA),
        session_token_for(ADA),
        session_token_for(LINUS),
    )
    principal = _principal(mine)

    assert signed_in.end_all_other_sessions(principal) == 2

    settings = get_settings()
    assert principal_for_token(settings, phone) is None and principal_for_token(settings, laptop) is None
    assert principal_for_token(settings, mine) is not None
    assert principal_for_token(settings, linus) is not None, "another account's session was ended"
    assert [item.ref for item in signed_in.list_signed_in(principal)] == [_ref(mine)]
    with session_scope() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.other_sessions_ended")).one()
    assert (event.subject_id, event.details) == (ADA, {"sessions": 2})
    assert signed_in.end_all_other_sessions(principal) == 0, "a second press found sessions to end"
    with pytest.raises(signed_in.NotYourOwnAccount):
        signed_in.end_all_other_sessions(
            _principal(
                support_acting.start_acting(
                    settings=settings, agent_token=session_token_for(AGENT), customer_id=LINUS, reason=REASON
                )
            )
        )
