"""The facts card of `/staff/requests/<id>`: what the request is, who filed it, its dates, attempts, what it asks
for and its payload exactly as stored."""

from __future__ import annotations

import json

from nicegui import ui

from ...i18n import _
from ...queue.stored_text import in_words
from ...services.views.staff_view import StaffRequestDetail
from .. import theme
from ..formatting import format_date, format_datetime
from .status_badges import due_badge, status_chip
from .testid import data, tid


def staff_request_facts(detail: StaffRequestDetail) -> None:
    d, row = detail, detail.row
    with tid(ui.card(), "staff-request-facts").classes(theme.CARD):
        with ui.row().classes("w-full items-center gap-3"):
            tid(ui.label(row.type_title), "staff-request-type").classes(theme.HEADING)
            status_chip(row.status)
            tid(ui.label(row.status_label), "staff-request-status-label").classes(theme.MUTED)
        with ui.grid(columns="auto 1fr auto 1fr").classes("w-full gap-x-6 gap-y-1 items-baseline"):
            subject = f"#{d.subject_id} {d.subject_name}" if d.subject_id else _("(erased)")
            attempts = _("{attempts} of {max_attempts}").format(attempts=d.attempts, max_attempts=d.max_attempts)
            for label, value, testid in [
                (_("Subject"), subject, "staff-request-subject"),
                (_("Filed by"), d.actor, "staff-request-actor"),
                (_("Channel"), d.channel, "staff-request-channel"),
                (_("Received"), format_datetime(row.received_at), "staff-request-received"),
                (_("Extended to"), format_date(d.extended_due_at), "staff-request-extended"),
                (_("Finished"), format_datetime(d.completed_at), "staff-request-completed"),
                (_("Attempts"), attempts, "staff-request-attempts"),
                (_("Assignee"), d.assignee_name, "staff-request-assignee"),
            ]:
                ui.label(label).classes(theme.LABEL)
                value_label = tid(ui.label(value), testid).classes("text-sm break-words")
                if testid == "staff-request-subject":  # the customer's number and name
                    data(value_label)
            ui.label(_("Due")).classes(theme.LABEL)
            with ui.row().classes("items-center gap-2"):
                tid(ui.label(format_date(row.due_at)), "staff-request-due").classes("text-sm")
                due_badge(row.urgency, "staff-request-due-badge")
        # The outcome and last error the queue wrote ("Rejected: …", "out of attempts") are stored in English.
        for label, note, testid in [
            (_("Extension reason"), d.extension_reason, "staff-request-extension-reason"),
            (_("Outcome"), in_words(d.outcome), "staff-request-outcome"),
            (_("Last error"), in_words(d.last_error), "staff-request-last-error"),
        ]:
            if note:
                ui.label(label).classes(theme.LABEL)
                tid(ui.label(note), testid).classes("text-sm break-words whitespace-pre-wrap")
        if d.facts:
            ui.label(_("Asks for")).classes(theme.LABEL)
            with tid(ui.grid(columns="auto 1fr"), "staff-request-asks").classes("gap-x-6 gap-y-1"):
                for fact in d.facts:
                    ui.label(fact.label).classes("text-sm text-gray-700 dark:text-gray-300")
                    data(tid(ui.label(fact.text), f"staff-fact-{fact.key}")).classes("text-sm break-words")
        ui.label(_("Payload as stored")).classes(theme.LABEL)
        with data(tid(ui.grid(columns="auto 1fr"), "staff-request-payload")).classes(
            "gap-x-6 gap-y-1 p-2 rounded bg-gray-100 dark:bg-slate-800"
        ):
            for key, value in d.payload.items() or [("—", "")]:
                ui.label(key).classes("font-mono text-xs")
                shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
                tid(ui.label(shown), f"staff-payload-{key}").classes("text-sm break-words")
