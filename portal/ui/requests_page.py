"""/requests: every request the customer has filed, newest first, with status and deadline."""

from __future__ import annotations

from functools import partial

from nicegui import ui
from starlette.requests import Request

from ..i18n import _
from ..services.views import requests_view
from ..services.views.requests_view import RequestRow
from . import theme
from .background import io_bound
from .components.dense_table import DenseTable
from .components.problem_page import refused_to_staff
from .components.status_badges import due_badge, status_chip
from .components.testid import tid
from .formatting import format_date
from .frame import frame
from .request_detail_page import STAFF_REFUSAL


def create() -> None:
    @ui.page("/requests")
    async def requests_page(request: Request) -> None:
        if refused_to_staff(request, title=_("No requests here"), message=_(STAFF_REFUSAL)):
            return
        with frame(request, _("Your requests"), active="nav-requests") as principal:
            ui.label(
                _(
                    "Everything you asked us to do about your data, and where each request stands. We answer "
                    "within one month of receipt; if we need longer, we tell you why."
                )
            ).classes(theme.MUTED)
            rows = await io_bound(requests_view.list_requests, principal) or []
            with tid(ui.card(), "requests-list").classes(theme.CARD):
                _table(rows)


def _table(rows: list[RequestRow]) -> None:
    if not rows:
        tid(
            ui.label(
                _(
                    "You have not filed any requests yet. You can ask us to restrict or stop using a category of "
                    "your data from that category's page."
                )
            ),
            "requests-empty",
        ).classes(theme.MUTED)
        return
    table = DenseTable(
        [_("Request"), _("Type"), _("Status"), _("Received"), _("Due or finished"), ""],
        testid="requests-table",
        caption=_("Your requests"),
    )
    for row in rows:
        with table.row(f"request-row-{row.id}", on_click=partial(ui.navigate.to, f"/requests/{row.id}")):
            with table.cell():
                table.link(f"#{row.id}", f"/requests/{row.id}", f"request-link-{row.id}").classes("font-medium")
            with table.cell():
                ui.label(row.type_title)
            with table.cell():
                status_chip(row.status)
            with table.cell():
                tid(ui.label(format_date(row.received_at)), "request-received")
            with table.cell(), ui.row().classes("items-center gap-2 no-wrap"):
                if row.is_open:
                    tid(ui.label(format_date(row.due_at)), "request-due")
                    due_badge(row.urgency, "request-due-badge")
                else:  # a due date of a request that is over only raises the question whether it was late
                    tid(ui.label(_("Finished {date}").format(date=format_date(row.finished_at))), "request-finished")
            with table.cell():
                details = _("Details of request {number}").format(number=row.id)
                table.link(_("Details"), f"/requests/{row.id}", f"request-open-{row.id}").props(
                    f'aria-label="{details}"'
                )
