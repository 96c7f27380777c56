"""The customer's log of every support session on their account (`/support-access`): who, why, when, which pages
they viewed and what they did, in words."""

from __future__ import annotations

from nicegui import ui

from ...services.support_access.support import SessionLog
from ..formatting import format_datetime
from .dense_table import DenseTable

_ENDED = {
    "stopped": "the agent stopped",
    "grant_revoked": "you revoked the grant",
    "grant_expired": "the grant expired",
    "customer_signed_out": "you signed out everywhere",
    "customer_closed": "your account was closed",
    "agent_deactivated": "the agent's account was deactivated",
    "session_expired": "the session timed out",
    "ended": "the session ended",
}


def support_session_log(logs: list[SessionLog]) -> None:
    table = DenseTable(
        ["Agent", "Reason", "Started", "Ended", "Pages viewed", "Actions taken"],
        testid="support-log-table",
        caption="Every support session, newest first",
    )
    for log in logs:
        s = log.session
        with table.row(f"support-session-{s.id}"):
            with table.cell():
                ui.label(log.agent_name).classes("font-medium")
            with table.cell(f"support-session-reason-{s.id}"):
                ui.label(s.reason)
            with table.cell(classes="whitespace-nowrap"):
                ui.label(format_datetime(s.started_at))
            with table.cell(f"support-session-ended-{s.id}"):
                if s.ended_at is None:
                    ui.badge("in progress", color="orange").props('aria-label="Session in progress"')
                else:
                    ui.label(format_datetime(s.ended_at)).classes("whitespace-nowrap")
                    ui.label(_ENDED.get(s.end_reason or "ended", (s.end_reason or "").replace("_", " "))).classes(
                        "text-xs"
                    )
            with table.cell(f"support-session-pages-{s.id}"):
                if not log.pages:
                    ui.label("none")
                else:
                    count = f"{len(log.pages)} page{'s' if len(log.pages) != 1 else ''}"
                    with (
                        ui.expansion(count).props('dense header-class="px-1"').classes("w-full"),
                        ui.column().classes("gap-0 px-1"),
                    ):
                        for page in log.pages:
                            ui.label(page).classes("text-xs font-mono")
            with table.cell(f"support-session-actions-{s.id}"):
                if not log.described:
                    ui.label("none")
                for action in log.described:
                    ui.label(action).classes("text-sm")
