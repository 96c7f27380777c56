"""A dense, server-paginated table of one record kind: sorting, filtering and paging run in the database.

The table is built once and its rows, columns and pagination are replaced on each load, so a header that was
sorted from the keyboard keeps the focus. Rows keep to one line (times short, zone said once) and a table wider
than its card scrolls inside the card. A kind with at most one page of records shows no filter and no pager."""

from __future__ import annotations

import html
import json
from typing import Any

from nicegui import ui

from ...catalogue import RecordKind
from ...categories import PageQuery, time_field
from ...categories.page_query import DEFAULT_PAGE_SIZE
from ...i18n import _
from ...services.identity.principal import Principal
from ...services.rights import personal_data
from ..background import io_bound
from ..formatting import format_count, format_value, table_times_note
from .pager import pager
from .record_filters import record_filters
from .statement_dialog import open_statement_dialog
from .testid import tid

LONG_TEXT = 48  # a column with a value longer than this may wrap (an answer, an address), within readable bounds
_WRAP_STYLE = "white-space: normal; min-width: 16rem; max-width: 30rem"

# A sortable header is a tab stop: Enter or Space sorts it as a click does; aria-sort says how it is sorted now.
_HEADER_CELL = """
<q-th :props="props" :tabindex="props.col.sortable ? 0 : undefined" :aria-sort="props.col.ariaSort"
      :data-col="props.col.name" class="cursor-pointer"
      @keydown.enter.prevent="props.sort(props.col)" @keydown.space.prevent="props.sort(props.col)">
  {{ props.col.label }}
</q-th>
"""
# The first cell of a row the customer contested carries a flag (a statement is on file or on its way).
_FLAGGED_CELL = """
<q-td :props="props">
  <q-icon v-if="props.row._contested" name="flag" color="warning" size="xs" class="q-mr-xs" role="img"
          aria-label="ARIA_LABEL"
          :data-testid="'table-KIND-contested-' + props.row._id">
    <q-tooltip>TOOLTIP</q-tooltip>
  </q-icon><span data-i18n="data">{{ props.value }}</span>
</q-td>
"""
# Every other cell: the record's value, the customer's data (never translated; tests/e2e/test_translated_pages.py).
_DATA_CELL = """<q-td :props="props"><span data-i18n="data">{{ props.value }}</span></q-td>"""


def _flagged_cell(kind_key: str) -> str:
    """The flagged first cell for one kind, its words in the reader's language (escaped: they go into markup)."""
    return (
        _FLAGGED_CELL.replace("KIND", kind_key)
        .replace("ARIA_LABEL", html.escape(_("Contested: you filed a statement about this record")))
        .replace("TOOLTIP", html.escape(_("You filed a statement about this record"), quote=False))
    )


