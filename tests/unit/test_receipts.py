"""Deletion receipts: a genuine receipt verifies (as the whole file or just its token); an altered, forged,
never-issued or garbage one does not, and checking never raises."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer
from sqlmodel import select

from portal import signing
from portal.catalogue import get_catalogue
from portal.db import session_scope
from portal.jobs import inline, register_all
from portal.models import DeletionReceipt
from portal.services.identity import tokens
from portal.services.rights import erasure, receipts
from tests.utils.principals import MARGARET, principal_for

NOT_OURS = "This is not a genuine receipt: it was altered or not issued by us."
NOT_ISSUED = "This receipt's signature is valid but we have no record of issuing it."


@pytest.fixture
def receipt(portal_env: Path) -> str:
    """A real withdrawal of margaret's account; returns the signed receipt token."""
    register_all()
    request_id = erasure.request_withdrawal(
        principal_for(MARGARET), password="demo-password", confirmed=True, idempotency_key="withdraw-for-receipt"
    )
    token = inline.process_now(request_id, timeout=30)
    assert token, "the erasure ran and issued a receipt"
    return token


def _tamper(token: str, index: int) -> str:
    while token[index] == ".":
        index += 1
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


def _document(token: str) -> dict[str, object]:
    return receipts.read(token)


def test_the_receipt_file_is_readable_and_carries_the_token(receipt: str) -> None:
    text = receipts.as_text(receipt)
    assert f"RECEIPT: {receipt}" in text.splitlines()
    document = _document(receipt)
    assert f"Receipt id:  {document['receipt_id']}" in text
    assert text.startswith(f"Deletion receipt from {get_catalogue().controller_name}")
    for category in get_catalogue().categories.values():
        assert f"  - {category.title}: " in text, category.key
    assert "kept, no longer linked to you, until" in text, "records the law makes us keep are explained"
    assert [c["key"] for c in document["categories"]] == list(get_catalogue().categories)  # type: ignore[union-attr]


def test_the_receipt_holds_no_personal_data(receipt: str) -> None:
    text = receipts.as_text(receipt)
    for personal in ("margaret", "Margaret", "Hamilton", "Apolloweg", "Utrecht", "3511", "+31"):
        assert personal not in text
    document = _document(receipt)
    assert document["subject"] == receipts.pseudonym(MARGARET)
    assert str(MARGARET) not in {str(v) for v in document.values()}


def test_the_receipt_is_recorded_as_issued(receipt: str) -> None:
    document = _document(receipt)
    with session_scope() as session:
        stored = session.get(DeletionReceipt, str(document["receipt_id"]))
        assert stored is not None
        assert stored.document == receipt
        assert stored.digest == hashlib.sha256(receipt.encode()).hexdigest()
        assert stored.request_id == document["request_id"]


def test_a_genuine_receipt_file_verifies(receipt: str) -> None:
    check = receipts.verify(receipts.as_text(receipt))
    assert check.genuine, check.message
    document = _document(receipt)
    assert check.data == document
    assert str(document["receipt_id"]) in check.message
    assert f"request {document['request_id']}" in check.message


@pytest.mark.parametrize(
    "wrap",
    [
        lambda t: t,
        lambda t: f"  {t}\n",
        lambda t: f"RECEIPT: {t}",
        lambda t: f"Some words first\r\nRECEIPT:   {t}  \r\nand after",
    ],
    ids=["token", "padded", "receipt-line", "crlf-file"],
)
def test_just_the_token_verifies(receipt: str, wrap: object) -> None:
    check = receipts.verify(wrap(receipt))  # type: ignore[operator]
    assert check.genuine, check.message


def test_the_receipt_still_verifies_after_the_account_is_gone(receipt: str) -> None:
    from portal.models import Account

    with session_scope() as session:
        assert session.get(Account, MARGARET) is None
    assert receipts.verify(receipt).genuine


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9, 1.0])
def test_an_altered_receipt_is_not_genuine(receipt: str, where: float) -> None:
    index = min(int(len(receipt) * where), len(receipt) - 5)
    altered = _tamper(receipt, index)
    assert altered != receipt
    for text in (altered, receipts.as_text(receipt).replace(receipt, altered)):
        check = receipts.verify(text)
        assert not check.genuine
        assert check.message == NOT_OURS
        assert check.data is None


