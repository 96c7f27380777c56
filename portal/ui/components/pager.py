"""The one pager every table shares: the total, the rows per page (where the table offers a choice), previous and
next, "Page P of N" and, once there are pages enough to get lost in, a box to jump to a page. A table of one page
shows only its total. Test ids from
`prefix`: `<prefix>-total`, `-page-size`, `-prev`, `-page`, `-next`, `-goto`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ...i18n import _
from ...i18n.formats import format_number
from . import tones
from .choice import dressed
from .testid import tid

PAGE_SIZES = [10, 25, 50, 100]
GOTO_FROM_PAGES = 3  # two pages are one click apart; from three on, typing a number saves clicks


def pager(
    prefix: str,
    *,
    page: int,
    pages: int,
    total: str,
    on_page: Callable[[int], Awaitable[None]],
    more: bool = False,
    page_size: int | None = None,
    on_page_size: Callable[[int], Awaitable[None]] | None = None,
    note: str = "",
) -> None:
    """`total` is the text of the count ("40 records"); `more`: there are more pages than `pages` (a capped count:
    "Page 1 of 40+"); `page_size`/`on_page_size` offer the rows-per-page choice; `note` a quiet remark beside the
    total ("Times are in UTC.")."""
    with ui.row().classes("w-full items-center gap-x-2 gap-y-1 text-sm"):
        tid(ui.label(total), f"{prefix}-total")
        if note:
            ui.label(note).classes("text-xs text-gray-600 dark:text-gray-300")
        ui.space()
        if page_size is not None and on_page_size is not None:
            dressed(
                ui.select(
                    PAGE_SIZES, value=page_size, label=_("Rows per page"), on_change=lambda e: on_page_size(e.value)
                ),
                f"{prefix}-page-size",
                "dense outlined options-dense",
                "w-32",
            )
        if pages <= 1 and not more:  # one page: "Page 1 of 1" and two dead buttons say nothing
            return
        previous, following = _("Previous page"), _("Next page")
        tid(ui.button(icon="chevron_left", on_click=lambda: on_page(page - 1), color=None), f"{prefix}-prev").props(
            f'flat dense aria-label="{previous}"'
        ).classes(tones.QUIET).set_enabled(page > 1)
        of = _("Page {page} of {pages}+") if more else _("Page {page} of {pages}")
        tid(ui.label(of.format(page=format_number(page), pages=format_number(pages))), f"{prefix}-page").classes(
            "whitespace-nowrap"
        )
        tid(ui.button(icon="chevron_right", on_click=lambda: on_page(page + 1), color=None), f"{prefix}-next").props(
            f'flat dense aria-label="{following}"'
        ).classes(tones.QUIET).set_enabled(page < pages)
        if pages >= GOTO_FROM_PAGES:
            _goto(prefix, page, pages, on_page)


def _goto(prefix: str, page: int, pages: int, on_page: Callable[[int], Awaitable[None]]) -> None:
    """Enter (or leaving the box) goes to the page typed; a number past the end goes to the last page."""
    box = tid(ui.number(_("Go to page"), min=1, max=pages, precision=0, format="%d"), f"{prefix}-goto")
    box.props("dense outlined hide-bottom-space").classes("w-28")

    async def _go(_: Any = None) -> None:
        try:
            wanted = int(box.value)
        except (TypeError, ValueError, OverflowError):
            return
        wanted = min(max(wanted, 1), pages)
        if wanted != page:
            await on_page(wanted)

    box.on("keydown.enter", _go)
    box.on("blur", _go)
