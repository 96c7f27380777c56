"""Signed documents and files.

What is signed is language-neutral (the document's own values, the file's bytes); only the reasons a check fails are
words for the person running it (`python main.py verify`).

A document is signed over its canonical JSON (keys sorted, no spaces, UTF-8): the token is
`ed25519.<kid>.<base64url(canonical JSON)>.<base64url(signature)>`, so it carries exactly what it certifies and the
id of the key to check it with. A file (the export's manifest.json) gets a detached signature over its exact bytes.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..i18n import _
from .keys import KeyRing, b64url, b64url_decode, get_keyring

PREFIX = "ed25519"


class SignatureInvalid(ValueError):
    """Not signed by any of the keys given, altered, or not a signed token at all."""


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_bytes(data: bytes, ring: KeyRing | None = None) -> dict[str, str]:
    kid, private = (ring or get_keyring()).private_key()
    return {"alg": "Ed25519", "kid": kid, "signature": b64url(private.sign(data))}


def verify_bytes(data: bytes, signature: dict[str, str], keys: dict[str, Ed25519PublicKey]) -> str:
    """Returns the key id that signed `data`; raises SignatureInvalid."""
    key = keys.get(str(signature.get("kid")))
    if key is None or signature.get("alg") != "Ed25519":
        raise SignatureInvalid(_("signed by a key we do not know"))
    try:
        key.verify(b64url_decode(str(signature.get("signature", ""))), data)
    except (InvalidSignature, ValueError):
        raise SignatureInvalid(_("the signature does not match")) from None
    return str(signature["kid"])


def sign_document(document: dict[str, Any], ring: KeyRing | None = None) -> str:
    payload = canonical(document)
    signature = sign_bytes(payload, ring)
    return f"{PREFIX}.{signature['kid']}.{b64url(payload)}.{signature['signature']}"


def verify_document(token: str, keys: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    """The signed document; raises SignatureInvalid when the token is altered or signed by an unknown key."""
    parts = (token or "").strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise SignatureInvalid(_("not a signed document"))
    kid, payload, signature = parts[1:]
    try:
        data = b64url_decode(payload)
    except ValueError:
        raise SignatureInvalid(_("not a signed document")) from None
    verify_bytes(data, {"alg": "Ed25519", "kid": kid, "signature": signature}, keys)
    document = json.loads(data)
    if not isinstance(document, dict):
        raise SignatureInvalid(_("not a signed document"))
    return document
