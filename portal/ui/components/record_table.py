"""A dense, server-paginated table of one record kind: sorting, filtering and paging run in the database."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from ...catalogue import RecordKind
from ...categories import PageQuery, RecordPage
from ...services.identity.principal import Principal
from ...services.rights import personal_data
from ..background import io_bound
from ..formatting import format_count, format_value
from .statement_dialog import open_statement_dialog
from .testid import tid

PAGE_SIZES = [10, 25, 50, 100]


class RecordTable:
    """Holds the query state; `show()` renders the refreshable body."""

    def __init__(self, principal: Principal, kind: RecordKind) -> None:
        self.principal = principal
        self.kind = kind
        self.query = PageQuery.parse(kind)
        self.page: RecordPage | None = None

    async def load(self, **changes: Any) -> None:
        values = {
            "page": self.query.page,
            "page_size": self.query.page_size,
            "sort": self.query.sort,
            "descending": self.query.descending,
            "text": self.query.text,
            **changes,
        }
        self.query = PageQuery.parse(self.kind, **values)
        self.page = await io_bound(personal_data.record_page, self.principal, self.kind, self.query)
        self.body.refresh()

    def render(self) -> None:
        key = self.kind.key
        with ui.row().classes("w-full items-center gap-2"):
            ui.label(self.kind.title).classes("text-base font-semibold")
            ui.space()
            tid(ui.input("Filter", on_change=lambda e: self.load(text=e.value, page=1)), f"table-{key}-filter").props(
                "dense outlined clearable debounce=300"
            ).classes("w-64")
            tid(ui.button("Contest a record", icon="flag", on_click=self._contest), f"table-{key}-contest").props(
                "flat dense no-caps"
            )
        self.body()

    @ui.refreshable_method
    def body(self) -> None:
        page = self.page
        key = self.kind.key
        if page is None:
            ui.skeleton().classes("w-full h-32")
            return
        columns = [
            {"name": f.key, "label": f.label, "field": f.key, "align": "left", "sortable": True}
            for f in self.kind.fields
        ]
        rows = [
            {"_id": row["_id"], **{f.key: format_value(f.display, row.get(f.key), row) for f in self.kind.fields}}
            for row in page.rows
        ]
        table = (
            tid(
                ui.table(
                    columns=columns,
                    rows=rows,
                    row_key="_id",
                    pagination={
                        "rowsPerPage": page.query.page_size,
                        "page": page.query.page,
                        "rowsNumber": page.total,
                        "sortBy": page.query.sort,
                        "descending": page.query.descending,
                    },
                ),
                f"table-{key}",
            )
            .props("dense flat bordered hide-bottom wrap-cells")
            .classes("w-full")
        )
        table.on("request", self._on_request)
        if not rows:
            tid(
                ui.label("No records match." if page.query.text else "We hold no records of this kind about you."),
                f"table-{key}-empty",
            ).classes("text-sm text-gray-600 dark:text-gray-300")
        with ui.row().classes("w-full items-center gap-2 text-sm"):
            total = f"More than {format_count(page.total)} match" if page.more_than_total else format_count(page.total)
            tid(ui.label(total), f"table-{key}-total")
            ui.space()
            tid(
                ui.select(
                    PAGE_SIZES,
                    value=page.query.page_size,
                    label="Rows per page",
                    on_change=lambda e: self.load(page_size=e.value, page=1),
                ),
                f"table-{key}-page-size",
            ).props("dense outlined options-dense").classes("w-32")
            tid(
                ui.button(icon="chevron_left", on_click=lambda: self.load(page=page.query.page - 1)),
                f"table-{key}-prev",
            ).props('flat dense aria-label="Previous page"').set_enabled(page.query.page > 1)
            tid(
                ui.label(f"Page {page.query.page} of {page.pages:,}{'+' if page.more_than_total else ''}"),
                f"table-{key}-page",
            )
            tid(
                ui.button(icon="chevron_right", on_click=lambda: self.load(page=page.query.page + 1)),
                f"table-{key}-next",
            ).props('flat dense aria-label="Next page"').set_enabled(page.query.page < page.pages)

    def _contest(self) -> None:
        open_statement_dialog(self.principal, self.kind, self.page.rows if self.page else [])

    async def _on_request(self, event: Any) -> None:
        pagination = (event.args or {}).get("pagination", {}) if isinstance(event.args, dict) else {}
        await self.load(sort=pagination.get("sortBy"), descending=pagination.get("descending", True), page=1)
