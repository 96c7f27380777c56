"""A dense HTML table (Quasar's markup table) whose every cell is an element, so cells can carry test ids,
links and badges; plus the pager the staff tables share. Sorting and paging happen in the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from . import tones
from .testid import tid


class DenseTable:
    """Build with headers, then `with table.row(...)` and `with table.cell()` for each row and cell."""

    def __init__(self, headers: list[str], *, testid: str, caption: str) -> None:
        self.container = (
            tid(ui.element("q-markup-table"), testid)
            .props("dense flat bordered wrap-cells separator=horizontal")
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

    @staticmethod
    def link(text: str, target: str, testid: str) -> ui.link:
        """A link inside a clickable row: it navigates itself, so the row's handler must not fire as well."""
        return tid(ui.link(text, target), testid).on("click", js_handler="(e) => e.stopPropagation()")

    @staticmethod
    def cell(testid: str | None = None, classes: str = "") -> ui.element:
        cell = ui.element("td").classes("text-left align-top " + classes)
        return tid(cell, testid) if testid else cell


def pager(page: int, pages: int, total: int, noun: str, on_page: Callable[[int], Awaitable[None]], prefix: str) -> None:
    """Total, previous/next buttons and 'Page x of y'; `noun` is plural ("requests"); `prefix` names the test
    ids (`<prefix>-total`, `<prefix>-prev`, `<prefix>-page`, `<prefix>-next`)."""
    with ui.row().classes("w-full items-center gap-2 text-sm"):
        tid(ui.label(f"{total:,} {noun if total != 1 else noun.removesuffix('s')}"), f"{prefix}-total")
        ui.space()
        tid(ui.button(icon="chevron_left", on_click=lambda: on_page(page - 1), color=None), f"{prefix}-prev").props(
            'flat dense aria-label="Previous page"'
        ).classes(tones.QUIET).set_enabled(page > 1)
        tid(ui.label(f"Page {page} of {pages:,}"), f"{prefix}-page")
        tid(ui.button(icon="chevron_right", on_click=lambda: on_page(page + 1), color=None), f"{prefix}-next").props(
            'flat dense aria-label="Next page"'
        ).classes(tones.QUIET).set_enabled(page < pages)
