"""A dense HTML table (Quasar's markup table) whose every cell is an element, so cells can carry test ids,
links and badges. Sorting and paging happen in the database; the pager is `pager.py`.

One line per row: cells do not wrap (a time broken over four lines made an audit row 90 px tall), and a table wider
than its card scrolls sideways inside the card (Quasar's markup table scrolls its own overflow), never the page. A
cell of free text opts into wrapping with `WRAP`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from nicegui import ui

from . import text_block
from .testid import tid

# For a cell of free text (details, subjects, messages): it may wrap, but never narrower than a readable line.
WRAP = "whitespace-normal min-w-[16rem] max-w-[32rem]"


class DenseTable:
    """Build with headers, then `with table.row(...)` and `with table.cell()` for each row and cell."""

    def __init__(self, headers: list[str], *, testid: str, caption: str) -> None:
        self.container = (
            tid(ui.element("q-markup-table"), testid)
            # It scrolls sideways when wider than its card: a tab stop, so a keyboard can scroll it too.
            .props(f'dense flat bordered separator=horizontal tabindex="0" role="region" aria-label="{caption}"')
            .classes("w-full")
        )
        with self.container:
            with ui.element("caption").classes("sr-only"):
                ui.label(caption)
            with ui.element("thead"), ui.element("tr"):
                for header in headers:
                    with ui.element("th").props('scope="col"').classes("text-left"):
                        ui.label(header)
            self.body = ui.element("tbody")

    def row(self, testid: str, on_click: Callable[[], object] | None = None) -> ui.element:
        with self.body:
            row = tid(ui.element("tr"), testid)
        if on_click is not None:
            row.classes("cursor-pointer hover:bg-blue-50 dark:hover:bg-slate-800").on("click", on_click)
        return row

    def text_row(self, testid: str, texts: Iterable[str]) -> ui.html:
        """A row of plain text cells (no link, badge, handler or test id in them) as one element, not a cell and a
        label each: the markup `row` and `cell` give, for a fraction of the server's time (text_block)."""
        cells = "".join(f'<td class="text-left align-top">{text_block.label(text)}</td>' for text in texts)
        with self.body:
            return tid(ui.html(cells, sanitize=False, tag="tr"), testid)

    @staticmethod
    def link(text: str, target: str, testid: str) -> ui.link:
        """A link inside a clickable row: it navigates itself, so the row's handler must not fire as well."""
        return tid(ui.link(text, target), testid).on("click", js_handler="(e) => e.stopPropagation()")

    @staticmethod
    def cell(testid: str | None = None, classes: str = "") -> ui.element:
        cell = ui.element("td").classes("text-left align-top " + classes)
        return tid(cell, testid) if testid else cell
