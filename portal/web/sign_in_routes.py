"""The sign-in routes after the password: the second step (a one-time or recovery code) and signing in with a
passkey (alone, or as the second step), plus what every successful sign-in answers with.

Real form POSTs, like the password step, so the session cookie rotates in a real response. Between the password and
the second step the browser holds only a signed, five-minute `portal_second_step` cookie naming the account: no
session exists until every factor is shown. The `portal_browser` cookie (random, long-lived) lets the portal tell
the owner about a sign-in from a browser the account has not used before."""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..config import Settings, get_settings
from ..db import session_scope
from ..services.identity import auth, second_step
from ..services.identity.live_session import principal_for_token
from ..services.rights import consents
from . import csrf, paths
from .cookies import LOGIN_FLASH, set_session_cookie

log = logging.getLogger("portal.web")

SECOND_STEP_COOKIE = "portal_second_step"
BROWSER_COOKIE = "portal_browser"
_BROWSER_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chrome caps expiry at 400 days)
_SECOND_STEP_MAX_AGE = 5 * 60
VERIFY_PAGE = "/login/verify"


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def browser_of(request: Request) -> auth.Browser:
    """The browser as the sign-in request describes it; one without our cookie gets a new id (set on the answer)."""
    known = request.cookies.get(BROWSER_COOKIE)
    browser_id = known if known and 16 <= len(known) <= 64 else secrets.token_urlsafe(24)
    return auth.Browser(browser_id=browser_id, user_agent=request.headers.get("user-agent", "")[:512])


def remember_browser(response: Response, settings: Settings, browser: auth.Browser) -> None:
    if browser.browser_id:
        response.set_cookie(
            BROWSER_COOKIE,
            browser.browser_id,
            max_age=_BROWSER_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=settings.https,
            path="/",
        )


def to_second_step(
    settings: Settings, result: auth.LoginResult, next_target: str | None, browser: auth.Browser
) -> Response:
    """The password was right; the account has a second factor: on to the second step."""
    assert result.account is not None and result.account.id is not None
    response = RedirectResponse(VERIFY_PAGE, status_code=303)
    response.set_cookie(
        SECOND_STEP_COOKIE,
        second_step.pending_token(result.account.id, paths.safe_next(next_target)),
        max_age=_SECOND_STEP_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=settings.https,
        path="/",
    )
    remember_browser(response, settings, browser)
    LOGIN_FLASH.clear(response)
    return response


async def signed_in(
    request: Request, settings: Settings, result: auth.LoginResult, next_target: str | None, browser: auth.Browser
) -> Response:
    """Every successful sign-in answers alike: the new session cookie, and on to the role's home (or `next`)."""
    assert result.account is not None and result.token is not None
    log.info("sign-in account=%s", result.account.id)
    target = paths.safe_next(next_target, role=result.account.role) or paths.home_for(result.account.role)
    if result.account.role == "customer":
        target = await run_in_threadpool(_after_customer_sign_in, result, request, target)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, settings, result.token)
    remember_browser(response, settings, browser)
    LOGIN_FLASH.clear(response)
    response.delete_cookie(SECOND_STEP_COOKIE, path="/")
    return response


def _after_customer_sign_in(result: auth.LoginResult, request: Request, target: str) -> str:
    """Honour a Global Privacy Control signal, and ask for a review when the policy changed since the last one."""
    principal = principal_for_token(get_settings(), result.token)
    if principal is None:
        return target
    if request.headers.get("sec-gpc") == "1":
        consents.apply_gpc(principal)
    return "/consents?review=1" if consents.purposes_to_review(principal) else target


def _back(settings: Settings, location: str, error: str) -> Response:
    response = RedirectResponse(location, status_code=303)
    LOGIN_FLASH.write(response, settings, {"error": error, "email": ""})
    return response


def register(app: FastAPI, settings: Settings) -> None:
    @app.post("/auth/login/code", include_in_schema=False)
    async def second_step_code(request: Request) -> Response:
        form = await request.form()
        pending = second_step.read_pending(request.cookies.get(SECOND_STEP_COOKIE))
        if not csrf.form_is_genuine(request, settings.secret_key, form) or pending is None:
            return _back(settings, "/login", "expired")
        code = str(form.get("code", ""))[:64]
        if not code.strip():
            return _back(settings, VERIFY_PAGE, "missing_code")
        browser = browser_of(request)

        def _finish() -> auth.LoginResult:
            with session_scope() as session:
                return second_step.with_code(
                    session=session,
                    settings=settings,
                    pending=pending,
                    code=code,
                    client=client_of(request),
                    previous_token=request.cookies.get(settings.session_cookie),
                    browser=browser,
                )

        result = await run_in_threadpool(_finish)
        if result.outcome is auth.LoginOutcome.OK:
            return await signed_in(request, settings, result, pending.next_target, browser)
        log.info("second step refused outcome=%s", result.outcome.value)
        return _back(settings, VERIFY_PAGE, "throttled" if result.outcome is auth.LoginOutcome.THROTTLED else "code")

    @app.post("/auth/passkey", include_in_schema=False)
    async def passkey_sign_in(request: Request) -> Response:
        form = await request.form()
        # From /login the passkey signs in alone, whoever's it is: a password step left half done in this browser a
        # minute ago is no reason to refuse it. From /login/verify it must be the waiting account's.
        alone = form.get("alone") == "1"
        pending = None if alone else second_step.read_pending(request.cookies.get(SECOND_STEP_COOKIE))
        back = VERIFY_PAGE if pending is not None else "/login"
        if not csrf.form_is_genuine(request, settings.secret_key, form):
            return _back(settings, "/login", "expired")
        browser = browser_of(request)

        def _finish() -> auth.LoginResult:
            with session_scope() as session:
                return second_step.with_passkey(
                    session=session,
                    settings=settings,
                    challenge_token=str(form.get("challenge", ""))[:2000],
                    credential_json=str(form.get("credential", "")),
                    pending=pending,
                    client=client_of(request),
                    previous_token=request.cookies.get(settings.session_cookie),
                    browser=browser,
                )

        result = await run_in_threadpool(_finish)
        if result.outcome is auth.LoginOutcome.OK:
            next_target = pending.next_target if pending is not None else str(form.get("next", "")) or None
            return await signed_in(request, settings, result, next_target, browser)
        log.info("passkey sign-in refused outcome=%s", result.outcome.value)
        return _back(settings, back, "throttled" if result.outcome is auth.LoginOutcome.THROTTLED else "passkey")
