"""The facts card of `/staff/requests/<id>`: what the request is, who filed it, its dates, attempts, what it asks
for and its payload exactly as stored."""

from __future__ import annotations

import json

from nicegui import ui

from ...services.views.staff_view import StaffRequestDetail
from .. import theme
from ..formatting import format_date, format_datetime
from .status_badges import due_badge, status_chip
from .testid import tid


def staff_request_facts(detail: StaffRequestDetail) -> None:
    d, row = detail, detail.row
    with tid(ui.card(), "staff-request-facts").classes(theme.CARD):
        with ui.row().classes("w-full items-center gap-3"):
            tid(ui.label(row.type_title), "staff-request-type").classes(theme.HEADING)
            status_chip(row.status)
            tid(ui.label(row.status_label), "staff-request-status-label").classes(theme.MUTED)
        with ui.grid(columns="auto 1fr auto 1fr").classes("w-full gap-x-6 gap-y-1 items-baseline"):
            subject = f"#{d.subject_id} {d.subject_name}" if d.subject_id else "(erased)"
            for label, value, testid in [
                ("Subject", subject, "staff-request-subject"),
                ("Filed by", d.actor, "staff-request-actor"),
                ("Channel", d.channel, "staff-request-channel"),
                ("Received", format_datetime(row.received_at), "staff-request-received"),
                ("Extended to", format_date(d.extended_due_at), "staff-request-extended"),
                ("Finished", format_datetime(d.completed_at), "staff-request-completed"),
                ("Attempts", f"{d.attempts} of {d.max_attempts}", "staff-request-attempts"),
                ("Assignee", d.assignee_name, "staff-request-assignee"),
            ]:
                ui.label(label).classes(theme.LABEL)
                tid(ui.label(value), testid).classes("text-sm break-words")
            ui.label("Due").classes(theme.LABEL)
            with ui.row().classes("items-center gap-2"):
                tid(ui.label(format_date(row.due_at)), "staff-request-due").classes("text-sm")
                due_badge(row.urgency, "staff-request-due-badge")
        for label, note, testid in [
            ("Extension reason", d.extension_reason, "staff-request-extension-reason"),
            ("Outcome", d.outcome, "staff-request-outcome"),
            ("Last error", d.last_error, "staff-request-last-error"),
        ]:
            if note:
                ui.label(label).classes(theme.LABEL)
                tid(ui.label(note), testid).classes("text-sm break-words whitespace-pre-wrap")
        if d.facts:
            ui.label("Asks for").classes(theme.LABEL)
            with tid(ui.grid(columns="auto 1fr"), "staff-request-asks").classes("gap-x-6 gap-y-1"):
                for fact in d.facts:
                    ui.label(fact.label).classes("text-sm text-gray-700 dark:text-gray-300")
                    tid(ui.label(fact.text), f"staff-fact-{fact.key}").classes("text-sm break-words")
        ui.label("Payload as stored").classes(theme.LABEL)
        with tid(ui.grid(columns="auto 1fr"), "staff-request-payload").classes(
            "gap-x-6 gap-y-1 p-2 rounded bg-gray-100 dark:bg-slate-800"
        ):
            for key, value in d.payload.items() or [("—", "")]:
                ui.label(key).classes("font-mono text-xs")
                shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
                tid(ui.label(shown), f"staff-payload-{key}").classes("text-sm break-words")
