"""The account page's passkeys: each one with its name, when it was added and last used; adding, renaming and
removing them. Adding and removing need a fresh check (the step-up dialog), which the page asks for first."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from ...errors import PortalError
from ...i18n import _
from ...services.identity import browsers, passkeys
from ...services.identity.principal import Principal
from .. import theme
from ..background import io_bound
from ..formatting import format_datetime
from .dense_table import DenseTable
from .passkey_ceremony import on_ceremony
from .step_up_dialog import ensure_recent, with_step_up
from .testid import tid
from .tones import DANGER, QUIET


class PasskeysCard:
    def __init__(self, principal: Principal, client: str, user_agent: str, on_change: Any = None) -> None:
        self.principal, self.client = principal, client
        self.suggested = browsers.describe(user_agent) or _("This device")
        self.items: list[passkeys.PasskeyInfo] | None = None
        self.on_change = on_change

    async def load(self) -> None:
        self.items = await io_bound(passkeys.list_passkeys, self.principal) or []
        self.render.refresh()

    @ui.refreshable_method
    def render(self) -> None:
        with tid(ui.card(), "passkeys-card").classes(theme.CARD):
            ui.label(_("Passkeys")).classes(theme.SUBHEADING).props('role="heading" aria-level="2"')
            ui.label(
                _(
                    "A passkey signs you in with your fingerprint, face or device PIN instead of a password, and "
                    "cannot be phished. Add one on each device you use; remove one you no longer have."
                )
            ).classes(theme.MUTED)
            if self.items is None:
                ui.skeleton().classes("w-full h-12")
                return
            if not self.items:
                tid(ui.label(_("You have no passkey yet.")), "passkeys-empty").classes("text-sm")
            else:
                table = DenseTable(
                    [_("Name"), _("Added"), _("Last used"), ""], testid="passkeys-table", caption=_("Your passkeys")
                )
                for item in self.items:
                    self._row(table, item)
            tid(ui.button(_("Add a passkey"), icon="add", on_click=self.add), "passkey-add").props(
                "outline no-caps"
            ).classes("self-start")

    def _row(self, table: DenseTable, item: passkeys.PasskeyInfo) -> None:
        with table.row(f"passkey-row-{item.id}"):
            with table.cell():
                tid(ui.label(item.name), f"passkey-name-{item.id}").classes("font-medium")
                if item.synced:
                    ui.label(_("synced between your devices")).classes("text-xs")
            with table.cell():
                ui.label(format_datetime(item.created_at))
            with table.cell():
                tid(
                    ui.label(format_datetime(item.last_used_at) if item.last_used_at else _("never")),
                    f"passkey-used-{item.id}",
                )
            with table.cell("", "whitespace-nowrap"):
                rename_label = _("Rename {name}").format(name=item.name)
                remove_label = _("Remove {name}").format(name=item.name)
                tid(
                    ui.button(_("Rename"), on_click=lambda i=item: self.rename(i), color=None),
                    f"passkey-rename-{item.id}",
                ).props(f'flat dense no-caps aria-label="{rename_label}"').classes(QUIET)
                tid(
                    ui.button(_("Remove"), on_click=lambda i=item: self.remove(i), color=None),
                    f"passkey-remove-{item.id}",
                ).props(f'flat dense no-caps aria-label="{remove_label}"').classes(DANGER)

    async def add(self) -> None:
        if not await ensure_recent(self.principal, self.client):
            return
        ceremony = await io_bound(passkeys.registration_options, self.principal)
        if ceremony is None:
            return
        with (
            ui.context.client,
            ui.dialog() as dialog,
            tid(ui.card(), "passkey-add-dialog").classes("w-[28rem] max-w-full p-4 gap-3"),
        ):
            ui.label(_("Add a passkey")).classes(theme.SUBHEADING).props('role="heading" aria-level="2"')
            name = tid(ui.input(_("Name (so you recognise it)"), value=self.suggested), "passkey-add-name").props(
                "outlined dense maxlength=64"
            )
            ui.label(_("Your browser or phone asks how to create it and to unlock it.")).classes(theme.MUTED)
            error = tid(ui.label(""), "passkey-add-error").classes("text-negative text-sm").props('role="alert"')

            async def _created(answer: dict[str, Any]) -> None:
                if "error" in answer:
                    error.text = str(answer["error"])
                    return
                try:
                    await io_bound(
                        passkeys.register,
                        self.principal,
                        challenge=ceremony.challenge,
                        credential=answer,
                        name=name.value or self.suggested,
                    )
                except PortalError as problem:
                    error.text = str(problem)
                    return
                dialog.submit(True)

            with ui.row().classes("w-full justify-end gap-2"):
                tid(
                    ui.button(_("Cancel"), on_click=lambda: dialog.submit(False), color=None), "passkey-add-cancel"
                ).props("flat no-caps").classes(QUIET)
                create = tid(ui.button(_("Create the passkey"), icon="key"), "passkey-add-create")
                on_ceremony(
                    create.props("unelevated no-caps"),
                    call="register",
                    options_json=ceremony.options_json,
                    on_answer=_created,
                )
        dialog.open()
        added = await dialog
        dialog.delete()
        if added:
            ui.notify(_("Passkey added. We emailed you about it."), type="positive")
            await self._changed()

    async def rename(self, item: passkeys.PasskeyInfo) -> None:
        with (
            ui.context.client,
            ui.dialog() as dialog,
            tid(ui.card(), "passkey-rename-dialog").classes("w-96 max-w-full p-4 gap-3"),
        ):
            name = tid(ui.input(_("New name"), value=item.name), "passkey-rename-name").props(
                "outlined dense maxlength=64"
            )
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button(_("Cancel"), on_click=lambda: dialog.submit(None), color=None).props("flat no-caps").classes(
                    QUIET
                )
                tid(ui.button(_("Save"), on_click=lambda: dialog.submit(name.value)), "passkey-rename-save").props(
                    "unelevated no-caps"
                )
        dialog.open()
        new_name = await dialog
        dialog.delete()
        if new_name is None:
            return
        try:
            await io_bound(passkeys.rename, self.principal, item.id, str(new_name))
        except PortalError as problem:
            ui.notify(str(problem), type="negative")
            return
        await self._changed()

    async def remove(self, item: passkeys.PasskeyInfo) -> None:
        async def _remove() -> bool:
            await io_bound(passkeys.remove, self.principal, item.id)
            return True

        try:
            done = await with_step_up(self.principal, self.client, _remove)
        except PortalError as problem:
            ui.notify(str(problem), type="negative")
            return
        if done:
            ui.notify(_("Passkey “{name}” removed. We emailed you about it.").format(name=item.name), type="positive")
            await self._changed()

    async def _changed(self) -> None:
        await self.load()
        if self.on_change is not None:
            await self.on_change()
