"""One-time codes for the demo privacy officer, as a QA script computes them (docs/qa.md).

The portal accepts a code once, and only for a time step later than the last one it accepted on the account: a
second sign-in within the same 30 seconds must use the next step's code (accepted a step early, for clock drift),
and a third must wait for the step after. `codes_to_try` yields the codes in that order, waiting when it must."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyotp

from portal.seed.people import DEMO_TOTP_ACCOUNT, DEMO_TOTP_SECRET

__all__ = ["DEMO_TOTP_ACCOUNT", "DEMO_TOTP_SECRET", "code_now", "codes_to_try", "needs_code"]


def needs_code(email: str) -> bool:
    return email.strip().lower() == DEMO_TOTP_ACCOUNT


def code_now(secret: str = DEMO_TOTP_SECRET, *, step_offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + step_offset * totp.interval)


def codes_to_try(secret: str = DEMO_TOTP_SECRET, *, wait: bool = True) -> Iterator[str]:
    """This step's code, the next step's, then (after sleeping into the next step) the one after that."""
    yield code_now(secret)
    yield code_now(secret, step_offset=1)
    if wait:
        interval = pyotp.TOTP(secret).interval
        time.sleep(interval - time.time() % interval + 0.2)
        yield code_now(secret, step_offset=1)
