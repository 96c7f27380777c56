"""Small badges for a request's status word and its deadline urgency, coloured from one table."""

from __future__ import annotations

from nicegui import ui

from ...i18n import _, pgettext
from ...models import RequestStatus
from ...queue import states
from .testid import tid

# Tailwind pairs chosen for at least 4.5:1 contrast in light and dark mode.
_STATUS_CLASSES = {
    "received": "bg-slate-200 text-slate-900",
    "verifying": "bg-slate-200 text-slate-900",
    "queued": "bg-sky-100 text-sky-900",
    "processing": "bg-blue-700 text-white",
    "completed": "bg-green-700 text-white",
    "rejected": "bg-red-700 text-white",
    "failed": "bg-amber-200 text-amber-950",
    "dead_letter": "bg-red-100 text-red-900",
    "canceled": "bg-gray-500 text-white",
}
_BADGE = "inline-block rounded px-2 py-0.5 text-xs font-semibold whitespace-nowrap"


def status_word(status: str) -> str:
    """The status word as the chip shows it: the stored word in English ("processing"), the reader's word otherwise."""
    words = {
        "received": pgettext("request status", "received"),
        "verifying": pgettext("request status", "verifying"),
        "queued": pgettext("request status", "queued"),
        "processing": pgettext("request status", "processing"),
        "completed": pgettext("request status", "completed"),
        "rejected": pgettext("request status", "rejected"),
        "failed": pgettext("request status", "failed"),
        "dead_letter": pgettext("request status", "dead_letter"),
        "canceled": pgettext("request status", "canceled"),
    }
    return words.get(status, status)


def status_chip(status: str, testid: str = "request-status") -> ui.label:
    """The status word itself (QA reads it; its test id and colour go by the stored word), with the
    customer-friendly label as a tooltip."""
    chip = tid(ui.label(status_word(status)), testid).classes(f"{_BADGE} {_STATUS_CLASSES.get(status, 'bg-gray-200')}")
    try:
        label = _(states.LABELS[RequestStatus(status)])  # marked where it is defined (portal/queue/states.py)
    except ValueError:
        label = status
    chip.props(f'title="{label}"')
    return chip


def due_badge(urgency: str, testid: str) -> None:
    """'overdue' (red) or 'due soon' (amber); nothing when on time."""
    if urgency == "overdue":
        tid(ui.label(_("overdue")), testid).classes(f"{_BADGE} bg-red-700 text-white")
    elif urgency == "due-soon":
        tid(ui.label(_("due soon")), testid).classes(f"{_BADGE} bg-amber-300 text-amber-950")
