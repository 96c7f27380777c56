"""/staff/notices: the Art. 19 notice desk — every notice to a recipient of customers' data that is waiting (to be
sent, for an answer, or as a task for staff), overdue, answered or dead. Staff send one again; a privacy officer
closes a task (a recipient without an endpoint, told by other means) with what it answered."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..errors import PortalError
from ..services.identity.principal import Principal
from ..services.recipients import desk, views
from ..services.recipients.views import NoticeView
from . import theme
from .background import io_bound
from .components import tones
from .components.dense_table import DenseTable
from .components.testid import tid
from .formatting import format_date, format_datetime
from .frame import frame

SHOW = {"open": "Waiting", "overdue": "Overdue", "answered": "Answered", "dead": "Undeliverable", "all": "All"}
ANSWER_WORDS = {"done": "Done: erased/corrected/restricted", "not_held": "They did not hold it", "refused": "Refused"}


def create() -> None:
    @ui.page("/staff/notices")
    async def staff_notices_page(request: Request, show: str = "open") -> None:
        with frame(request, "Recipient notices", active="nav-staff-notices") as principal:
            view = _NoticeDesk(principal, show if show in SHOW else "open")
            await view.load()


class _NoticeDesk:
    def __init__(self, principal: Principal, show: str) -> None:
        self.principal, self.show = principal, show
        self.rows: list[NoticeView] = []
        with ui.row().classes("w-full items-center gap-3"):
            ui.label(
                "When a correction, an erasure or a restriction completes, every recipient that received the data is "
                "told (GDPR Art. 19): by a signed webhook where it has an endpoint, otherwise by staff."
            ).classes(theme.MUTED + " grow")
            tid(ui.toggle(SHOW, value=show, on_change=lambda e: self._filter(e.value)), "notices-filter").props(
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
                tid(ui.label("No notices here."), "notices-empty").classes(theme.MUTED)
                return
            table = DenseTable(
                ["Recipient", "About", "Request", "How", "State", "Due", "Tries", ""],
                testid="notices-table",
                caption="Notices to recipients, the earliest due first",
            )
            for notice in self.rows:
                self._row(table, notice)

    def _row(self, table: DenseTable, notice: NoticeView) -> None:
        with table.row(f"notice-row-{notice.id}"):
            with table.cell("notice-recipient"):
                ui.label(notice.recipient)
            with table.cell():
                ui.label(notice.action.replace("_", " "))
            with table.cell():
                DenseTable.link(
                    f"#{notice.request_id}", f"/staff/requests/{notice.request_id}", f"notice-request-{notice.id}"
                )
            with table.cell():
                ui.label("webhook" if notice.channel == "webhook" else "staff task")
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
                        ui.button("Send again", on_click=lambda n=notice: self._resend(n), color=None),
                        f"notice-resend-{notice.id}",
                    ).props("flat dense no-caps").classes(tones.ACTION)
                if notice.channel == "staff_task" and notice.status != "acknowledged" and self.principal.role == "dpo":
                    tid(
                        ui.button("Close task…", on_click=lambda n=notice: self._close(n), color=None),
                        f"notice-close-{notice.id}",
                    ).props("flat dense no-caps").classes(tones.ACTION)

    async def _resend(self, notice: NoticeView) -> None:
        try:
            await io_bound(desk.resend, self.principal, notice.id)
        except PortalError as error:
            ui.notify(str(error), type="negative")
            return
        ui.notify(f"The notice to {notice.recipient} goes out again within seconds.", type="positive")
        await self.load()

    async def _close(self, notice: NoticeView) -> None:
        with ui.dialog() as dialog, tid(ui.card(), "notice-close-dialog").classes("w-[36rem] max-w-full p-4 gap-3"):
            ui.label(f"Close the task: {notice.recipient}").classes(theme.SUBHEADING)
            ui.label(
                f"Told on {format_datetime(notice.created_at)} about a {notice.action.replace('_', ' ')}. Tell the "
                "recipient through its contact, then record what it answered."
            ).classes(theme.MUTED)
            answer = tid(ui.radio(ANSWER_WORDS, value="done"), "notice-close-answer")
            note = tid(
                ui.textarea("Note: how you told them, and what they answered").props("outlined counter maxlength=1000"),
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
                ui.notify(f"Task closed: {notice.recipient}.", type="positive")
                await self.load()

            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button("Cancel", on_click=dialog.close), "notice-close-cancel").props("flat no-caps")
                tid(ui.button("Close task", on_click=_submit), "notice-close-submit").props("no-caps unelevated")
        dialog.on("hide", dialog.delete)
        dialog.open()
