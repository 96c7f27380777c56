"""Why a session ended, as a code the sign-in page can show (issue #21 point 9): never more than a fixed word."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.db import session_scope
from portal.services.identity import session_end, sessions
from portal.services.identity.sessions import hash_token
from tests.utils.principals import ADA, session_token_for


@pytest.fixture(autouse=True)
def _env(portal_env: Path) -> None:
    return None


@pytest.mark.parametrize(
    ("stored", "code"),
    [
        ("password_changed", "password_changed"),
        ("password_reset", "password_reset"),
        ("everywhere", "signed_out_everywhere"),
        ("ended_by_owner", "signed_out_elsewhere"),
        ("signed_out", "signed_out"),
        ("expired", "timed_out"),
        ("rotated", None),  # a new sign-in replaced it: that browser holds the new cookie, nothing to explain
        ("support_grant_revoked", None),
    ],
)
def test_a_revoked_session_says_why_in_a_fixed_word(stored: str, code: str | None) -> None:
    token = session_token_for(ADA)
    with session_scope() as session:
        sessions.revoke_session(session=session, token=token, reason=stored)
    assert session_end.why_ended(hash_token(token)) == code
    assert session_end.why_token_ended(token) == code


def test_a_session_nobody_ended_has_timed_out() -> None:
    """Asked only about sessions that are over: one still unrevoked ran past its idle or absolute limit."""
    assert session_end.why_token_ended(session_token_for(ADA)) == "timed_out"


def test_an_unknown_or_absurd_token_has_no_reason() -> None:
    assert session_end.why_token_ended("not-a-session") is None
    assert session_end.why_token_ended("x" * 500) is None
    assert session_end.why_token_ended(None) is None


def test_the_sign_in_address_carries_only_known_codes() -> None:
    assert session_end.sign_in_address("password_changed") == "/login?expired=1&reason=password_changed"
    assert session_end.sign_in_address(None) == "/login?expired=1"
    assert session_end.sign_in_address("<script>") == "/login?expired=1"
