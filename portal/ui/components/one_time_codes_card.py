"""The account page's one-time codes: setting them up (a QR code and the secret as text, then a code from the app to
prove it took), the ten recovery codes shown once, new recovery codes, and turning them off. Everything that adds or
removes a factor asks for a fresh check first; a pending lost-factor reset is shown here with a way to cancel it."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from ...errors import PortalError
from ...i18n import _, pgettext
from ...services.identity import factors, totp
from ...services.identity.principal import Principal
from .. import theme
from ..background import io_bound
from ..formatting import format_datetime
from .step_up_dialog import ensure_recent, with_step_up
from .testid import tid
from .tones import DANGER, QUIET


class OneTimeCodesCard:
    def __init__(self, principal: Principal, client: str, on_change: Any = None) -> None:
        self.principal, self.client = principal, client
        self.state: factors.Factors | None = None
        self.on_change = on_change

    async def load(self) -> None:
        self.state = await io_bound(factors.current, self.principal)
        self.render.refresh()

    @ui.refreshable_method
    def render(self) -> None:
        with tid(ui.card(), "totp-card").classes(theme.CARD):
            ui.label(_("One-time codes")).classes(theme.SUBHEADING).props('role="heading" aria-level="2"')
            ui.label(
                _(
                    "An authenticator app on your phone shows a new six-digit code every 30 seconds; signing in with "
                    "your password then needs the code too."
                )
            ).classes(theme.MUTED)
            state = self.state
            if state is None:
                ui.skeleton().classes("w-full h-10")
                return
            if state.reset_due_at is not None:
                self._pending_reset(state)
            if not state.totp:
                tid(ui.label(pgettext("one-time codes", "Off")), "totp-status").classes("text-sm font-medium")
                tid(ui.button(_("Set up one-time codes"), icon="pin", on_click=self.set_up), "totp-setup").props(
                    "outline no-caps"
                ).classes("self-start")
                return
            tid(ui.label(pgettext("one-time codes", "On")), "totp-status").classes("text-sm font-medium text-positive")
            tid(
                ui.label(_("{count} of 10 recovery codes left").format(count=state.recovery_codes_left)),
                "recovery-codes-left",
            ).classes("text-sm")
            with ui.row().classes("gap-2"):
                tid(
                    ui.button(_("New recovery codes"), on_click=self.new_codes, color=None), "recovery-codes-new"
                ).props("outline no-caps").classes(QUIET)
                tid(ui.button(_("Turn off"), on_click=self.turn_off, color=None), "totp-off").props(
                    "outline no-caps"
                ).classes(DANGER)

    def _pending_reset(self, state: factors.Factors) -> None:
        assert state.reset_due_at is not None
        with tid(ui.column(), "security-reset-pending").classes("gap-1 p-2 border border-amber-500 rounded"):
            when = format_datetime(state.reset_due_at)
            ui.label(
                _(
                    "Every passkey and one-time code on your account will be removed on {when}, because someone "
                    "asked for it with the emailed password link. If that was not you, cancel it now and change your "
                    "password."
                ).format(when=when)
            ).classes("text-sm")
            tid(ui.button(_("Cancel the removal"), on_click=self.cancel_reset), "security-reset-cancel").props(
                "unelevated no-caps dense"
            ).classes("self-start")

    async def set_up(self) -> None:
        if not await ensure_recent(self.principal, self.client):  # a stale session must not see a new secret
            return
        enrolment = await io_bound(totp.start_enrolment, self.principal)
        if enrolment is None:
            return
        with (
            ui.context.client,
            ui.dialog() as dialog,
            tid(ui.card(), "totp-dialog").classes("w-[30rem] max-w-full p-4 gap-3"),
        ):
            ui.label(_("Set up one-time codes")).classes(theme.SUBHEADING).props('role="heading" aria-level="2"')
            ui.label(_("1. Scan this code with your authenticator app (or type the key below into it).")).classes(
                "text-sm"
            )
            qr_text = _("QR code of your one-time code key")
            tid(ui.image(enrolment.qr_svg_data_uri), "totp-qr").props(f'alt="{qr_text}"').classes(
                "w-48 h-48 self-center bg-white"
            )
            tid(ui.label(" ".join(enrolment.secret[i : i + 4] for i in range(0, 32, 4))), "totp-secret").classes(
                "font-mono text-sm self-center select-all"
            )
            ui.label(_("2. Type the six-digit code the app shows now.")).classes("text-sm")
            code = tid(ui.input(_("Code from the app")), "totp-code").props(
                "outlined dense autocomplete=one-time-code inputmode=numeric maxlength=8"
            )
            error = tid(ui.label(""), "totp-error").classes("text-negative text-sm").props('role="alert"')
            codes: list[str] = []

            async def _confirm() -> None:
                error.text = ""
                try:
                    found = await with_step_up(
                        self.principal,
                        self.client,
                        lambda: io_bound(
                            totp.finish_enrolment, self.principal, secret=enrolment.secret, code=code.value or ""
                        ),
                    )
                except PortalError as problem:
                    error.text = str(problem)
                    return
                if found:
                    codes.extend(found)
                    dialog.submit(True)

            code.on("keydown.enter", _confirm)
            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button(_("Cancel"), on_click=lambda: dialog.submit(False), color=None), "totp-cancel").props(
                    "flat no-caps"
                ).classes(QUIET)
                tid(ui.button(_("Turn on"), on_click=_confirm), "totp-confirm").props("unelevated no-caps")
        dialog.open()
        done = await dialog
        dialog.delete()
        if done:  # the codes first: the card is redrawn after, and a dialog needs a page part that still exists
            await show_recovery_codes(codes)
            await self._changed()

    async def new_codes(self) -> None:
        try:
            codes = await with_step_up(
                self.principal, self.client, lambda: io_bound(totp.new_recovery_codes, self.principal)
            )
        except PortalError as problem:
            ui.notify(str(problem), type="negative")
            return
        if codes:
            await show_recovery_codes(codes)
            await self._changed()

    async def turn_off(self) -> None:
        async def _off() -> bool:
            await io_bound(totp.turn_off, self.principal)
            return True

        try:
            done = await with_step_up(self.principal, self.client, _off)
        except PortalError as problem:
            ui.notify(str(problem), type="negative")
            return
        if done:
            ui.notify(_("One-time codes are off. We emailed you about it."), type="positive")
            await self._changed()

    async def cancel_reset(self) -> None:
        try:
            await io_bound(factors.cancel_reset, self.principal)
        except PortalError as problem:
            ui.notify(str(problem), type="negative")
        else:
            ui.notify(_("The removal is cancelled: your second factors stay."), type="positive")
        await self._changed()

    async def _changed(self) -> None:
        await self.load()
        if self.on_change is not None:
            await self.on_change()


async def show_recovery_codes(codes: list[str]) -> None:
    """The ten recovery codes, the only time they are shown."""
    with (
        ui.context.client,  # the page's own content: a refreshed card must not take an open dialog with it
        ui.dialog().props("persistent") as dialog,
        tid(ui.card(), "recovery-codes-dialog").classes("w-[28rem] max-w-full p-4 gap-3"),
    ):
        ui.label(_("Your recovery codes")).classes(theme.SUBHEADING).props('role="heading" aria-level="2"')
        ui.label(
            _(
                "If you lose your phone, each of these codes signs you in once instead of a one-time code. Print them "
                "or keep them in your password manager: they are shown only now."
            )
        ).classes("text-sm")
        with tid(ui.element("ul"), "recovery-codes").classes("grid grid-cols-2 gap-1 font-mono text-base"):
            for value in codes:
                with ui.element("li"):
                    tid(ui.label(value), "recovery-code")
        tid(ui.button(_("I have saved them"), on_click=lambda: dialog.submit(True)), "recovery-codes-done").props(
            "unelevated no-caps"
        ).classes("self-end")
    dialog.open()
    await dialog
    dialog.delete()
