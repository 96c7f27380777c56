"""The step-up dialog: when a sensitive act answers StepUpRequired, the page asks for a fresh check in a dialog over
itself (so nothing the person typed on the page is lost) and, once it passes, does the act again.

`with_step_up(principal, client, act)` wraps one act; `ensure_recent(principal, client)` asks before something that
cannot be retried from the server (a native form post, showing a new secret). The dialog offers what the account's
sign-in needs (`step_up_check.methods`): a passkey, and/or the password with a one-time or recovery code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nicegui import ui

from ...errors import PortalError
from ...i18n import _
from ...services.identity import step_up, step_up_check
from ...services.identity.principal import Principal
from .. import theme
from ..background import io_bound
from .passkey_ceremony import on_ceremony
from .testid import tid
from .tones import QUIET

T = TypeVar("T")


async def with_step_up(principal: Principal, client: str, act: Callable[[], Awaitable[T]]) -> T | None:
    """Run `act`; if it needs a fresh check, ask for one and run it again. None when the person cancelled."""
    try:
        return await act()
    except step_up.StepUpRequired:
        if not await confirm_it_is_you(principal, client):
            return None
        return await act()


async def ensure_recent(principal: Principal, client: str) -> bool:
    """True when a sensitive act would pass now, after asking for a check if it was needed."""
    if await io_bound(step_up.is_recent, principal):
        return True
    return await confirm_it_is_you(principal, client)


async def confirm_it_is_you(principal: Principal, client: str) -> bool:
    offered = await io_bound(step_up_check.methods, principal)
    if offered is None:
        return False
    ceremony = await io_bound(step_up_check.passkey_options, principal) if offered.passkey else None
    with (
        ui.context.client,  # the page's own content: a part of the page refreshed meanwhile must not take the dialog
        ui.dialog() as dialog,
        tid(ui.card(), "step-up-dialog").classes("w-[30rem] max-w-full p-4 gap-3"),
    ):
        ui.label(_("Confirm it is you")).classes(theme.SUBHEADING).props('role="heading" aria-level="2"')
        ui.label(
            _(
                "This needs a check of the last few minutes, so that nobody else can do it from a browser you left "
                "signed in. What you typed on the page stays as it is."
            )
        ).classes("text-sm")
        error = tid(ui.label(""), "step-up-error").classes("text-negative text-sm").props('role="alert"')

        async def _passkey(answer: dict[str, Any]) -> None:
            if "error" in answer or ceremony is None:
                error.text = str(answer.get("error", _("The passkey was not accepted.")))
                return
            await _settle(
                error, dialog, step_up_check.with_passkey, principal, challenge=ceremony.challenge, credential=answer
            )

        if ceremony is not None:
            button = tid(ui.button(_("Use your passkey"), icon="key"), "step-up-passkey").props("unelevated no-caps")
            on_ceremony(button, call="prove", options_json=ceremony.options_json, on_answer=_passkey)
        if offered.password:
            if ceremony is not None:
                ui.label(_("or with your password and a code") if offered.code else _("or with your password")).classes(
                    theme.MUTED
                )
            password = (
                tid(ui.input(_("Password"), password=True, password_toggle_button=True), "step-up-password")
                .props("outlined dense autocomplete=current-password")
                .classes("w-full")
            )
            code = (
                tid(ui.input(_("Code from your authenticator app, or a recovery code")), "step-up-code")
                .props("outlined dense autocomplete=one-time-code")
                .classes("w-full")
                if offered.code
                else None
            )

            async def _submit() -> None:
                await _settle(
                    error,
                    dialog,
                    step_up_check.with_password,
                    principal,
                    password=password.value or "",
                    code=(code.value or "") if code is not None else "",
                    client=client,
                )

            password.on("keydown.enter", _submit)
        with ui.row().classes("w-full justify-end gap-2"):
            tid(ui.button(_("Cancel"), on_click=lambda: dialog.submit(False), color=None), "step-up-cancel").props(
                "flat no-caps"
            ).classes(QUIET)
            if offered.password:
                tid(ui.button(_("Confirm"), on_click=_submit), "step-up-submit").props("unelevated no-caps")
    dialog.open()
    confirmed = await dialog
    dialog.delete()
    if not confirmed:
        ui.notify(_("Nothing was done: it needs a fresh check first."), type="warning")
    return bool(confirmed)


async def _settle(error: ui.label, dialog: ui.dialog, check: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    error.text = ""
    try:
        await io_bound(check, *args, **kwargs)
    except PortalError as problem:
        error.text = str(problem)
        return
    dialog.submit(True)
