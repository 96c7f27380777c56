"""/login: a plain HTML form posted to the /login route, so the session cookie rotates in a real request; and signing
in with a passkey alone (the browser proves it, then posts it in a plain form too). A browser sent here because its
session ended hears why (`?expired=1&reason=…`, a fixed word: services/identity/session_end)."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..catalogue import get_catalogue
from ..config import get_settings
from ..i18n import N_, _
from ..seed.people import DEMO_TOTP_SECRET
from ..services.identity import passkey_assertions
from ..web import paths
from ..web.routes import read_flash
from . import theme
from .components.expansion import expansion
from .components.passkey_ceremony import load_script, on_sign_in
from .components.post_form import hidden, post_form
from .components.public_layout import public_page
from .components.testid import data, tid

# Marked for translation, translated where shown (`_(MESSAGES[key])`): here it would freeze one language.
MESSAGES = {
    "invalid": N_("Email or password is incorrect."),
    "throttled": N_("Too many failed sign-in attempts. Please wait a few minutes and try again."),
    "expired": N_("The sign-in form had expired. Please try again."),
    "missing": N_("Please enter your email and password."),
    "code": N_("That code is not right, or it was already used. Type the code your app shows now."),
    "missing_code": N_("Type the code from your authenticator app, or one of your recovery codes."),
    "passkey": N_("That passkey was not accepted. Try again, or sign in with your password."),
}
# Why the session ended (services/identity/session_end.REASONS), said where the person signs in again.
_ENDED = {
    "password_changed": N_(
        "You were signed out because the password of this account was changed. Sign in with the new password."
    ),
    "password_reset": N_(
        "You were signed out because the password of this account was reset with an emailed link. "
        "Sign in with the new password."
    ),
    "signed_out_everywhere": N_("You were signed out because someone chose “Sign out everywhere” for this account."),
    "signed_out_elsewhere": N_(
        "This browser was signed out from another session of this account (on its account page)."
    ),
    "signed_out": N_("You have signed out."),
    "email_change_stopped": N_(
        "You were signed out because a change of this account's sign-in address was stopped from the emailed link."
    ),
}
_ENDED_PLAIN = N_("Your session has ended. Please sign in again.")  # no reason, or one this page does not know
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
        reason: str | None = None,
    ) -> None:
        settings = get_settings()
        flash = read_flash(settings, request)
        subtitle = _("See and control the personal data {controller} holds about you.").format(
            controller=get_catalogue().controller_name
        )
        with public_page(_("Sign in"), subtitle=subtitle):
            _notice(flash, signed_out, expired, closed, reason)
            _form(request, flash.get("email", ""), paths.safe_next(next))
            _passkey(request, paths.safe_next(next))
        if settings.demo:
            with ui.column().classes("w-full items-center px-4 -mt-4"):
                _demo_hint()


def _notice(
    flash: dict[str, str], signed_out: str | None, expired: str | None, closed: str | None, reason: str | None
) -> None:
    if flash.get("error") in MESSAGES:
        tid(ui.label(_(MESSAGES[flash["error"]])), "login-error").classes("text-negative text-sm font-medium").props(
            'role="alert"'
        )
        return
    if closed:  # a page left open after the account was erased: nothing of it is left to act on
        text = _("This account no longer exists: its personal data was deleted.")
    elif expired:
        text = _timed_out() if reason == "timed_out" else _(_ENDED.get(reason or "", _ENDED_PLAIN))
    elif signed_out:
        text = _("You have signed out.")
    else:
        return
    tid(ui.label(text), "login-info").classes(
        "text-sm p-2 rounded border-l-4 border-blue-700 bg-blue-50 dark:bg-slate-800 dark:border-blue-300"
    ).props('role="status"')


def _timed_out() -> str:
    settings = get_settings()
    return _(
        "Your session timed out: {minutes} minutes without activity, or {hours} hours since you signed in. "
        "Please sign in again."
    ).format(minutes=settings.session_idle_minutes, hours=settings.session_absolute_hours)


def _form(request: Request, email: str, next_target: str | None) -> None:
    with post_form("/auth/login", request).classes("w-full flex flex-col gap-3"):
        if next_target:
            hidden("next", next_target)
        tid(ui.input(_("Email"), value=email), "login-email").props(
            "name=email type=email autocomplete=username outlined dense autofocus"
        ).classes("w-full")
        tid(ui.input(_("Password"), password=True, password_toggle_button=True), "login-password").props(
            "name=password autocomplete=current-password outlined dense"
        ).classes("w-full")
        tid(ui.button(_("Sign in")), "login-submit").props("type=submit unelevated no-caps").classes("w-full")
    tid(ui.link(_("Forgot your password?"), "/forgot-password"), "login-forgot").classes("text-sm")


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

    button = tid(ui.button(_("Sign in with a passkey"), icon="key"), "login-passkey").props("outline no-caps")
    on_sign_in(button.classes("w-full"), options_json=ceremony.options_json, form=form, on_error=_show)


def _demo_hint() -> None:
    with expansion(_("Demo accounts"), icon="info").classes("w-full max-w-md").props("dense"):
        ui.label(_("Password for each: demo-password")).classes(theme.MUTED)
        for email in DEMO_ACCOUNTS:
            data(ui.label(email)).classes("text-sm font-mono")
        ui.label(
            _("dpo@example.com also needs a one-time code: its authenticator secret is {secret} (docs/qa.md).").format(
                secret=DEMO_TOTP_SECRET
            )
        ).classes(theme.MUTED)
