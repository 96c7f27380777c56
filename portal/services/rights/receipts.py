"""Deletion receipts: a signed statement of what was erased, what was kept and until when.

The receipt holds no personal data (request id, a keyed pseudonym, categories and dates), so it can be kept, and
checked, after the account is gone. It is signed with the portal's Ed25519 key (`portal/signing`), whose public
half is published at `/.well-known/portal-signing-keys.json`: a customer or a regulator checks it offline with
that key alone (`python main.py verify FILE`, or a few lines of Python: docs/customers.md). Receipts issued before
(signed with the portal's secret key) still verify here, against the portal's own record of them."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ... import signing
from ...catalogue import get_catalogue
from ...config import get_settings
from ...db import session_scope
from ...i18n import DEFAULT_LOCALE, N_, _, current_locale, language_codes, ngettext, using_locale
from ...models import DeletionReceipt
from ...models.types import utcnow
from ..identity import tokens

_TOKEN_LINE = re.compile(r"^RECEIPT:\s*(\S+)\s*$", re.MULTILINE)
# What a receipt says was done to a category or kind. The signed document holds these English words (what is signed
# stays the same in every language); `readable_lines` words them for the reader.
ERASED = N_("erased")
ERASED_AND_PSEUDONYMISED = N_("erased; records the law requires us to keep are pseudonymised")
PSEUDONYMISED = N_("pseudonymised (no longer linked to you)")
_ACTIONS = frozenset({ERASED, ERASED_AND_PSEUDONYMISED, PSEUDONYMISED})


def pseudonym(customer_id: int) -> str:
    """A keyed hash of the customer id: the company can recognise it with the key, nobody else can."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"customer:{customer_id}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(
    session: Session,
    *,
    request_id: int,
    customer_id: int,
    categories: list[dict[str, Any]],
    withdrawn_consent: str | None = None,
    recipients_told: list[str] | None = None,
) -> DeletionReceipt:
    """Sign and store the receipt of one erasure: the whole withdrawal, or the withdrawal of one consent
    (`withdrawn_consent`, the purpose's title) that erased what it covered."""
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
    if withdrawn_consent is not None:
        document["withdrawn_consent"] = withdrawn_consent
    if recipients_told:  # Art. 19: who received the data and was told to erase it too
        document["recipients_told"] = recipients_told
    token = signing.sign_document(document)
    receipt = DeletionReceipt(
        receipt_id=receipt_id,
        request_id=request_id,
        issued_at=issued_at,
        digest=hashlib.sha256(token.encode()).hexdigest(),
        document=token,
    )
    session.add(receipt)
    return receipt


def read(token: str) -> dict[str, Any]:
    """What a receipt token certifies; raises signing.SignatureInvalid (or tokens.TokenError for an old one)."""
    if token.startswith(f"{signing.envelope.PREFIX}."):
        return signing.verify_document(token, _public_keys())
    return tokens.read(tokens.Purpose.DELETION_RECEIPT, token)


def as_text(token: str) -> str:
    """The downloadable file: readable for a person, with the signed token a machine can check."""
    return "\n".join([*readable_lines(read(token)), "", f"RECEIPT: {token}", ""])


def readable_lines(data: dict[str, Any]) -> list[str]:
    """The receipt in words, rendered from what the signature certifies (never from text someone pasted), in the
    reader's language around the signed values (ids, dates, the titles and words as they were signed)."""
    lines = [
        _("Deletion receipt from {controller}").format(controller=data["controller"]),
        "",
        _("Receipt id:  {receipt}").format(receipt=data["receipt_id"]),
        _("Request id:  {request}").format(request=data["request_id"]),
        _("Issued at:   {moment}").format(moment=data["issued_at"]),
        _("Policy:      version {version}").format(version=data["policy_version"]),
        "",
    ]
    if data.get("withdrawn_consent"):
        lines += [_("Consent withdrawn: {purpose}").format(purpose=data["withdrawn_consent"]), ""]
    lines.append(_("What happened to your data:"))
    for item in data["categories"]:
        action = _(item["action"]) if item["action"] in _ACTIONS else item["action"]
        line = _("  - {title}: {action}").format(title=item["title"], action=action)
        if item.get("records") is not None:
            # English says "records" for 1 too, as receipts always did: a receipt pasted back must read the same.
            # The count stays as signed (digits only), like the ids and dates around it.
            records = int(item["records"])
            line += ngettext(" ({count} records)", " ({count} records)", records).format(count=records)
        if item.get("kept_until"):
            line += _(" (kept, no longer linked to you, until {date}: {why})").format(
                date=item["kept_until"], why=item.get("why", "")
            )
        lines.append(line)
    if data.get("recipients_told"):
        lines += ["", _("Recipients of your data we told to erase it too:")]
        lines += [f"  - {name}" for name in data["recipients_told"]]
    lines += [
        "",
        _("Check this receipt at /receipts/verify on the privacy portal, or offline with the public key at"),
        _("/.well-known/portal-signing-keys.json (python main.py verify deletion-receipt.txt)."),
    ]
    return lines


def _certified_lines(data: dict[str, Any]) -> set[str]:
    """Every line the receipt reads as, in any language: a receipt downloaded in German and pasted into the English
    page is what the signature certifies all the same."""
    certified: set[str] = set()
    for code in {DEFAULT_LOCALE, current_locale(), *language_codes()}:
        with using_locale(code):
            certified |= {line.strip() for line in readable_lines(data)}
    return certified


@dataclass(frozen=True)
class ReceiptCheck:
    genuine: bool
    message: str
    data: dict[str, Any] | None = None
    # Lines of the pasted text that the signature does not certify (an edited "erased" -> "kept", say).
    not_certified: tuple[str, ...] = ()


EMPTY = N_("Paste a receipt: the whole file, or just the line that starts with RECEIPT:.")
NOT_OURS = N_("This is not a genuine receipt: it was altered or not issued by us.")


def verify(text: str) -> ReceiptCheck:
    """Accepts the whole receipt file or just its token; never raises."""
    if not (text or "").strip():
        return ReceiptCheck(False, _(EMPTY))
    match = _TOKEN_LINE.search(text)
    token = match.group(1) if match else text.strip()
    try:
        data = read(token)
    except (signing.SignatureInvalid, tokens.TokenError, ValueError, KeyError):
        return ReceiptCheck(False, _(NOT_OURS))
    with session_scope() as session:
        stored = session.get(DeletionReceipt, str(data.get("receipt_id")))
    if stored is None or stored.digest != hashlib.sha256(token.encode()).hexdigest():
        return ReceiptCheck(False, _("This receipt's signature is valid but we have no record of issuing it."))
    certified = _certified_lines(data)
    pasted = [line.strip() for line in text.splitlines() if line.strip() and not _TOKEN_LINE.match(line.strip())]
    extra = tuple(line for line in pasted if line not in certified) if match else ()
    message = _("Genuine receipt {receipt}, issued {date} for request {request}.").format(
        receipt=data["receipt_id"], date=data["issued_at"][:10], request=data["request_id"]
    )
    if extra:
        message += " " + _(
            "Some of the text pasted with it is not what the receipt certifies: only what is shown here is."
        )
    return ReceiptCheck(True, message, data, extra)


def _public_keys() -> dict[str, Any]:
    return {key.kid: key.key for key in signing.get_keyring().public_keys()}