class RecordTable:
    """`render()` builds the table, `load()` fills it (the page that uses it awaits the first load)."""

    def __init__(self, principal: Principal, kind: RecordKind) -> None:
        self.principal = principal
        self.kind = kind
        self.query = PageQuery.parse(kind)
        self.shown: personal_data.ShownPage | None = None

    async def load(self, **changes: Any) -> None:
        values = {
            "page": self.query.page,
            "page_size": self.query.page_size,
            "sort": self.query.sort,
            "descending": self.query.descending,
            "text": self.query.text,
            "since": self.query.since,
            "until": self.query.until,
            **changes,
        }
        query = self.query = PageQuery.parse(self.kind, **values)
        shown = await io_bound(personal_data.record_page, self.principal, self.kind, query)
        if shown is None or query is not self.query:  # shutting down, or a newer load started meanwhile: its turn
            return
        self.shown = shown
        self._fill(shown)

    def render(self) -> None:
        key = self.kind.key
        with ui.row().classes("w-full items-center gap-2"):
            ui.label(self.kind.title).classes("text-base font-semibold")
            ui.space()
            tid(ui.button(_("Contest a record"), icon="flag", on_click=self._contest), f"table-{key}-contest").props(
                "flat dense no-caps"
            )
        # The filters are built on the first load that needs them (more than a page of records), into this card just
        # above the table (`_show_filters`): most kinds never need them, and inputs are the dearest elements here.
        self.filters: ui.row | None = None
        self._card = ui.context.slot.parent
        self.skeleton: ui.skeleton | None = ui.skeleton().classes("w-full h-32")
        # Quasar reports the table's pagination once as it mounts, which may reach the server after the first load:
        # it starts as the query's, so that late report changes nothing that matters (the total comes with rows).
        self.table = tid(ui.table(columns=[], rows=[], row_key="_id", pagination=self._pagination(0)), f"table-{key}")
        # One change, not one per prop as a props string makes (each change is an event NiceGUI dispatches).
        self.table.props.update(dict.fromkeys(("dense", "flat", "bordered", "hide-bottom", "binary-state-sort"), True))
        self.table.classes("w-full")
        self.table.add_slot("header-cell", _HEADER_CELL)
        self.table.add_slot("body-cell", _DATA_CELL)
        self.table.add_slot(f"body-cell-{self.kind.fields[0].key}", _flagged_cell(key))
        self.table.on("request", self._on_request)
        self.table.set_visibility(False)
        self.footer()

    def _fill(self, shown: personal_data.ShownPage) -> None:
        page = shown.page
        rows = [
            {
                "_id": row["_id"],
                "_contested": row["_id"] in shown.contested,
                **{f.key: format_value(f.display, row.get(f.key), row, in_table=True) for f in self.kind.fields},
            }
            for row in page.rows
        ]
        self.table.columns = [self._column(f.key, f.label, rows) for f in self.kind.fields]
        self.table.rows = rows
        self.table.pagination = self._pagination(page.total)
        if self.skeleton is not None:  # gone, not hidden: "no skeleton left" is how scripts know the page settled
            self.skeleton.delete()
            self.skeleton = None
        self.table.set_visibility(bool(rows))
        self._show_filters(page.all_records > DEFAULT_PAGE_SIZE or bool(page.query.text or page.query.dated))
        self.footer.refresh()

    def _show_filters(self, wanted: bool) -> None:
        """Built once, just above the table, when first wanted; only hidden or shown after that (never rebuilt: a
        filter rebuilt while someone types in it would lose the focus)."""
        if self.filters is None:
            if not wanted or self._card.is_deleted:  # not needed, or the page has gone meanwhile
                return
            with self._card:
                self.filters = record_filters(
                    self.kind.key, dated=time_field(self.kind) is not None, on_change=self._filter
                )
            self.filters.move(target_index=self._card.default_slot.children.index(self.table))
        self.filters.set_visibility(wanted)

    def _pagination(self, total: int) -> dict[str, Any]:
        query = self.query
        return {
            "rowsPerPage": query.page_size,
            "page": query.page,
            "rowsNumber": total,
            "sortBy": query.sort,
            "descending": query.descending,
        }

    def _column(self, key: str, label: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        column: dict[str, Any] = {"name": key, "label": label, "field": key, "align": "left", "sortable": True}
        if key == self.query.sort:
            column["ariaSort"] = "descending" if self.query.descending else "ascending"
        if any(len(str(row.get(key, ""))) > LONG_TEXT for row in rows):
            column["style"] = column["headerStyle"] = _WRAP_STYLE
        return column

    @ui.refreshable_method
    def footer(self) -> None:
        if self.shown is None:
            return
        page, key = self.shown.page, self.kind.key
        if not page.rows:
            filtered = page.query.text or page.query.dated
            tid(
                ui.label(_("No records match.") if filtered else _("We hold no records of this kind about you.")),
                f"table-{key}-empty",
            ).classes("text-sm text-gray-600 dark:text-gray-300")
        more = page.more_than_total
        dated = any(f.display == "datetime" for f in self.kind.fields) and bool(page.rows)
        pager(
            f"table-{key}",
            page=page.query.page,
            pages=page.pages,
            more=more,
            total=_("More than {records} match").format(records=format_count(page.total))
            if more
            else format_count(page.total),
            on_page=lambda number: self.load(page=number),
            page_size=page.query.page_size if page.all_records > DEFAULT_PAGE_SIZE else None,
            on_page_size=lambda size: self.load(page_size=size, page=1),
            note=table_times_note() if dated else "",
        )

    async def _filter(self, **changes: Any) -> None:
        await self.load(page=1, **changes)

    def _contest(self) -> None:
        rows = self.shown.page.rows if self.shown else []
        open_statement_dialog(self.principal, self.kind, rows, on_filed=self.load)

    async def _on_request(self, event: Any) -> None:
        """A header was clicked or pressed: sort by it (binary-state-sort: each press flips the direction)."""
        pagination = (event.args or {}).get("pagination", {}) if isinstance(event.args, dict) else {}
        await self.load(sort=pagination.get("sortBy"), descending=pagination.get("descending", True), page=1)
        # The new columns replace the header cells: the focus goes back to the one just pressed, so a keyboard user
        # can press it again to flip the direction; unless the person has moved on meanwhile (the focus is then
        # somewhere, not lost to the page), which must not be taken from them.
        header = json.dumps(f'[data-testid="table-{self.kind.key}"] th[data-col="{self.query.sort}"]')
        ui.run_javascript(
            "setTimeout(() => { const a = document.activeElement;"
            f" if (!a || a === document.body) document.querySelector({header})?.focus() }}, 50)"
        )
