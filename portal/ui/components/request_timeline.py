"""A request's timeline, oldest first: when, what happened and by whom; staff also see which entries are internal
(the customer's timeline never holds those)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from ...i18n import _
from ...services.views.requests_view import TimelineEntry
from .. import theme
from ..formatting import format_datetime
from .testid import data, tid

_SMALL_MUTED = "text-xs text-gray-600 dark:text-gray-300"


class request_timeline(ui.card):
    """`by(entry)` says who did it, as this reader should see it (the entry's own `by` unless told otherwise);
    `title` comes translated."""

    def __init__(
        self, entries: list[TimelineEntry], *, title: str, by: Callable[[TimelineEntry], str] = lambda entry: entry.by
    ) -> None:
        super().__init__()
        tid(self, "request-timeline").classes(theme.CARD)
        with self:
            ui.label(title).classes(theme.SUBHEADING)
            with ui.element("ol").classes("w-full flex flex-col gap-2"):
                for entry in entries:
                    with tid(ui.element("li"), "request-event").classes("flex flex-nowrap gap-3 items-baseline"):
                        ui.label(format_datetime(entry.at)).classes(f"{_SMALL_MUTED} w-36 shrink-0")
                        if entry.internal:
                            tid(ui.label(_("internal")), "request-event-internal").classes(
                                "text-xs font-semibold rounded px-1 bg-amber-200 text-amber-950 shrink-0"
                            )
                        ui.label(entry.text).classes("text-sm grow break-words min-w-0")
                        data(ui.label(by(entry))).classes(f"{_SMALL_MUTED} shrink-0")  # a person's name
