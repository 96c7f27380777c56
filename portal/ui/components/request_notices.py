"""A request's "Recipients told" card: for a correction, erasure or restriction, which recipients of the data were
told (GDPR Art. 19), when, and whether each confirmed."""

from __future__ import annotations

from nicegui import ui

from ...i18n import _
from ...services.recipients.views import NoticeView
from .. import theme
from ..formatting import format_datetime
from .testid import tid


def request_notices(notices: list[NoticeView]) -> None:
    if not notices:
        return
    with tid(ui.card(), "request-notices").classes(theme.CARD):
        ui.label(_("Recipients told")).classes(theme.SUBHEADING)
        ui.label(_("Everyone we gave this data to is told of the change and must confirm it (GDPR Art. 19).")).classes(
            theme.MUTED
        )
        with ui.grid(columns="max-content max-content minmax(0, 1fr)").classes("w-full gap-x-4 gap-y-1"):
            for notice in notices:
                tid(ui.label(notice.recipient), f"request-notice-{notice.recipient_key}").classes("text-sm font-medium")
                ui.label(_("told {when}").format(when=format_datetime(notice.created_at))).classes(
                    theme.MUTED + " whitespace-nowrap"
                )
                tone = "text-positive" if notice.status == "acknowledged" and notice.answer != "refused" else ""
                tid(ui.label(notice.state), f"request-notice-state-{notice.recipient_key}").classes(f"text-sm {tone}")
