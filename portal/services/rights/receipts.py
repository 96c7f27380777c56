"""Deletion receipts: a signed statement of what was erased, what was kept and until when.

The receipt holds no personal data (request id, a keyed pseudonym, categories and dates), so it can be
kept, and checked on the public verify page, after the account is gone."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ...catalogue import get_catalogue
from ...config import get_settings
from ...db import session_scope
from ...models import DeletionReceipt
from ...models.types import utcnow
from ..identity import tokens

_TOKEN_LINE = re.compile(r"^RECEIPT:\s*(\S+)\s*$", re.MULTILINE)


def pseudonym(customer_id: int) -> str:
    """A keyed hash of the customer id: the company can recognise it with the key, nobody else can."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"customer:{customer_id}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(session: Session, *, request_id: int, customer_id: int, categories: list[dict[str, Any]]) -> DeletionReceipt:
    existing = session.exec(select(DeletionReceipt).where(DeletionReceipt.request_id == request_id)).first()
    if existing is not None:  # a re-run of an interrupted erasure hands out the same receipt
        return existing
    issued_at = utcnow()
    receipt_id = str(uuid.uuid4())
    document = {
        "receipt_id": receipt_id,
        "request_id": request_id,
        "issued_at": issued_at.isoformat(),
        "subject": pseudonym(customer_id),
        "controller": get_catalogue().controller_name,
        "policy_version": get_catalogue().policy_version,
        "categories": categories,
    }
    token = tokens.sign(tokens.Purpose.DELETION_RECEIPT, document)
    receipt = DeletionReceipt(
        receipt_id=receipt_id,
        request_id=request_id,
        issued_at=issued_at,
        digest=hashlib.sha256(token.encode()).hexdigest(),
        document=token,
    )
    session.add(receipt)
    return receipt


def as_text(token: str) -> str:
    """The downloadable file: readable for a person, with the signed token a machine can check."""
    data = tokens.read(tokens.Purpose.DELETION_RECEIPT, token)
    lines = [
        f"Deletion receipt from {data['controller']}",
        "",
        f"Receipt id:  {data['receipt_id']}",
        f"Request id:  {data['request_id']}",
        f"Issued at:   {data['issued_at']}",
        f"Policy:      version {data['policy_version']}",
        "",
        "What happened to your data:",
    ]
    for item in data["categories"]:
        line = f"  - {item['title']}: {item['action']}"
        if item.get("kept_until"):
            line += f" (kept, no longer linked to you, until {item['kept_until']}: {item.get('why', '')})"
        lines.append(line)
    lines += ["", "Check this receipt at /receipts/verify on the privacy portal.", "", f"RECEIPT: {token}", ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class ReceiptCheck:
    genuine: bool
    message: str
    data: dict[str, Any] | None = None


def verify(text: str) -> ReceiptCheck:
    """Accepts the whole receipt file or just its token."""
    match = _TOKEN_LINE.search(text or "")
    token = match.group(1) if match else (text or "").strip()
    try:
        data = tokens.read(tokens.Purpose.DELETION_RECEIPT, token)
    except tokens.TokenError:
        return ReceiptCheck(False, "This is not a genuine receipt: it was altered or not issued by us.")
    with session_scope() as session:
        stored = session.get(DeletionReceipt, str(data.get("receipt_id")))
    if stored is None or stored.digest != hashlib.sha256(token.encode()).hexdigest():
        return ReceiptCheck(False, "This receipt's signature is valid but we have no record of issuing it.")
    return ReceiptCheck(
        True,
        f"Genuine receipt {data['receipt_id']}, issued {data['issued_at'][:10]} for request {data['request_id']}.",
        data,
    )
