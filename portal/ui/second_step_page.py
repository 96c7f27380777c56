"""/login/verify: the second step of a sign-in, after a right password on an account with a second factor.

A code from the authenticator app (or a recovery code) in a plain form posted to /auth/login/code, or a passkey of
the account, posted to /auth/passkey: real POSTs, so the session cookie is set by a real response. Which account is
waiting comes from the signed five-minute cookie the password step set, never from the page."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..config import get_settings
from ..i18n import _
from ..services.identity import second_step
from ..web.routes import read_flash
from ..web.sign_in_routes import SECOND_STEP_COOKIE
from . import theme
from .components.passkey_ceremony import load_script, on_sign_in
from .components.post_form import hidden, post_form
from .components.testid import tid
from .login_page import MESSAGES


def create() -> None:
    @ui.page("/login/verify")
    def verify_page(request: Request) -> None:
        flash = read_flash(get_settings(), request)
        pending = second_step.read_pending(request.cookies.get(SECOND_STEP_COOKIE))
        theme.apply_colors()
        ui.page_title(_("{title} · Privacy Portal").format(title=_("Second step")))
        with ui.column().classes("w-full items-center mt-16 gap-4").props('role="main"'):
            ui.label(_("Confirm it is you")).classes("text-3xl font-semibold").props('role="heading" aria-level="1"')
            with ui.card().classes("w-96 p-6 gap-3"):
                if pending is None:
                    tid(ui.label(_("Your sign-in had expired. Please start again.")), "login-error").classes(
                        "text-negative text-sm font-medium"
                    ).props('role="alert"')
                    tid(ui.link(_("Back to sign-in"), "/login"), "login-restart")
                    return
                if flash.get("error") in MESSAGES:
                    tid(ui.label(_(MESSAGES[flash["error"]])), "login-error").classes(
                        "text-negative text-sm font-medium"
                    ).props('role="alert"')
                _choices(request, pending)


def _choices(request: Request, pending: second_step.Pending) -> None:
    offered = second_step.choices(pending)
    if offered.code:
        ui.label(_("Type the six-digit code your authenticator app shows for the Privacy Portal.")).classes("text-sm")
        with post_form("/auth/login/code", request).classes("w-full flex flex-col gap-3"):
            tid(ui.input(_("One-time code")), "login-code").props(
                "name=code autocomplete=one-time-code inputmode=numeric outlined dense autofocus"
            ).classes("w-full")
            tid(ui.button(_("Verify")), "login-code-submit").props("type=submit unelevated no-caps").classes("w-full")
    if offered.ceremony is not None:
        load_script()
        if offered.code:
            ui.label(_("or")).classes(theme.MUTED + " self-center")
        with post_form("/auth/passkey", request) as form:
            hidden("challenge", offered.challenge_token)
            hidden("credential", "")
        problem = tid(ui.label(""), "login-passkey-error").classes("text-negative text-sm").props('role="alert"')

        async def _show(answer: dict[str, object]) -> None:
            problem.text = str(answer.get("error", ""))

        button = tid(ui.button(_("Use your passkey"), icon="key"), "login-second-passkey").props(
            "unelevated no-caps" if not offered.code else "outline no-caps"
        )
        on_sign_in(button.classes("w-full"), options_json=offered.ceremony.options_json, form=form, on_error=_show)
    with tid(ui.column(), "login-lost-factor").classes("gap-1 text-sm"):
        ui.label(_("Lost your phone or security key?")).classes("font-medium")
        if offered.code:
            ui.label(_("Type one of your recovery codes in the code field instead (each works once)."))
        with ui.row().classes("gap-1 items-center"):
            ui.label(_("No recovery code either?"))
            ui.link(_("Reset your password by email"), "/forgot-password")
        ui.label(
            _(
                "and ask there to remove the lost factor: for your safety that takes effect 24 hours later, and we "
                "tell you by email at once."
            )
        ).classes(theme.MUTED)
    tid(ui.link(_("Start again"), "/login"), "login-restart").classes("text-sm")
