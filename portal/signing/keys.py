"""The Ed25519 signing keys: files outside the database, one current key, retired keys kept for verification.

A key is a PEM file `<kid>.pem` (PKCS#8, mode 0600) in the key folder; `current` names the one that signs. The key
id is the first 16 hex digits of the SHA-256 of the raw public key, so anyone holding a public key can compute it.
Someone who can write the database cannot forge a signature (the key is not there), and a public key published
once keeps verifying what it signed after a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..config import get_settings

CURRENT = "current"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKey:
    kid: str
    key: Ed25519PublicKey
    current: bool

    def jwk(self) -> dict[str, str]:
        """RFC 8037's JSON Web Key for an Ed25519 public key."""
        raw = self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(raw),
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
            "status": "current" if self.current else "retired",
        }


class KeyRing:
    """The keys of one folder; creates the first key when the folder has none."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not (self.folder / CURRENT).exists():
            self.rotate()

    def rotate(self) -> str:
        """Make a new current key; the old one stays as a retired key. Returns the new key id."""
        private = Ed25519PrivateKey.generate()
        kid = key_id(private.public_key())
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        descriptor = os.open(self.folder / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        pointer = self.folder / f".{CURRENT}.tmp"
        pointer.write_text(kid)
        pointer.replace(self.folder / CURRENT)  # atomic: a reader sees the old or the new key, never none
        return kid

    @property
    def current_kid(self) -> str:
        return (self.folder / CURRENT).read_text().strip()

    def private_key(self) -> tuple[str, Ed25519PrivateKey]:
        kid = self.current_kid
        loaded = serialization.load_pem_private_key((self.folder / f"{kid}.pem").read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"signing key {kid} is not an Ed25519 key")
        return kid, loaded

    def public_keys(self) -> list[PublicKey]:
        current = self.current_kid
        found = []
        for path in sorted(self.folder.glob("*.pem")):
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if isinstance(loaded, Ed25519PrivateKey):
                public = loaded.public_key()
                found.append(PublicKey(key_id(public), public, key_id(public) == current))
        return sorted(found, key=lambda k: (not k.current, k.kid))


@cache
def _keyring(folder: str) -> KeyRing:
    return KeyRing(Path(folder))


def get_keyring() -> KeyRing:
    return _keyring(str(get_settings().signing_key_dir))


def public_jwks(ring: KeyRing | None = None) -> dict[str, list[dict[str, str]]]:
    """What `/.well-known/portal-signing-keys.json` publishes: every key that signed something, current first."""
    return {"keys": [key.jwk() for key in (ring or get_keyring()).public_keys()]}


def keys_from_jwks(document: dict[str, object]) -> dict[str, Ed25519PublicKey]:
    """Public keys by id from a published JWK set (for checking offline, with nothing but that file)."""
    entries = document.get("keys")
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519":
            keys[str(entry["kid"])] = Ed25519PublicKey.from_public_bytes(b64url_decode(str(entry["x"])))
    return keys