def test_a_receipt_re_signed_with_altered_contents_is_not_genuine(receipt: str) -> None:
    """Even signed with our key: the stored digest of what we issued does not match."""
    document = _document(receipt)
    kept_longer = {**document, "categories": [{**c, "action": "erased"} for c in document["categories"]]}  # type: ignore[union-attr]
    check = receipts.verify(signing.sign_document(kept_longer))
    assert not check.genuine
    assert check.message == NOT_ISSUED


def test_a_forged_receipt_signed_with_another_key_is_not_genuine(receipt: str) -> None:
    document = _document(receipt)
    forger = URLSafeSerializer("a-different-secret-key-0123456789-abcdefghij", salt="deletion-receipt")
    for forged_document in (document, {**document, "receipt_id": str(uuid.uuid4())}):
        forged = forger.dumps(forged_document)
        check = receipts.verify(f"Deletion receipt\n\nRECEIPT: {forged}\n")
        assert not check.genuine
        assert check.message == NOT_OURS


def test_a_token_for_another_purpose_is_not_a_receipt(receipt: str) -> None:
    document = _document(receipt)
    for purpose in (tokens.Purpose.EMAIL_CHANGE, tokens.Purpose.EXPORT_DOWNLOAD):
        check = receipts.verify(tokens.sign(purpose, document))
        assert not check.genuine and check.message == NOT_OURS


def test_a_validly_signed_receipt_we_never_issued_is_not_genuine(portal_env: Path) -> None:
    document = {
        "receipt_id": str(uuid.uuid4()),
        "request_id": 4242,
        "issued_at": "2026-01-02T03:04:05+00:00",
        "subject": receipts.pseudonym(MARGARET),
        "controller": get_catalogue().controller_name,
        "policy_version": "1.0",
        "categories": [{"key": "identity", "title": "Identity", "action": "erased"}],
    }
    token = signing.sign_document(document)
    assert "RECEIPT:" in receipts.as_text(token), "it looks exactly like a real one"
    check = receipts.verify(receipts.as_text(token))
    assert not check.genuine
    assert check.message == NOT_ISSUED
    assert "no record of issuing it" in check.message
    with session_scope() as session:
        assert session.exec(select(DeletionReceipt)).first() is None


@pytest.mark.parametrize(
    "garbage",
    [
        "RECEIPT:",
        "RECEIPT: ",
        "RECEIPT: nonsense",
        "hello world",
        "a.b",
        "RECEIPT: a.b\nRECEIPT: c.d",
        "\x00\x01",
        "🙂" * 100,
        "A" * 9000,
        "RECEIPT: " + "A" * 9000,
    ],
)
def test_garbage_is_not_genuine_and_raises_nothing(portal_env: Path, garbage: str) -> None:
    check = receipts.verify(garbage)
    assert not check.genuine
    assert check.message == NOT_OURS
    assert check.data is None


@pytest.mark.parametrize("blank", ["", " ", "\n\n", None])
def test_an_empty_paste_asks_for_a_receipt(portal_env: Path, blank: str | None) -> None:
    """Nothing pasted is not an altered receipt: the page asks for one."""
    check = receipts.verify(blank)  # type: ignore[arg-type]
    assert not check.genuine
    assert (
        check.message
        == receipts.EMPTY
        == "Paste a receipt: the whole file, or just the line that starts with RECEIPT:."
    )


def test_edited_readable_lines_are_flagged_and_only_the_signed_content_is_shown(receipt: str) -> None:
    """Usage data: erased -> kept, in the readable text above an untouched RECEIPT: line."""
    text = receipts.as_text(receipt)
    erased = next(line for line in text.splitlines() if line.startswith("  - ") and ": erased" in line)
    edited = text.replace(erased, erased.replace(": erased", ": kept"))
    check = receipts.verify(edited)
    assert check.genuine, "the signature itself is intact"
    assert check.not_certified == (erased.replace(": erased", ": kept").strip(),)
    assert "not what the receipt certifies" in check.message
    assert erased in receipts.readable_lines(check.data or {}), "the page renders what was signed"
    assert receipts.verify(text).not_certified == (), "the untouched file has nothing uncertified"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=300), st.text(max_size=100).map(lambda t: f"RECEIPT: {t}")))
def test_no_text_makes_verify_raise(portal_env: Path, text: str) -> None:
    check = receipts.verify(text)
    assert not check.genuine
    assert check.message in (NOT_OURS, NOT_ISSUED, receipts.EMPTY)
