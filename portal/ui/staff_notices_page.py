"""/staff/notices: the Art. 19 notice desk — every notice to a recipient of customers' data that is waiting (to be
sent, for an answer, or as a task for staff), overdue, answered or dead. Staff send one again; a privacy officer
closes a task (a recipient without an endpoint, told by other means) with what it answered."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..errors import PortalError
from ..i18n import N_, _
from ..models.recipients import NOTICE_ACTION_WORDS
from ..services.identity.principal import Principal
from ..services.recipients import desk, views
from ..services.recipients.views import NoticeView
from . import theme
from .background import io_bound
from .components import tones
from .components.dense_table import DenseTable
from .components.testid import data, tid
from .formatting import format_date, format_datetime
from .frame import frame

SHOW = {
    "open": N_("Waiting"),
    "overdue": N_("Overdue"),
    "answered": N_("Answered"),
    "dead": N_("Undeliverable"),
    "all": N_("All"),
}
ANSWER_WORDS = {
    "done": N_("Done: erased/corrected/restricted"),
    "not_held": N_("They did not hold it"),
    "refused": N_("Refused"),
}


def _action_words(action: str) -> str:
    """What the notice is about: "erasure", "restriction lifted"."""
    word = NOTICE_ACTION_WORDS.get(action)
    return _(word) if word else action.replace("_", " ")


def create() -> None:
    @ui.page("/staff/notices")
    async def staff_notices_page(request: Request, show: str = "open") -> None:
        with frame(request, _("Recipient notices"), active="nav-staff-notices") as principal:
            view = _NoticeDesk(principal, show if show in SHOW else "open")
            await view.load()


class _NoticeDesk:
    def __init__(self, principal: Principal, show: str) -> None:
        self.principal, self.show = principal, show
        self.rows: list[NoticeView] = []
        with ui.row().classes("w-full items-center gap-3"):
            ui.label(
                _(
                    "When a correction, an erasure or a restriction completes, every recipient that received the data "
                    "is told (GDPR Art. 19): by a signed webhook where it has an endpoint, otherwise by staff."
                )
            ).classes(theme.MUTED + " grow")
            shown = {key: _(words) for key, words in SHOW.items()}
            tid(ui.toggle(shown, value=show, on_change=lambda e: self._filter(e.value)), "notices-filter").props(
                "dense no-caps"
            )
        self.table_area = ui.column().classes("w-full")

    async def _filter(self, show: str) -> None:
        self.show = show
        await self.load()

    async def load(self) -> None:
        self.rows = await io_bound(views.staff_notices, self.principal, show=self.show) or []
        self.table_area.clear()
        with self.table_area:
            if not self.rows:
                tid(ui.label(_("No notices here.")), "notices-empty").classes(theme.MUTED)
                return
            table = DenseTable(
                [_("Recipient"), _("About"), _("Request"), _("How"), _("State"), _("Due"), _("Tries"), ""],
                testid="notices-table",
                caption=_("Notices to recipients, the earliest due first"),
            )
            for notice in self.rows:
                self._row(table, notice)

    def _row(self, table: DenseTable, notice: NoticeView) -> None:
        with table.row(f"notice-row-{notice.id}"):
            with data(table.cell("notice-recipient")):  # a legal name
                ui.label(notice.recipient)
            with table.cell():
                ui.label(_action_words(notice.action))
            with table.cell():
                DenseTable.link(
                    f"#{notice.request_id}", f"/staff/requests/{notice.request_id}", f"notice-request-{notice.id}"
                )
            with table.cell():
                ui.label(_("webhook") if notice.channel == "webhook" else _("staff task"))
            with table.cell("notice-state"):
                ui.label(notice.state).classes("text-negative" if notice.overdue or notice.status == "dead" else "")
                if notice.last_error and notice.status != "acknowledged":
                    ui.label(notice.last_error).classes("text-xs break-words " + theme.MUTED)
            with table.cell("notice-due", "whitespace-nowrap"):
                ui.label(format_date(notice.due_at))
            with table.cell():
                ui.label(str(notice.attempts))
            with table.cell("whitespace-nowrap"):
                if notice.channel == "webhook" and notice.status != "acknowledged":
                    tid(
                        ui.button(_("Send again"), on_click=lambda n=notice: self._resend(n), color=None),
                        f"notice-resend-{notice.id}",
                    ).props("flat dense no-caps").classes(tones.ACTION)
                if notice.channel == "staff_task" and notice.status != "acknowledged" and self.principal.role == "dpo":
                    tid(
                        ui.button(_("Close task…"), on_click=lambda n=notice: self._close(n), color=None),
                        f"notice-close-{notice.id}",
                    ).props("flat dense no-caps").classes(tones.ACTION)

    async def _resend(self, notice: NoticeView) -> None:
        try:
            await io_bound(desk.resend, self.principal, notice.id)
        except PortalError as error:
            ui.notify(str(error), type="negative")
            return
        ui.notify(
            _("The notice to {recipient} goes out again within seconds.").format(recipient=notice.recipient),
            type="positive",
        )
        await self.load()

    async def _close(self, notice: NoticeView) -> None:
        with ui.dialog() as dialog, tid(ui.card(), "notice-close-dialog").classes("w-[36rem] max-w-full p-4 gap-3"):
            ui.label(_("Close the task: {recipient}").format(recipient=notice.recipient)).classes(theme.SUBHEADING)
            ui.label(
                _(
                    "Told on {date} about a {action}. Tell the recipient through its contact, then record what it "
                    "answered."
                ).format(date=format_datetime(notice.created_at), action=_action_words(notice.action))
            ).classes(theme.MUTED)
            answers = {key: _(words) for key, words in ANSWER_WORDS.items()}
            answer = tid(ui.radio(answers, value="done"), "notice-close-answer")
            note = tid(
                ui.textarea(_("Note: how you told them, and what they answered")).props(
                    "outlined counter maxlength=1000"
                ),
                "notice-close-note",
            ).classes("w-full")
            error = tid(ui.label(""), "notice-close-error").classes("text-negative text-sm").props('role="alert"')

            async def _submit() -> None:
                try:
                    await io_bound(
                        desk.close_task, self.principal, notice.id, answer=answer.value, note=note.value or ""
                    )
                except PortalError as problem:
                    error.text = str(problem)
                    return
                dialog.close()
                ui.notify(_("Task closed: {recipient}.").format(recipient=notice.recipient), type="positive")
                await self.load()

            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button(_("Cancel"), on_click=dialog.close), "notice-close-cancel").props("flat no-caps")
                tid(ui.button(_("Close task"), on_click=_submit), "notice-close-submit").props("no-caps unelevated")
        dialog.on("hide", dialog.delete)
        dialog.open()
