"""Signatures anyone can check without asking us: Ed25519 keys kept outside the database, published as JWKs.

- `keys`: the signing keys in `PORTAL_SIGNING_KEY_DIR` (default `<data dir>/keys/`), one current and any number of
  retired ones (kept so that what they signed still verifies), rotated with `python main.py keys rotate`;
- `envelope`: a signed document as one compact token, `ed25519.<kid>.<payload>.<signature>` (base64url), over the
  document's canonical JSON, and a detached signature for files (the export manifest).

Uses `cryptography` (a maintained library: Ed25519, PEM, raw keys) and nothing hand-written in between.
"""

from .envelope import SignatureInvalid, canonical, sign_bytes, sign_document, verify_bytes, verify_document
from .keys import KeyRing, PublicKey, get_keyring, public_jwks

__all__ = [
    "KeyRing",
    "PublicKey",
    "SignatureInvalid",
    "canonical",
    "get_keyring",
    "public_jwks",
    "sign_bytes",
    "sign_document",
    "verify_bytes",
    "verify_document",
]
