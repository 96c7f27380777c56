"""/login: a plain HTML form posted to the /login route, so the session cookie rotates in a real request; and signing
in with a passkey alone (the browser proves it, then posts it in a plain form too)."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..catalogue import get_catalogue
from ..config import get_settings
from ..seed.people import DEMO_TOTP_SECRET
from ..services.identity import passkey_assertions
from ..web import paths
from ..web.routes import read_flash
from . import theme
from .components.passkey_ceremony import load_script, on_sign_in
from .components.post_form import hidden, post_form
from .components.testid import tid

MESSAGES = {
    "invalid": "Email or password is incorrect.",
    "throttled": "Too many failed sign-in attempts. Please wait a few minutes and try again.",
    "expired": "The sign-in form had expired. Please try again.",
    "missing": "Please enter your email and password.",
    "code": "That code is not right, or it was already used. Type the code your app shows now.",
    "missing_code": "Type the code from your authenticator app, or one of your recovery codes.",
    "passkey": "That passkey was not accepted. Try again, or sign in with your password.",
}
DEMO_ACCOUNTS = [
    "ada@example.com",
    "grace@example.com",
    "linus@example.com",
    "margaret@example.com",
    "agent@example.com",
    "dpo@example.com",
]


def create() -> None:
    @ui.page("/login")
    def login_page(
        request: Request,
        next: str | None = None,
        signed_out: str | None = None,
        expired: str | None = None,
        closed: str | None = None,
    ) -> None:
        settings = get_settings()
        flash = read_flash(settings, request)
        theme.apply_colors()
        ui.page_title("Sign in · Privacy Portal")
        with ui.column().classes("w-full items-center mt-16 gap-4").props('role="main"'):
            ui.label("Privacy Portal").classes("text-3xl font-semibold").props('role="heading" aria-level="1"')
            ui.label(f"See and control the personal data {get_catalogue().controller_name} holds about you.").classes(
                theme.MUTED
            )
            with ui.card().classes("w-96 p-6 gap-3"):
                _notice(flash, signed_out, expired, closed)
                _form(request, flash.get("email", ""), paths.safe_next(next))
                _passkey(request, paths.safe_next(next))
            if settings.demo:
                _demo_hint()


def _notice(flash: dict[str, str], signed_out: str | None, expired: str | None, closed: str | None) -> None:
    if flash.get("error") in MESSAGES:
        tid(ui.label(MESSAGES[flash["error"]]), "login-error").classes("text-negative text-sm font-medium").props(
            'role="alert"'
        )
    elif closed:  # a page left open after the account was erased: nothing of it is left to act on
        tid(ui.label("This account no longer exists: its personal data was deleted."), "login-info").classes(
            "text-sm"
        ).props('role="status"')
    elif expired:
        tid(ui.label("Your session has ended. Please sign in again."), "login-info").classes("text-sm")
    elif signed_out:
        tid(ui.label("You have signed out."), "login-info").classes("text-sm").props('role="status"')


def _form(request: Request, email: str, next_target: str | None) -> None:
    with post_form("/auth/login", request).classes("w-full flex flex-col gap-3"):
        if next_target:
            hidden("next", next_target)
        tid(ui.input("Email", value=email), "login-email").props(
            "name=email type=email autocomplete=username outlined dense autofocus"
        ).classes("w-full")
        tid(ui.input("Password", password=True, password_toggle_button=True), "login-password").props(
            "name=password autocomplete=current-password outlined dense"
        ).classes("w-full")
        tid(ui.button("Sign in"), "login-submit").props("type=submit unelevated no-caps").classes("w-full")
    tid(ui.link("Forgot your password?", "/forgot-password"), "login-forgot").classes("text-sm")


def _passkey(request: Request, next_target: str | None) -> None:
    """Usernameless: the browser offers the passkeys it holds for this portal; the challenge rides in the form,
    signed and single-use."""
    load_script()
    ceremony = passkey_assertions.assertion_options()
    ui.separator()
    with post_form("/auth/passkey", request) as form:
        hidden("challenge", passkey_assertions.challenge_token(ceremony))
        hidden("credential", "")
        hidden("alone", "1")
        if next_target:
            hidden("next", next_target)
    problem = tid(ui.label(""), "login-passkey-error").classes("text-negative text-sm").props('role="alert"')

    async def _show(answer: dict[str, object]) -> None:
        problem.text = str(answer.get("error", ""))

    button = tid(ui.button("Sign in with a passkey", icon="key"), "login-passkey").props("outline no-caps")
    on_sign_in(button.classes("w-full"), options_json=ceremony.options_json, form=form, on_error=_show)


def _demo_hint() -> None:
    with ui.expansion("Demo accounts", icon="info").classes("w-96").props("dense"):
        ui.label("Password for each: demo-password").classes(theme.MUTED)
        for email in DEMO_ACCOUNTS:
            ui.label(email).classes("text-sm font-mono")
        ui.label(
            f"dpo@example.com also needs a one-time code: its authenticator secret is {DEMO_TOTP_SECRET} (docs/qa.md)."
        ).classes(theme.MUTED)
