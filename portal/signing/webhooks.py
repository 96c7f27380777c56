"""Signed webhooks (the Art. 19 notices to recipients), and the reference check a recipient runs on each one.

The portal POSTs a notice's canonical JSON with three headers:

    Portal-Notice-Id: <the notice's id, equal to the body's "id">
    Portal-Timestamp: <unix seconds when this attempt was signed>
    Portal-Signature: ed25519;kid=<key id>;sig=<base64url Ed25519 signature>

The signature covers `f"{timestamp}.{id}.".encode() + body`: the exact bytes received, bound to the id and to the
moment of sending, so a body cannot be altered, moved under another id or replayed later. Every retry is signed
afresh (a new timestamp) and carries the same id: the id is what a recipient dedupes by.

`verify_notice` is written to be copied by a recipient: it needs only `cryptography` and this module's few lines
(the key set comes from the portal's `/.well-known/portal-signing-keys.json`, `keys.keys_from_jwks`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableSet
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .envelope import SignatureInvalid
from .keys import b64url_decode

ID_HEADER = "Portal-Notice-Id"
TIMESTAMP_HEADER = "Portal-Timestamp"
SIGNATURE_HEADER = "Portal-Signature"
SCHEME = "ed25519"
TOLERANCE_SECONDS = 300


class NoticeReplayed(SignatureInvalid):
    """A genuine notice whose id was seen before: a retry of one already processed (our answer got lost), or a
    captured request sent again. Answer 200 and do nothing: the notice was handled once, which is what counts."""


def signed_message(timestamp: int, notice_id: str, body: bytes) -> bytes:
    """What the signature covers (the portal signs exactly this; a recipient checks exactly this)."""
    return f"{timestamp}.{notice_id}.".encode() + body


def signature_header(kid: str, signature: str) -> str:
    return f"{SCHEME};kid={kid};sig={signature}"


def verify_notice(
    headers: Mapping[str, str],
    body: bytes,
    keys: dict[str, Ed25519PublicKey],
    *,
    now: float,
    seen: MutableSet[str],
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> dict[str, Any]:
    """The notice, once it is proven to come from the portal, unaltered, recent, and new to this recipient.

    `keys`: the portal's public keys by id. `now`: this machine's unix time. `seen`: the notice ids this recipient
    has processed; a verified id is added to it. Keep it durable and for longer than the portal retries (its
    `PORTAL_NOTICE_DEAD_AFTER_HOURS`, 72 h by default), ideally written in the transaction that processes the
    notice; if processing fails after this call, remove the id again before answering an error, so the retry is
    processed. Raises `SignatureInvalid` (answer 4xx, process nothing), or its subclass `NoticeReplayed` for an id
    already in `seen` (answer 200, process nothing)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    notice_id = lowered.get(ID_HEADER.lower(), "")
    kid, signature = _parse_signature(lowered.get(SIGNATURE_HEADER.lower(), ""))
    try:
        timestamp = int(lowered.get(TIMESTAMP_HEADER.lower(), ""))
    except ValueError:
        raise SignatureInvalid(f"no {TIMESTAMP_HEADER} header, or not unix seconds") from None
    if abs(now - timestamp) > tolerance_seconds:
        raise SignatureInvalid(f"signed at {timestamp}, more than {tolerance_seconds} s away from now")
    if not notice_id:
        raise SignatureInvalid(f"no {ID_HEADER} header")
    key = keys.get(kid)
    if key is None:
        raise SignatureInvalid(f"signed by key {kid!r}, which is not in the portal's published keys")
    try:
        key.verify(signature, signed_message(timestamp, notice_id, body))
    except InvalidSignature:
        raise SignatureInvalid("the signature does not match the body, id and timestamp received") from None
    try:
        notice = json.loads(body)
    except ValueError:
        raise SignatureInvalid("the body is not JSON") from None
    if not isinstance(notice, dict) or notice.get("id") != notice_id:
        raise SignatureInvalid(f"the body's id differs from the {ID_HEADER} header")
    if notice_id in seen:
        raise NoticeReplayed(f"notice {notice_id} was already processed")
    seen.add(notice_id)
    return notice


def _parse_signature(header: str) -> tuple[str, bytes]:
    """`ed25519;kid=<kid>;sig=<base64url>` -> (kid, signature bytes)."""
    scheme, _, rest = header.strip().partition(";")
    fields = dict(part.strip().partition("=")[::2] for part in rest.split(";") if part.strip())
    if scheme.strip().lower() != SCHEME or not fields.get("kid") or not fields.get("sig"):
        raise SignatureInvalid(f"no {SIGNATURE_HEADER} header of the form {SCHEME};kid=…;sig=…")
    try:
        signature = b64url_decode(fields["sig"])
    except ValueError:
        raise SignatureInvalid("the signature is not base64url") from None
    return fields["kid"], signature
