"""Signed, expiring tokens (itsdangerous), one salt per purpose so a token for one thing never opens another."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from ...config import get_settings
from ...errors import Invalid
from ...i18n import _


class Purpose(StrEnum):
    EMAIL_CHANGE = "email-change"
    DELETION_RECEIPT = "deletion-receipt"
    EXPORT_DOWNLOAD = "export-download"
    PASSWORD_RESET = "password-reset"
    EMAIL_CHANGE_CANCEL = "email-change-cancel"
    PASSKEY_SIGN_IN = "passkey-sign-in"  # the challenge a sign-in form carries
    SECOND_STEP = "second-step"  # a sign-in whose password was right, waiting for its second factor


MAX_AGE_SECONDS = {
    Purpose.EMAIL_CHANGE: 24 * 3600,
    Purpose.EXPORT_DOWNLOAD: 3600,
    Purpose.PASSWORD_RESET: 30 * 60,
    Purpose.EMAIL_CHANGE_CANCEL: 14 * 24 * 3600,
    Purpose.PASSKEY_SIGN_IN: 5 * 60,
    Purpose.SECOND_STEP: 5 * 60,
}  # the owner may read the notice days later


class TokenError(Invalid):
    """The token is not valid; `reason` is 'expired' or 'invalid', the message says it in plain words."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def sign(purpose: Purpose, data: dict[str, Any]) -> str:
    secret = get_settings().secret_key
    if purpose in MAX_AGE_SECONDS:
        return URLSafeTimedSerializer(secret, salt=purpose.value).dumps(data)
    return URLSafeSerializer(secret, salt=purpose.value).dumps(data)  # receipts never expire


def read(purpose: Purpose, token: str, *, max_age: int | None = None) -> dict[str, Any]:
    secret = get_settings().secret_key
    if not token or len(token) > 8000:
        raise TokenError("invalid", _("This link or receipt is not valid."))
    try:
        if purpose in MAX_AGE_SECONDS:
            data = URLSafeTimedSerializer(secret, salt=purpose.value).loads(
                token, max_age=max_age if max_age is not None else MAX_AGE_SECONDS[purpose]
            )
        else:
            data = URLSafeSerializer(secret, salt=purpose.value).loads(token)
    except SignatureExpired:
        raise TokenError("expired", _("This link has expired. Please start again from the portal.")) from None
    except BadSignature:
        raise TokenError(
            "invalid", _("This link or receipt is not valid: it was altered or not issued by us.")
        ) from None
    if not isinstance(data, dict):
        raise TokenError("invalid", _("This link or receipt is not valid."))
    return data
