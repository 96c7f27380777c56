"""Signed tokens: one salt per purpose, tampering and garbage refused, expiry per purpose, receipts never expire."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from portal.services.identity import tokens
from portal.services.identity.tokens import Purpose, TokenError
from tests.utils.environment import TEST_SECRET, reset_portal_caches, use_data_dir

DATA = {"request_id": 7, "account_id": 1, "email": "ada@example.com", "token_id": "abc123"}
TIMED = [p for p in Purpose if p in tokens.MAX_AGE_SECONDS]


@pytest.fixture(autouse=True)
def _settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tokens only need the settings (the secret key), not a database."""
    use_data_dir(tmp_path_factory.mktemp("tokens"))
    yield
    reset_portal_caches()


def _tamper(token: str, index: int | None = None) -> str:
    """Change one character in the middle of the token (never a separator), to another URL-safe character."""
    index = len(token) // 2 if index is None else index
    while token[index] == ".":
        index += 1
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_token_reads_back_as_its_data(purpose: Purpose) -> None:
    token = tokens.sign(purpose, DATA)
    assert isinstance(token, str) and token
    assert tokens.read(purpose, token) == DATA


@pytest.mark.parametrize("purpose", list(Purpose))
def test_tokens_are_url_safe(purpose: Purpose) -> None:
    token = tokens.sign(purpose, {**DATA, "email": "zoë+tag@example.com", "note": "a/b?c=d&e"})
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


@pytest.mark.parametrize(("signed_for", "read_as"), list(permutations(list(Purpose), 2)))
def test_a_token_for_one_purpose_never_opens_another(signed_for: Purpose, read_as: Purpose) -> None:
    token = tokens.sign(signed_for, DATA)
    with pytest.raises(TokenError) as refused:
        tokens.read(read_as, token)
    assert refused.value.reason == "invalid"


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_token_signed_with_another_key_is_refused(purpose: Purpose) -> None:
    serializer = URLSafeTimedSerializer if purpose in tokens.MAX_AGE_SECONDS else URLSafeSerializer
    forged = serializer("another-secret-key-of-sufficient-length-0000", salt=purpose.value).dumps(DATA)
    with pytest.raises(TokenError) as refused:
        tokens.read(purpose, forged)
    assert refused.value.reason == "invalid"
    assert "not valid" in str(refused.value)


