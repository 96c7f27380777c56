"""Password hashing with argon2id (OWASP: m >= 19 MiB, t >= 2, p = 1)."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM, type=Type.ID)
# Verifying against this when an account does not exist makes an unknown email cost as much time as a
# wrong password, so timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("no such account: timing equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def hash_password_with_fixed_salt(password: str, *, salt_seed: str) -> str:
    """Deterministic argon2id hash for the public demo accounts only, so `seed --reset` is byte-identical."""
    salt = hashlib.sha256(f"demo-salt:{salt_seed}".encode()).digest()[:16]
    return hash_secret(
        password.encode(),
        salt,
        time_cost=TIME_COST,
        memory_cost=MEMORY_KIB,
        parallelism=PARALLELISM,
        hash_len=32,
        type=Type.ID,
    ).decode()


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
