"""The few plain HTTP routes: sign-in and sign-out (real requests, so the session cookie can rotate), the health
check, and the public documents anyone checks an export or a receipt with (signing keys, the export schema)."""

from __future__ import annotations

import logging
from functools import lru_cache

from fastapi import FastAPI
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .. import signing
from ..config import ROOT, Settings
from ..db import get_engine, session_scope
from ..exports.builder import SCHEMA_PATH
from ..services import access
from ..services.identity import auth, step_up
from ..services.support_access import support_acting
from . import csrf, paths
from .cookies import LOGIN_FLASH, SUPPORT_ERROR_FLASH, clear_session_cookie, set_session_cookie
from .sign_in_routes import browser_of, client_of, signed_in, to_second_step

log = logging.getLogger("portal.web")
EXPORT_SCHEMA_FILE = ROOT / "docs" / "export-schema.json"


def register(app: FastAPI, settings: Settings) -> None:
    def _back_to_login(request: Request, error: str, email: str, next_target: str | None) -> Response:
        location = "/login" + (f"?next={next_target}" if next_target and paths.safe_next(next_target) else "")
        response = RedirectResponse(location, status_code=303)
        # The email typed is kept for the retry (the customer should not type it again), signed and short-lived,
        # in a cookie rather than the URL so it never lands in logs or browser history.
        LOGIN_FLASH.write(response, settings, {"error": error, "email": email[:254]})
        return response

    @app.post("/auth/login", include_in_schema=False)
    async def login_post(request: Request) -> Response:
        form = await request.form()
        email = str(form.get("email", ""))[:320]
        password = str(form.get("password", ""))
        next_target = str(form.get("next", "")) or None
        if not csrf.form_is_genuine(request, settings.secret_key, form):
            log.info("sign-in refused: form token or origin invalid")
            return _back_to_login(request, "expired", email, next_target)
        if not email.strip() or not password:
            return _back_to_login(request, "missing", email, next_target)
        client = client_of(request)
        previous = request.cookies.get(settings.session_cookie)
        browser = browser_of(request)

        def _login() -> auth.LoginResult:
            with session_scope() as session:
                return auth.login(
                    session=session,
                    settings=settings,
                    email=email,
                    password=password,
                    client=client,
                    previous_token=previous,
                    browser=browser,
                )

        result = await run_in_threadpool(_login)
        if result.outcome is auth.LoginOutcome.SECOND_FACTOR:
            return to_second_step(settings, result, next_target, browser)
        if result.outcome != auth.LoginOutcome.OK or result.token is None or result.account is None:
            log.info("sign-in refused outcome=%s", result.outcome.value)
            return _back_to_login(request, result.outcome.value, email, next_target)
        return await signed_in(request, settings, result, next_target, browser)

    @app.post("/auth/logout", include_in_schema=False)
    async def logout_post(request: Request) -> Response:
        form = await request.form()
        if not csrf.form_is_genuine(request, settings.secret_key, form):
            return RedirectResponse("/", status_code=303)
        token = request.cookies.get(settings.session_cookie)

        def _logout() -> None:
            with session_scope() as session:
                auth.logout(session=session, token=token)

        await run_in_threadpool(_logout)
        response = RedirectResponse("/login?signed_out=1", status_code=303)
        clear_session_cookie(response, settings)
        return response

    @app.get("/.well-known/portal-signing-keys.json", include_in_schema=False)
    async def signing_keys() -> Response:
        """The public Ed25519 keys that sign receipts, export manifests and audit checkpoints (current first, then
        every retired one: what they signed still verifies). Public, and the same for everyone."""
        keys = await run_in_threadpool(signing.public_jwks)
        return JSONResponse(keys)

    @app.get(SCHEMA_PATH, include_in_schema=False)
    async def export_schema() -> Response:
        """The JSON Schema of an export's data.json and manifest.json, where every manifest's `schema` points: public,
        so anyone can check an export with it."""
        schema = await run_in_threadpool(_export_schema)
        if schema is None:
            return JSONResponse({"error": "not available"}, status_code=404)
        return Response(schema, media_type="application/schema+json")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        def _ping() -> None:
            with get_engine().connect() as connection:
                connection.execute(text("SELECT 1"))

        try:
            await run_in_threadpool(_ping)
        except Exception:  # the health check must answer, not crash, when the database is away
            log.exception("health check failed")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})


@lru_cache(maxsize=1)
def _export_schema() -> bytes | None:
    """docs/export-schema.json as it ships with this version of the portal (None if the docs were not installed)."""
    try:
        return EXPORT_SCHEMA_FILE.read_bytes()
    except OSError:
        return None


def read_flash(settings: Settings, request: Request) -> dict[str, str]:
    data = LOGIN_FLASH.read(request, settings)
    return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def register_support(app: FastAPI, settings: Settings) -> None:
    """Starting and stopping to act as a customer: POST only, CSRF-checked, and the session rotates."""

    @app.post("/auth/impersonate/start", include_in_schema=False)
    async def impersonate_start(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not csrf.form_is_genuine(request, settings.secret_key, form):
            return RedirectResponse("/staff/customers?error=expired", status_code=303)
        try:
            customer_id = int(form.get("customer_id", ""))
        except ValueError:
            return RedirectResponse("/staff/customers?error=customer", status_code=303)
        token = request.cookies.get(settings.session_cookie)
        try:
            new_token = await run_in_threadpool(
                support_acting.start_acting,
                settings=settings,
                agent_token=token,
                customer_id=customer_id,
                reason=form.get("reason", ""),
            )
        except access.SupportError as problem:
            response = RedirectResponse("/staff/customers?error=refused", status_code=303)
            SUPPORT_ERROR_FLASH.write(response, settings, str(problem))
            return response
        except step_up.StepUpRequired:  # the page asks first; a stale form posted anyway is sent back to ask
            return RedirectResponse("/staff/customers?error=step_up", status_code=303)
        response = RedirectResponse("/", status_code=303)
        set_session_cookie(response, settings, new_token)
        return response

    @app.post("/auth/impersonate/stop", include_in_schema=False)
    async def impersonate_stop(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not csrf.form_is_genuine(request, settings.secret_key, form):
            return RedirectResponse("/", status_code=303)
        token = request.cookies.get(settings.session_cookie)
        new_token = await run_in_threadpool(support_acting.stop_acting, settings=settings, token=token)
        if new_token is None:
            response = RedirectResponse("/login?expired=1", status_code=303)
            clear_session_cookie(response, settings)
            return response
        response = RedirectResponse("/staff/customers?ended=stopped", status_code=303)
        set_session_cookie(response, settings, new_token)
        return response


def read_support_error(settings: Settings, request: Request) -> str | None:
    message = SUPPORT_ERROR_FLASH.read(request, settings)
    return None if message is None else str(message)
