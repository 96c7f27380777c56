"""/staff/outbox: the email outbox — what was sent or is waiting, and each message's body. Without an SMTP
server configured, this is where staff read the mail the portal would have sent."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..i18n import _, pgettext
from ..i18n.formats import format_count
from ..queue.request_errors import NotPermitted
from ..services.identity.principal import Principal
from ..services.views import outbox_view
from ..services.views.outbox_view import OutboxRow
from . import theme
from .background import io_bound
from .components import tones
from .components.dense_table import DenseTable
from .components.paged_table import paged_table
from .components.testid import data, tid
from .formatting import format_datetime
from .frame import frame

ANY = "any"
_STATUS_CLASSES = {
    "pending": "bg-slate-200 text-slate-900",
    "sent": "bg-green-700 text-white",
    "failed": "bg-red-700 text-white",
}


def status_word(status: str) -> str:
    """An email's status as the outbox says it ("pending", "sent", "failed" in English)."""
    words = {
        "pending": pgettext("email status", "pending"),
        "sent": pgettext("email status", "sent"),
        "failed": pgettext("email status", "failed"),
    }
    return words.get(status, status)


def create() -> None:
    @ui.page("/staff/outbox")
    async def staff_outbox_page(request: Request) -> None:
        with frame(request, _("Email outbox"), active="nav-staff-outbox") as principal:
            view = _OutboxView(principal)
            await view.load()


class _OutboxView:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.status: str | None = None
        self.page_number = 1
        with ui.row().classes("w-full items-center gap-3"):
            ui.label(
                _(
                    "Every email the portal sends goes through this outbox, so none is lost while the mail server "
                    "is unreachable."
                )
            ).classes(theme.MUTED + " grow")
            tid(
                ui.select(
                    {ANY: _("Any status"), **{status: status_word(status) for status in ("pending", "sent", "failed")}},
                    value=ANY,
                    label=_("Status"),
                    on_change=lambda e: self._filter(e.value),
                ),
                "outbox-filter-status",
            ).props("dense outlined options-dense").classes("w-40")
            refresh = _("Refresh the outbox")
            tid(ui.button(icon="refresh", on_click=lambda: self.load(), color=None), "outbox-refresh").props(
                f'flat round aria-label="{refresh}"'
            ).classes(tones.QUIET)
        self.table = paged_table(
            [
                "#",
                _("To"),
                pgettext("email", "Subject"),
                _("Status"),
                _("Attempts"),
                _("Created"),
                _("Sent"),
                _("Last error"),
                "",
            ],
            testid="outbox-card",
            prefix="outbox",
            caption=_("Outgoing email, newest first"),
            empty=_("The outbox is empty."),
            count_words=lambda n: format_count(n, "{count} message", "{count} messages"),
            row=_row,
            on_page=self.load,
        )

    async def _filter(self, value: str) -> None:
        self.status = None if value == ANY else value
        await self.load(1)

    async def load(self, page: int | None = None) -> None:
        self.page_number = page or self.page_number
        try:
            shown = await io_bound(outbox_view.outbox_page, self.principal, self.page_number, self.status)
        except NotPermitted as exc:
            ui.notify(_("Not allowed: {reason}").format(reason=exc), type="negative")
            return
        self.table.show(shown)


def _row(table: DenseTable, message: OutboxRow) -> None:
    with table.row(f"outbox-row-{message.id}"):
        with table.cell():
            ui.label(str(message.id))
        with data(table.cell("outbox-to")):
            ui.label(message.to_address).classes("break-all")
        with data(table.cell("outbox-subject")):  # as sent, in the recipient's language
            ui.label(message.subject)
        with table.cell("outbox-status"):
            ui.label(status_word(message.status)).classes(
                "inline-block rounded px-2 py-0.5 text-xs font-semibold "
                + _STATUS_CLASSES.get(message.status, "bg-gray-200")
            )
        with table.cell("outbox-attempts"):
            ui.label(str(message.attempts))
        with table.cell("outbox-created", "whitespace-nowrap"):
            ui.label(format_datetime(message.created_at))
        with table.cell("outbox-sent", "whitespace-nowrap"):
            ui.label(format_datetime(message.sent_at))
        with table.cell("outbox-error"):
            ui.label(message.last_error or "—").classes("text-xs break-words")
        with table.cell():
            read = _("Read message {number}").format(number=message.id)
            tid(
                ui.button(_("Read"), icon="mail", on_click=lambda m=message: _show_body(m), color=None),
                f"outbox-read-{message.id}",
            ).props(f'flat dense no-caps aria-label="{read}"').classes(tones.ACTION)


def _show_body(message: OutboxRow) -> None:
    with ui.dialog() as dialog, tid(ui.card(), "outbox-message-dialog").classes("w-[40rem] max-w-full p-4 gap-2"):
        ui.label(message.subject).classes(theme.HEADING).props('role="heading" aria-level="2"')
        ui.label(
            _("To {address} · {date}").format(address=message.to_address, date=format_datetime(message.created_at))
        ).classes(theme.MUTED)
        tid(ui.label(message.body), "outbox-body").classes(
            "text-sm whitespace-pre-wrap break-words font-mono p-3 rounded bg-gray-100 dark:bg-slate-800 w-full"
        )
        with ui.row().classes("w-full justify-end"):
            tid(ui.button(_("Close"), on_click=dialog.close), "outbox-message-close").props("flat no-caps autofocus")
    dialog.on("hide", dialog.delete)
    dialog.open()
