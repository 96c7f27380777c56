"""A section of the export that is not a policy category: what else the portal holds about the customer (consent
history, requests and their timelines, account activity, support sessions, sign-in sessions, notifications...).

The services build the sections, because the words a customer reads (a request's status, an audit event as a
sentence) live there; the builder only writes them, in every format chosen: `data.json` under `portal_records`, one
`csv/portal/<key>.csv` each, and a table in `report.html`. Keys and column keys are English and stable: programs read
them.

A section's title, its sentence and its columns' labels are English messages marked with `N_` where the services
write them (they build the sections before the build knows the customer's language); the writers translate them with
`_` where they are shown, in the language the build runs in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

Batches = Iterable[list[dict[str, Any]]]


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key, and the CSV header in English
    label: str  # the report's column heading, and the CSV header in any other language (a message marked with N_)
    display: str = "text"  # how the report shows it: a catalogue display ("datetime", "bytes", ...) or "text"
    # False for references only a program needs (a record's id that links a statement to its record): the report
    # is for people and shows no internal ids.
    in_report: bool = True
    # For a machine value kept English in data.json and the CSV ("given", "you"): how the report words each value
    # (messages marked with N_). A value it does not list is shown as it is.
    words: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Section:
    key: str  # `portal_records.<key>` in data.json, csv/portal/<key>.csv
    title: str  # a message marked with N_, like `about` and the columns' labels
    about: str  # one sentence for the report: what these records are
    table: str  # the table the section exports (the completeness statement names it)
    columns: tuple[Column, ...]
    # The customer's rows, oldest first, a batch at a time; called once per format, so nothing is held in memory.
    rows: Callable[[Session], Batches]
    time_column: str | None = None  # when a row happened: the report's date range and "most recent" for long lists

    def csv_path(self) -> str:
        return f"csv/portal/{self.key}.csv"


def plain_value(value: Any) -> Any:
    """A value as data.json and the CSV hold it: times as ISO 8601 in UTC, everything else as it is."""
    return value.isoformat() if isinstance(value, datetime) else value
