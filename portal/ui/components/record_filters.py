"""The filters above a record table: text over every column and, for kinds that have a time, a date range.

Built once beside the table (never inside a refreshed part of it): a filter rebuilt while someone types in it
would lose the focus. Test ids `table-<kind>-filter`, `-since` and `-until`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ...i18n import _, pgettext
from .testid import tid


def record_filters(key: str, *, dated: bool, on_change: Callable[..., Awaitable[None]]) -> ui.row:
    """`on_change(text=…)`, `on_change(since=…)` or `on_change(until=…)` as the customer changes one."""
    with ui.row().classes("w-full items-center gap-2") as row:
        tid(ui.input(_("Filter"), on_change=lambda e: on_change(text=e.value or "")), f"table-{key}-filter").props(
            "dense outlined clearable debounce=300"
        ).classes("w-64")
        if dated:
            # stack-label: a date box always shows its own placeholder (dd/mm/yyyy), which a label inside would cover.
            for bound, label in (("since", pgettext("date range", "From")), ("until", pgettext("date range", "To"))):
                tid(ui.input(label, on_change=_relay(on_change, bound)), f"table-{key}-{bound}").props(
                    "type=date dense outlined clearable stack-label"
                ).classes("w-44")
    return row


def _relay(on_change: Callable[..., Awaitable[None]], bound: str) -> Callable[[Any], Awaitable[None]]:
    async def _changed(event: Any) -> None:
        await on_change(**{bound: event.value or None})

    return _changed
