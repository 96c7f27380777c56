"""One page of rows in a card: a skeleton until the first page arrives, a line when nothing matches, otherwise a
dense table of the page's rows, and the pager below. The page that uses it owns the loading (filters, refusals)
and hands each page over with `show`; paging and sorting happen in the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ...services.views.paging import Page
from .. import theme
from .dense_table import DenseTable
from .pager import pager
from .testid import tid


class paged_table(ui.card):
    """Test ids from `prefix`: `<prefix>-table`, `<prefix>-empty` and the pager's `<prefix>-total`, `-prev`,
    `-page`, `-next`, `-goto` (pager.py); the card itself is `testid`. `row(table, item)` adds one row for each item
    of the page. Headers, caption and `empty` come translated. The total: `count_words(n)`, the count in words in
    the reader's language (`lambda n: format_count(n, "{count} event", "{count} events")`)."""

    def __init__(
        self,
        headers: list[str],
        *,
        testid: str,
        prefix: str,
        caption: str,
        empty: str,
        row: Callable[[DenseTable, Any], None],
        on_page: Callable[[int], Awaitable[None]],
        count_words: Callable[[int], str],
    ) -> None:
        super().__init__()
        tid(self, testid).classes(theme.CARD)
        self._headers, self._prefix, self._caption, self._empty = headers, prefix, caption, empty
        self._row, self._on_page, self._count_words = row, on_page, count_words
        self.page: Page | None = None
        with self:
            self._content()

    def show(self, page: Page | None) -> None:
        """Show this page of rows (None, while the app shuts down: the skeleton again)."""
        self.page = page
        self._content.refresh()

    @ui.refreshable_method
    def _content(self) -> None:
        page = self.page
        if page is None:
            ui.skeleton().classes("w-full h-32")
            return
        if not page.rows:
            tid(ui.label(self._empty), f"{self._prefix}-empty").classes(theme.MUTED)
        else:
            table = DenseTable(self._headers, testid=f"{self._prefix}-table", caption=self._caption)
            for item in page.rows:
                self._row(table, item)
        total = self._count_words(page.total)
        pager(self._prefix, page=page.page, pages=page.pages, total=total, on_page=self._on_page)
