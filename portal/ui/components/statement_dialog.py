"""Contesting a record the customer cannot correct themselves: a short statement staff will see (Art. 16)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ...catalogue import RecordKind
from ...errors import PortalError
from ...i18n import _, ngettext
from ...services.identity.principal import Principal
from ...services.rights import rectification
from ..background import io_bound
from ..formatting import format_value
from .dialog_focus import SEND_HINT, on_send
from .testid import tid


def open_statement_dialog(
    principal: Principal,
    kind: RecordKind,
    rows: list[dict[str, Any]],
    on_filed: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """`rows`: the records of the table's current page, one of which the customer contests; `on_filed` runs once the
    statement is filed (the table reloads, so the row shows its flag)."""
    key = f"statement-{uuid.uuid4()}"
    options = {row["_id"]: _describe(kind, row) for row in rows}
    # w-full on each field: a column's fields otherwise shrink to their content (a select showed only its arrow).
    with tid(ui.dialog(), "statement-dialog") as dialog, ui.card().classes("w-[36rem] max-w-full gap-3 items-stretch"):
        ui.label(_("Contest a record: {kind}").format(kind=kind.title)).classes("text-lg font-semibold")
        ui.label(_("Tell us what is wrong. Your statement is kept with the record and our staff see it.")).classes(
            "text-sm"
        )
        record = (
            tid(ui.select(options, label=_("Record (from this page)")), "statement-record")
            .props("outlined dense autofocus")  # the dialog opens with the focus here
            .classes("w-full")
        )
        field = (
            tid(ui.select({f.key: f.label for f in kind.fields}, label=_("Field")), "statement-field")
            .props("outlined dense")
            .classes("w-full")
        )
        at_least = ngettext("At least {count} character", "At least {count} characters", 5).format(count=5)
        at_most = ngettext("At most {count} character", "At most {count} characters", 1000).format(count=1000)
        rules = {
            at_least: lambda v: len(v or "") >= 5,
            at_most: lambda v: len(v or "") <= 1000,
        }
        # stack-label: the label sits above the text from the start, so it never lies over what is typed.
        text = (
            tid(ui.textarea(_("Your statement"), validation=rules), "statement-text")
            .props("outlined stack-label")
            .classes("w-full")
        )
        ui.label(_(SEND_HINT)).classes("text-xs")

        async def _submit() -> None:
            if record.value is None or field.value is None:
                ui.notify(_("Choose the record and the field."), type="warning")
                return
            if not text.validate():
                return
            try:
                await io_bound(
                    rectification.add_statement,
                    principal,
                    kind=kind.key,
                    record_id=int(record.value),
                    field=str(field.value),
                    statement=text.value,
                    idempotency_key=key,
                )
            except PortalError as problem:
                ui.notify(str(problem), type="negative")
                return
            dialog.close()
            ui.notify(_("Your statement was filed. You can follow it under Requests."), type="positive")
            if on_filed is not None:
                await on_filed()

        on_send(text, _submit)
        with ui.row().classes("w-full justify-end"):
            tid(ui.button(_("Cancel"), on_click=dialog.close), "statement-cancel").props("flat no-caps")
            tid(ui.button(_("File statement"), on_click=_submit), "statement-submit").props("no-caps unelevated")
    dialog.open()


def _describe(kind: RecordKind, row: dict[str, Any]) -> str:
    """A record as the select offers it: its first two fields ("SO-100006 · 2026-09-04 13:49"), enough to tell the
    rows of one page apart."""
    shown = [format_value(f.display, row.get(f.key), row, in_table=True) for f in kind.fields[:2]]
    return " · ".join(text for text in shown if text != "—") or _("Record {number}").format(number=row["_id"])
