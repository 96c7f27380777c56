"""The words the queue itself writes into a request's timeline, outcome and last error, and how a reader gets them
in their own language.

They are stored in English, once: the customer and the staff members who read one request may each read another
language, and the rows of a timeline never change. The templates below are the English text as written (marked
with `N_`, so the catalogues hold them); `in_words(text)` turns a stored text back into the reader's language
where it is shown. A text that is not one of these (a reason someone typed, a handler's outcome) comes back as
it is."""

from __future__ import annotations

import re
from datetime import datetime, time
from functools import cache

from ..i18n import N_, _, ngettext
from ..i18n.context import current_time_zone
from ..i18n.formats import format_date
from .registry import all_types

APPROVED = N_("Approved by the privacy officer")
RETRIED = N_("Retried by staff")
UNASSIGNED = N_("Unassigned")
CANCELED_BY_CUSTOMER = N_("Canceled by you")
OUT_OF_ATTEMPTS = N_("out of attempts")
RECEIVED = N_("{title} received")
REJECTED = N_("Rejected: {reason}")
CANCELED = N_("Canceled: {reason}")
EXTENDED = N_("Deadline extended to {date}: {reason}")
ASSIGNED = N_("Assigned to account {account}")
PROCESSING = N_("Processing (attempt {attempt})")
RETRYING = N_("Attempt {attempt} failed; retrying at {time} UTC")
# Stored as it always was ("after 1 attempts" too); shown with the reader's plural forms (`in_words`), so marked
# there, as an ngettext call, rather than here.
GAVE_UP = "Gave up after {count} attempts; a staff member will look at it"

_FIXED = (APPROVED, RETRIED, UNASSIGNED, CANCELED_BY_CUSTOMER, OUT_OF_ATTEMPTS)
_TEMPLATES = (RECEIVED, REJECTED, CANCELED, EXTENDED, ASSIGNED, PROCESSING, RETRYING, GAVE_UP)
# What each placeholder may match in a stored text: the digits and dates the queue writes, any reason at all.
_FIELDS = {
    "title": r"[^\n]+?",
    "reason": r".*",
    "date": r"\d{4}-\d{2}-\d{2}",
    "time": r"\d{2}:\d{2}:\d{2}",
    "account": r"\d+",
    "attempt": r"\d+",
    "count": r"\d+",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)  # text, name, text, name, ..., text
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>{_FIELDS[part]})" for index, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


def in_words(text: str | None) -> str:
    """A text the queue stored, in the reader's language: "Approved by the privacy officer" -> "Von der
    Datenschutzbeauftragten genehmigt". A handler's outcome written in English (its customer had chosen no language)
    is a whole message of the catalogue: translated too. A reason someone typed comes back as it is."""
    if not text:
        return text or ""
    if text in _FIXED:
        return _(text)
    for template in _TEMPLATES:
        found = _pattern(template).fullmatch(text)
        if found is not None:
            shown = _shown(template, found.groupdict())
            if shown is not None:
                return shown
    return _(text)


def _shown(template: str, values: dict[str, str]) -> str | None:
    if "title" in values:
        if values["title"] not in {t.title for t in all_types()}:
            return None  # not a request type's name: someone's own words that happen to end in " received"
        values["title"] = _(values["title"])
    if "date" in values:
        values["date"] = _day(values["date"])
    if template == GAVE_UP:
        count = int(values["count"])
        return ngettext(
            "Gave up after {count} attempts; a staff member will look at it",
            "Gave up after {count} attempts; a staff member will look at it",
            count,
        ).format(**values)
    return _(template).format(**values)


def _day(stored: str) -> str:
    """A stored calendar day ("2026-07-10") in the reader's date format; the same day in every time zone."""
    try:
        day = datetime.strptime(stored, "%Y-%m-%d").date()
    except ValueError:
        return stored
    return format_date(datetime.combine(day, time(12), tzinfo=current_time_zone()))
