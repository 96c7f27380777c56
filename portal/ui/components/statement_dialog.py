"""Contesting a record the customer cannot correct themselves: a short statement staff will see (Art. 16)."""

from __future__ import annotations

import uuid
from typing import Any

from nicegui import ui

from ...catalogue import RecordKind
from ...errors import PortalError
from ...services.identity.principal import Principal
from ...services.rights import rectification
from ..background import io_bound
from ..formatting import format_value
from .dialog_focus import SEND_HINT, on_send
from .testid import tid


def open_statement_dialog(principal: Principal, kind: RecordKind, rows: list[dict[str, Any]]) -> None:
    key = f"statement-{uuid.uuid4()}"
    first = kind.fields[0]
    options = {row["_id"]: f"{format_value(first.display, row.get(first.key), row)}" for row in rows}
    with tid(ui.dialog(), "statement-dialog") as dialog, ui.card().classes("w-[32rem] max-w-full gap-2"):
        ui.label(f"Contest a record: {kind.title}").classes("text-lg font-semibold")
        ui.label("Tell us what is wrong. Your statement is kept with the record and our staff see it.").classes(
            "text-sm"
        )
        record = tid(ui.select(options, label="Record (from this page)"), "statement-record").props(
            "outlined dense autofocus"  # the dialog opens with the focus here
        )
        field = tid(ui.select({f.key: f.label for f in kind.fields}, label="Field"), "statement-field").props(
            "outlined dense"
        )
        rules = {
            "At least 5 characters": lambda v: len(v or "") >= 5,
            "At most 1000 characters": lambda v: len(v or "") <= 1000,
        }
        text = tid(ui.textarea("Your statement", validation=rules), "statement-text").props("outlined")
        ui.label(SEND_HINT).classes("text-xs")

        async def _submit() -> None:
            if record.value is None or field.value is None:
                ui.notify("Choose the record and the field.", type="warning")
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
            ui.notify("Your statement was filed. You can follow it under Requests.", type="positive")

        on_send(text, _submit)
        with ui.row().classes("w-full justify-end"):
            tid(ui.button("Cancel", on_click=dialog.close), "statement-cancel").props("flat no-caps")
            tid(ui.button("File statement", on_click=_submit), "statement-submit").props("no-caps unelevated")
    dialog.open()
