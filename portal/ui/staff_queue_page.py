"""/staff: the request queue for agents and privacy officers — counts per status, filters, and a paged table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from nicegui import ui
from starlette.requests import Request

from ..i18n import _, pgettext
from ..i18n.formats import format_count
from ..models import RequestStatus
from ..queue.request_errors import NotPermitted
from ..services.identity.principal import Principal
from ..services.views import staff_view
from ..services.views.staff_view import QueueFilter, QueueRow
from .background import io_bound
from .components import tones
from .components.choice import dressed
from .components.dense_table import DenseTable
from .components.paged_table import paged_table
from .components.status_badges import due_badge, status_chip
from .components.testid import data, tid
from .formatting import format_date, format_number
from .frame import frame

ANY = "any"
_FILTER_PROPS = "dense outlined options-dense"


def status_word(status: str) -> str:
    """A status as the queue's chips and filter say it: "dead letter" (the stored word, spaced) in English."""
    words = {
        "received": pgettext("request status", "received"),
        "verifying": pgettext("request status", "verifying"),
        "queued": pgettext("request status", "queued"),
        "processing": pgettext("request status", "processing"),
        "completed": pgettext("request status", "completed"),
        "rejected": pgettext("request status", "rejected"),
        "failed": pgettext("request status", "failed"),
        "dead_letter": pgettext("request status", "dead letter"),
        "canceled": pgettext("request status", "canceled"),
    }
    return words.get(status, status.replace("_", " "))


def create() -> None:
    @ui.page("/staff")
    async def staff_queue_page(request: Request) -> None:
        with frame(request, _("Request queue"), active="nav-staff") as principal:
            view = _QueueView(principal)
            await view.load()


class _QueueView:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.query = QueueFilter()
        self.counts: dict[str, int] = {}
        self.count_chips()
        self._filters()
        self.table = paged_table(
            ["#", _("Type"), _("Subject"), _("Status"), _("Received"), _("Due"), _("Assignee"), _("Attempts")],
            testid="staff-queue",
            prefix="staff-queue",
            caption=_("Requests, newest first"),
            empty=_("No requests match these filters."),
            count_words=lambda n: format_count(n, "{count} request", "{count} requests"),
            row=_row,
            on_page=lambda p: self.load(page=p),
        )

    async def load(self, **changes: Any) -> None:
        self.query = replace(self.query, **changes)
        try:
            self.counts = await io_bound(staff_view.status_counts, self.principal) or {}
            page = await io_bound(staff_view.queue_page, self.principal, self.query)
        except NotPermitted as exc:
            ui.notify(_("Not allowed: {reason}").format(reason=exc), type="negative")
            return
        self.count_chips.refresh()
        self.table.show(page)

    @ui.refreshable_method
    def count_chips(self) -> None:
        per_status = _("Requests per status")
        with ui.row().classes("w-full gap-2 items-center").props(f'aria-label="{per_status}"'):
            for status in RequestStatus:
                count = self.counts.get(status.value, 0)
                active = self.query.status == status.value
                chip = (
                    tid(
                        ui.button(
                            f"{status_word(status.value)} {format_number(count)}",
                            color=None,
                            on_click=lambda s=status.value: self._set_status(s),
                        ),
                        f"staff-count-{status.value}",
                    )
                    .props("dense no-caps rounded unelevated")
                    .classes("px-3")
                )
                if active:
                    chip.props("color=primary")
                elif count:
                    chip.props("color=grey-8")
                else:
                    chip.props("outline").classes(tones.QUIET)

    def _filters(self) -> None:
        with ui.row().classes("w-full gap-3 items-center"):
            _filter_select(
                {ANY: _("Any type"), **staff_view.type_options()},
                ANY,
                _("Type"),
                lambda e: self.load(type_key=None if e.value == ANY else e.value, page=1),
                "staff-filter-type",
                "w-56",
            )
            self.status_select = _filter_select(
                {ANY: _("Any status"), **{s.value: status_word(s.value) for s in RequestStatus}},
                ANY,
                _("Status"),
                lambda e: self.load(status=None if e.value == ANY else e.value, page=1),
                "staff-filter-status",
                "w-44",
            )
            _filter_select(
                {"anyone": _("Anyone"), "me": _("Me"), "unassigned": _("Unassigned")},
                "anyone",
                _("Assignee"),
                lambda e: self.load(assignee=e.value, page=1),
                "staff-filter-assignee",
                "w-40",
            )
            tid(
                ui.switch(_("Overdue only"), on_change=lambda e: self.load(overdue_only=bool(e.value), page=1)),
                "staff-filter-overdue",
            )
            ui.space()
            refresh = _("Refresh the queue")
            tid(ui.button(icon="refresh", on_click=lambda: self.load(), color=None), "staff-refresh").props(
                f'flat round aria-label="{refresh}"'
            ).classes(tones.QUIET)

    def _set_status(self, status: str) -> None:
        # The select's change handler reloads the table; clicking the active chip again clears the filter.
        self.status_select.value = ANY if self.query.status == status else status


def _filter_select(
    options: dict[str, str], value: str, label: str, on_change: Callable[[Any], Any], testid: str, width: str
) -> ui.select:
    return dressed(ui.select(options, value=value, label=label, on_change=on_change), testid, _FILTER_PROPS, width)


def _row(table: DenseTable, row: QueueRow) -> None:
    r = row.request
    with table.row(f"staff-row-{r.id}", on_click=partial(ui.navigate.to, f"/staff/requests/{r.id}")):
        with table.cell():
            table.link(f"#{r.id}", f"/staff/requests/{r.id}", f"staff-request-link-{r.id}").classes("font-medium")
        with table.cell():
            ui.label(r.type_title)
        with table.cell():
            subject = f"#{row.subject_id} {row.subject_name}" if row.subject_id else _("(erased)")
            data(tid(ui.label(subject), "staff-row-subject"))
        with table.cell():
            status_chip(r.status)
        with table.cell("staff-row-received", "whitespace-nowrap"):
            ui.label(format_date(r.received_at))
        with table.cell("staff-row-due"), ui.row().classes("items-center gap-2 no-wrap"):
            ui.label(format_date(r.due_at)).classes("whitespace-nowrap")
            due_badge(r.urgency, "staff-row-due-badge")
        with table.cell("staff-row-assignee"):
            ui.label(row.assignee_name)
        with table.cell("staff-row-attempts"):
            ui.label(str(row.attempts))
