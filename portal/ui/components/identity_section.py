"""The identity card on /data/identity: current values, when each was corrected, a change of email address still
waiting for its link, and the correction form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nicegui import ui

from ...catalogue import RecordKind
from ...i18n import _
from ...services.access import SupportSessionEnded
from ...services.identity.principal import Principal
from ...services.rights import email_change_status, personal_data, rectification
from ...services.rights.email_change_status import PendingEmailChange
from ..background import io_bound
from ..formatting import format_date, format_value
from ..socket_guard import live_timer
from . import text_block
from .identity_form import IdentityForm
from .testid import tid

_POLL_SECONDS = 1.0
_POLL_LIMIT = 15


class IdentitySection:
    def __init__(self, principal: Principal, kind: RecordKind) -> None:
        self.principal = principal
        self.kind = kind
        self.record: dict[str, Any] | None = None
        self.corrected: dict[str, datetime] = {}
        self.pending: PendingEmailChange | None = None
        self.polls = 0

    async def load(self) -> None:
        self.record = await io_bound(personal_data.single_record, self.principal, self.kind)
        self.corrected = await io_bound(rectification.corrections, self.principal) or {}
        self.pending = await io_bound(email_change_status.pending_email_change, self.principal)

    async def render(self) -> None:
        await self.load()
        with ui.row().classes("w-full items-center"):
            ui.label(self.kind.title).classes("text-base font-semibold")
            ui.space()
            form = IdentityForm(self.principal, on_filed=self._watch)
            tid(ui.button(_("Correct my details"), icon="edit", on_click=form.open), "identity-edit").props(
                "no-caps unelevated"
            )
        self.values()
        self.timer = live_timer(_POLL_SECONDS, self._poll, active=False)

    @ui.refreshable_method
    def values(self) -> None:
        if self.record is None:
            tid(ui.label(_("We hold no identity details about you.")), "kind-identity_profile-empty").classes("text-sm")
            return
        # Three labels a field, all static: one block (text_block) in NiceGUI's grid markup.
        cells: list[str] = []
        for field in self.kind.fields:
            when = self.corrected.get(field.key)
            cells += [
                text_block.label(field.label, "text-xs uppercase tracking-wide text-gray-600 dark:text-gray-300"),
                text_block.label(
                    format_value(field.display, self.record.get(field.key), self.record),
                    "text-base",
                    testid=f"field-{field.key}",
                    data=True,
                ),
                text_block.label(
                    _("corrected on {date}").format(date=format_date(when)) if when else "",
                    "text-xs text-positive",
                    testid=f"field-{field.key}-corrected",
                ),
            ]
        text_block.block(
            [text_block.grid(cells, "auto 1fr auto", "gap-x-6 gap-y-1 items-baseline")],
            *(f"field-{field.key}" for field in self.kind.fields),
        )
        if self.pending is not None:
            _pending_email(self.pending)

    async def _watch(self) -> None:
        self.polls = 0
        self.timer.activate()

    async def _poll(self) -> None:
        self.polls += 1
        try:
            await self.load()
        except SupportSessionEnded:
            # The customer ended the agent's access while this section was watching a correction: stop
            # watching; the frame's session check takes the agent back to the staff console.
            self.timer.deactivate()
            return
        self.values.refresh()
        if self.polls >= _POLL_LIMIT:
            self.timer.deactivate()


def _pending_email(pending: PendingEmailChange) -> None:
    """The email shown above stays the sign-in address until the link is opened: say what is waiting, and where."""
    with tid(ui.row(), "identity-pending-email").classes(
        "items-center gap-2 p-2 rounded border-l-4 border-amber-500 bg-amber-50 dark:bg-slate-800 text-sm"
    ):
        ui.icon("mark_email_unread", size="sm").props('aria-hidden="true"')
        if pending.confirmed:
            ui.label(
                _("Your new email address {email} is confirmed and will be in use in a moment.").format(
                    email=pending.new_email
                )
            )
        else:
            ui.label(
                _(
                    "Change of email address to {email} asked on {date}: waiting until you open the link we email to "
                    "that address (valid 24 hours)."
                ).format(email=pending.new_email, date=format_date(pending.requested_at))
            )
        ui.link(_("Request #{number}").format(number=pending.request_id), f"/requests/{pending.request_id}")
