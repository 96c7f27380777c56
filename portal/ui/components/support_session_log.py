"""The customer's log of every support session on their account (`/support-access`): who, why, when, which pages
they viewed and what they did, in words."""

from __future__ import annotations

from nicegui import ui

from ...i18n import N_, _, ngettext
from ...services.support_access.support import SessionLog
from ..formatting import format_datetime, format_number
from .dense_table import DenseTable
from .expansion import expansion

_ENDED = {
    "stopped": N_("the agent stopped"),
    "grant_revoked": N_("you revoked the grant"),
    "grant_expired": N_("the grant expired"),
    "customer_signed_out": N_("you signed out everywhere"),
    "customer_closed": N_("your account was closed"),
    "agent_deactivated": N_("the agent's account was deactivated"),
    "session_expired": N_("the session timed out"),
    "ended": N_("the session ended"),
}


def support_session_log(logs: list[SessionLog]) -> None:
    table = DenseTable(
        [_("Agent"), _("Reason"), _("Started"), _("Ended"), _("Pages viewed"), _("Actions taken")],
        testid="support-log-table",
        caption=_("Every support session, newest first"),
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
                    in_progress = _("Session in progress")
                    ui.badge(_("in progress"), color="warning").props(f'aria-label="{in_progress}"')
                else:
                    ui.label(format_datetime(s.ended_at)).classes("whitespace-nowrap")
                    reason = s.end_reason or "ended"
                    ui.label(_(_ENDED[reason]) if reason in _ENDED else reason.replace("_", " ")).classes("text-xs")
            with table.cell(f"support-session-pages-{s.id}"):
                if not log.pages:
                    ui.label(_("none"))
                else:
                    count = ngettext("{count} page", "{count} pages", len(log.pages)).format(
                        count=format_number(len(log.pages))
                    )
                    with (
                        expansion(count).props('dense header-class="px-1"').classes("w-full"),
                        ui.column().classes("gap-0 px-1"),
                    ):
                        for page in log.pages:
                            ui.label(page).classes("text-xs font-mono")
            with table.cell(f"support-session-actions-{s.id}"):
                if not log.described:
                    ui.label(_("none"))
                for action in log.described:
                    ui.label(action).classes("text-sm")
