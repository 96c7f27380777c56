"""Recovery codes: ten one-time codes shown once when one-time codes are set up, for the day the phone is lost.

Each code is 60 random bits (12 characters from an alphabet without look-alikes, typed in groups of four) and stored
only as an argon2id hash with its own salt (ASVS 5.0 V6.5.2: a lookup secret under 112 bits of entropy is stored
with an approved password hash). A code works once; wrong ones count in the sign-in throttle like wrong one-time
codes (the callers count them)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Delete, delete
from sqlmodel import Session, col, select

from ...models import RecoveryCode
from ...models.types import utcnow
from . import passwords

COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper, typed by hand
_LENGTH = 12


def normalise(raw: str) -> str:
    """What a person typed, as stored: lower case, without spaces or dashes."""
    return "".join(ch for ch in raw.lower() if ch.isalnum())[:32]


def looks_like_one(raw: str) -> bool:
    """A recovery code rather than a six-digit one-time code."""
    typed = normalise(raw)
    return len(typed) == _LENGTH and not typed.isdigit()


def _new_code() -> str:
    code = "".join(secrets.choice(_ALPHABET) for _index in range(_LENGTH))
    return "-".join(code[i : i + 4] for i in range(0, _LENGTH, 4))


def issue(session: Session, *, account_id: int, now: datetime | None = None) -> list[str]:
    """Replace the account's recovery codes with ten new ones; returns them, the only time they exist in clear."""
    now = now or utcnow()
    session.exec(delete_all(account_id))
    codes = [_new_code() for _index in range(COUNT)]
    for code in codes:
        session.add(
            RecoveryCode(account_id=account_id, code_hash=passwords.hash_password(normalise(code)), created_at=now)
        )
    return codes


def delete_all(account_id: int) -> Delete:
    """The statement that removes every recovery code of the account (one-time codes turned off)."""
    return delete(RecoveryCode).where(col(RecoveryCode.account_id) == account_id)


def use(session: Session, *, account_id: int, raw: str, now: datetime | None = None) -> bool:
    """Spend the matching unused code; False when none matches. Every unused hash is tried, so the time taken does
    not tell which code (or how many) matched."""
    typed = normalise(raw)
    if len(typed) != _LENGTH:
        return False
    unused = session.exec(
        select(RecoveryCode).where(col(RecoveryCode.account_id) == account_id, col(RecoveryCode.used_at).is_(None))
    ).all()
    found = None
    for row in unused:
        if passwords.verify_password(row.code_hash, typed) and found is None:
            found = row
    if found is None:
        return False
    found.used_at = now or utcnow()
    session.add(found)
    return True
