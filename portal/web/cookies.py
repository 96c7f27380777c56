"""The cookies the plain routes and the middleware set: the session cookie (one set of attributes wherever it
rotates) and short-lived signed flash cookies that carry a message across one redirect.

A flash cookie keeps what the next page says out of the URL, so it never lands in logs or browser history; it is
signed with its own salt and expires after `max_age` seconds, and a tampered or stale one reads as absent."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from ..config import Settings


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        settings.session_cookie,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        path="/",
        max_age=settings.session_absolute_hours * 3600,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(settings.session_cookie, path="/")


@dataclass(frozen=True)
class SignedFlash:
    cookie: str
    salt: str
    max_age: int = 120  # seconds: long enough for the redirect, short enough not to linger

    def _signer(self, settings: Settings) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(settings.secret_key, salt=self.salt)

    def write(self, response: Response, settings: Settings, value: object) -> None:
        response.set_cookie(
            self.cookie,
            self._signer(settings).dumps(value),
            max_age=self.max_age,
            httponly=True,
            samesite="strict",
            secure=settings.https,
        )

    def read(self, request: Request, settings: Settings) -> object | None:
        raw = request.cookies.get(self.cookie)
        if not raw:
            return None
        try:
            return self._signer(settings).loads(raw, max_age=self.max_age)
        except BadSignature:  # tampered, signed with another salt, or expired (SignatureExpired is one)
            return None

    def clear(self, response: Response) -> None:
        response.delete_cookie(self.cookie)


LOGIN_FLASH = SignedFlash("portal_login_flash", "login-flash")  # the sign-in error and the email typed
SUPPORT_ERROR_FLASH = SignedFlash("portal_support_error", "support-flash")  # why acting as a customer was refused