def test_the_secret_key_is_the_configured_one() -> None:
    genuine = URLSafeSerializer(TEST_SECRET, salt=Purpose.DELETION_RECEIPT.value).dumps(DATA)
    assert tokens.read(Purpose.DELETION_RECEIPT, genuine) == DATA


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_tampered_token_is_refused(purpose: Purpose) -> None:
    token = tokens.sign(purpose, DATA)
    for index in (1, len(token) // 3, len(token) // 2, len(token) - 5):
        altered = _tamper(token, index)
        assert altered != token
        with pytest.raises(TokenError) as refused:
            tokens.read(purpose, altered)
        assert refused.value.reason == "invalid"


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_truncated_or_extended_token_is_refused(purpose: Purpose) -> None:
    token = tokens.sign(purpose, DATA)
    for altered in (token[:-1], token[1:], token + "A", token.replace(".", "", 1), token.split(".")[0]):
        with pytest.raises(TokenError) as refused:
            tokens.read(purpose, altered)
        assert refused.value.reason == "invalid"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        " ",
        "x",
        ".",
        "...",
        "a.b.c",
        "eyJhIjoxfQ",
        "eyJhIjoxfQ.abc",
        "null",
        "<script>",
        "zoë",
        "\x00",
        "🙂.🙂.🙂",
        "%2E%2E",
    ],
)
@pytest.mark.parametrize("purpose", list(Purpose))
def test_garbage_is_refused_as_invalid(purpose: Purpose, garbage: str) -> None:
    with pytest.raises(TokenError) as refused:
        tokens.read(purpose, garbage)
    assert refused.value.reason == "invalid"


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_none_token_is_refused(purpose: Purpose) -> None:
    with pytest.raises(TokenError):
        tokens.read(purpose, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("purpose", list(Purpose))
def test_an_over_long_token_is_refused_even_when_validly_signed(purpose: Purpose) -> None:
    token = tokens.sign(purpose, {"padding": secrets.token_urlsafe(9000)})
    assert len(token) > 8000
    with pytest.raises(TokenError) as refused:
        tokens.read(purpose, token)
    assert refused.value.reason == "invalid"
    with pytest.raises(TokenError):
        tokens.read(purpose, "A" * 8001)


@pytest.mark.parametrize("purpose", list(Purpose))
def test_validly_signed_data_that_is_not_an_object_is_refused(purpose: Purpose) -> None:
    for data in ([1, 2], "text", 5, None):
        token = tokens.sign(purpose, data)  # type: ignore[arg-type]
        with pytest.raises(TokenError) as refused:
            tokens.read(purpose, token)
        assert refused.value.reason == "invalid"


@pytest.mark.parametrize("purpose", TIMED)
def test_a_timed_token_expires(purpose: Purpose, monkeypatch: pytest.MonkeyPatch) -> None:
    token = tokens.sign(purpose, DATA)
    with pytest.raises(TokenError) as expired:
        tokens.read(purpose, token, max_age=-1)
    assert expired.value.reason == "expired"
    assert "expired" in str(expired.value)
    later = time.time() + tokens.MAX_AGE_SECONDS[purpose] + 60
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(TokenError) as expired:
        tokens.read(purpose, token)  # the default age limit of the purpose
    assert expired.value.reason == "expired"


@pytest.mark.parametrize("purpose", TIMED)
def test_a_timed_token_is_valid_just_before_its_limit(purpose: Purpose, monkeypatch: pytest.MonkeyPatch) -> None:
    token = tokens.sign(purpose, DATA)
    nearly = time.time() + tokens.MAX_AGE_SECONDS[purpose] - 60
    monkeypatch.setattr(time, "time", lambda: nearly)
    assert tokens.read(purpose, token) == DATA


def test_the_email_change_link_lives_24_hours_and_the_export_link_one_hour() -> None:
    assert tokens.MAX_AGE_SECONDS[Purpose.EMAIL_CHANGE] == 24 * 3600
    assert tokens.MAX_AGE_SECONDS[Purpose.EXPORT_DOWNLOAD] == 3600


def test_a_deletion_receipt_never_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Purpose.DELETION_RECEIPT not in tokens.MAX_AGE_SECONDS
    token = tokens.sign(Purpose.DELETION_RECEIPT, DATA)
    assert tokens.read(Purpose.DELETION_RECEIPT, token, max_age=-1) == DATA  # an age limit does not apply
    in_fifty_years = time.time() + 50 * 365 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: in_fifty_years)
    assert tokens.read(Purpose.DELETION_RECEIPT, token) == DATA


def test_an_expired_and_tampered_token_is_reported_invalid_not_expired() -> None:
    """Only a genuine token can be 'expired': a forger learns nothing from the answer."""
    token = _tamper(tokens.sign(Purpose.EMAIL_CHANGE, DATA))
    with pytest.raises(TokenError) as refused:
        tokens.read(Purpose.EMAIL_CHANGE, token, max_age=-1)
    assert refused.value.reason == "invalid"


def test_token_error_is_a_value_error_with_a_reason() -> None:
    error = TokenError("expired", "This link has expired.")
    assert isinstance(error, ValueError)
    assert error.reason == "expired" and str(error) == "This link has expired."


@settings(max_examples=300, deadline=None)
@given(purpose=st.sampled_from(list(Purpose)), token=st.text(max_size=200))
def test_no_text_makes_read_raise_anything_but_token_error(purpose: Purpose, token: str) -> None:
    try:
        data = tokens.read(purpose, token)
    except TokenError as refused:
        assert refused.reason in ("invalid", "expired")
    else:  # pragma: no cover - a random string is never a valid signature
        pytest.fail(f"random text {token!r} was accepted as {data!r}")


@settings(max_examples=100, deadline=None)
@given(
    purpose=st.sampled_from(list(Purpose)),
    data=st.dictionaries(
        st.text(max_size=10), st.one_of(st.integers(), st.text(max_size=20), st.booleans(), st.none()), max_size=5
    ),
)
def test_any_object_round_trips(purpose: Purpose, data: dict[str, object]) -> None:
    assert tokens.read(purpose, tokens.sign(purpose, data)) == data
