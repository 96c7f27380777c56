"""/forgot-password and /reset-password: a forgotten password, reset through a link sent by email."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..errors import PortalError
from ..i18n import _
from ..services.identity import password_reset, tokens
from ..services.identity.account_security import MIN_LENGTH
from . import theme
from .background import io_bound
from .components.public_layout import public_page
from .components.testid import tid


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def create() -> None:
    @ui.page("/forgot-password")
    def forgot_password_page(request: Request) -> None:
        client = _client(request)
        with public_page(_("Forgot your password?")):
            ui.label(_("Enter the email address of your account. We email it a link to set a new password.")).classes(
                theme.MUTED
            )
            email = (
                tid(ui.input(_("Email")), "forgot-email")
                .props("type=email autocomplete=username outlined dense autofocus hide-bottom-space")
                .classes("w-full")
            )
            result = tid(ui.label(""), "forgot-result").props('role="status"').classes("text-sm")

            async def _send() -> None:
                if not button.enabled:  # Enter pressed while the first request is still on its way
                    return
                button.disable()
                email.error, result.text = None, ""
                try:
                    result.text = await io_bound(password_reset.request_reset, email.value or "", client=client) or ""
                except password_reset.ResetAddressInvalid as problem:
                    email.error = str(problem)  # under the field, where the typing is to be done
                finally:
                    button.enable()

            button = tid(ui.button(_("Send the link"), on_click=_send), "forgot-submit").props("unelevated no-caps")
            email.on("keydown.enter", _send)
            email.on_value_change(lambda: setattr(email, "error", None))
            ui.link(_("Back to sign-in"), "/login").classes("text-sm")

    @ui.page("/reset-password")
    async def reset_password_page(request: Request, token: str = "") -> None:
        client = _client(request)
        with public_page(_("Choose a new password")):
            try:
                has_factors = await io_bound(password_reset.link_account_has_factors, token)
            except tokens.TokenError as problem:  # says what is wrong with the link: altered, expired, used, replaced
                tid(ui.label(str(problem)), "reset-result").classes("text-negative font-medium").props('role="alert"')
                tid(ui.link(_("Ask for a new link"), "/forgot-password"), "reset-again")
                return
            _reset_form(token, client, has_factors=bool(has_factors))


def _reset_form(token: str, client: str, *, has_factors: bool) -> None:
    form = ui.column().classes("w-full gap-3")
    with form:
        ui.label(
            _(
                "At least {count} characters; a few unrelated words make a strong password. Every session on your "
                "account is signed out."
            ).format(count=MIN_LENGTH)
        ).classes(theme.MUTED)
        new = (
            tid(ui.input(_("New password"), password=True, password_toggle_button=True), "reset-new")
            .props("autocomplete=new-password outlined dense autofocus")
            .classes("w-full")
        )
        confirm = (
            tid(ui.input(_("New password again"), password=True, password_toggle_button=True), "reset-confirm")
            .props("autocomplete=new-password outlined dense")
            .classes("w-full")
        )
        lost = tid(
            ui.checkbox(_("I also lost my passkeys and my authenticator app: remove them")), "reset-lost-factor"
        ).set_visibility(has_factors)
        if has_factors:
            tid(
                ui.label(
                    _(
                        "For your safety the removal takes effect 24 hours from now, and we email you about it at "
                        "once; until then signing in still needs your second factor. Recovery codes, if you kept "
                        "them, work at once instead."
                    )
                ),
                "reset-lost-factor-wait",
            ).classes(theme.MUTED)
    result = tid(ui.label(""), "reset-result").props('role="status"').classes("text-sm")
    done = ui.column().classes("gap-1")

    async def _reset() -> None:
        if not button.enabled:
            return
        button.disable()
        try:
            await io_bound(
                password_reset.reset_password,
                token,
                new=new.value or "",
                confirm=confirm.value or "",
                client=client,
                lost_factors=bool(lost.value),
            )
        except PortalError as problem:
            result.text = str(problem)
            result.classes(replace="text-sm text-negative")
            button.enable()
            return
        form.set_visibility(False)  # the link is spent: nothing more to type here
        result.text = (
            _(
                "Your password was reset. Sign in with the new one. Your second factors will be removed in 24 hours; "
                "we emailed you about it."
            )
            if lost.value
            else _("Your password was reset. Sign in with the new one.")
        )
        result.classes(replace="text-sm text-positive")
        with done:
            tid(ui.link(_("Sign in"), "/login"), "reset-login")

    with form:
        button = tid(ui.button(_("Set the new password"), on_click=_reset), "reset-submit").props("unelevated no-caps")
    for field in (new, confirm):
        field.on("keydown.enter", _reset)
