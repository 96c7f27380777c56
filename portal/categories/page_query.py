"""What a table asks the registry for (one page: sort, text filter, date range) and what it gets back.

Apart from the registry because the rules for turning a browser's raw values into a query are their own concern:
garbage in, sensible defaults out. A bad page number or an unknown column is nothing a customer can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ..catalogue import RecordKind
from .bulk_records import time_field

MAX_PAGE_SIZE = 100
MAX_FILTER_LENGTH = 100
DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class PageQuery:
    """A validated request for one page of records. Build it with `PageQuery.parse` from raw input."""

    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    sort: str | None = None
    descending: bool = True
    text: str = ""
    # Whole days in UTC, both included; only for kinds with a time field (`time_field`), else always None.
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(
        cls,
        kind: RecordKind,
        *,
        page: Any = 1,
        page_size: Any = DEFAULT_PAGE_SIZE,
        sort: Any = None,
        descending: Any = True,
        text: Any = "",
        since: Any = None,
        until: Any = None,
    ) -> PageQuery:
        """Garbage in, sensible defaults out: a bad page number or an unknown sort column is not an error
        a customer can do anything about, so it falls back rather than fails."""

        def _positive(value: Any, default: int, upper: int) -> int:
            try:
                number = int(value)
            except (TypeError, ValueError, OverflowError):
                return default
            return min(max(number, 1), upper)

        fields = {f.key for f in kind.fields}
        chosen_sort = sort if isinstance(sort, str) and sort in fields else kind.default_sort
        clean_text = text if isinstance(text, str) else ""
        clean_text = "".join(ch for ch in clean_text if ch.isprintable())[:MAX_FILTER_LENGTH].strip()
        first, last = (_day(since), _day(until)) if time_field(kind) else (None, None)
        if first and last and first > last:  # "from the 20th to the 10th" means the days between them
            first, last = last, first
        return cls(
            page=_positive(page, 1, 10_000_000),
            page_size=_positive(page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
            sort=chosen_sort,
            descending=descending not in (False, "false", "0", 0, "asc"),
            text=clean_text,
            since=first,
            until=last,
        )

    @property
    def dated(self) -> bool:
        return self.since is not None or self.until is not None

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date range as [start, end) in UTC: the first day from midnight, the last day until its end."""
        start = datetime.combine(self.since, time.min, tzinfo=UTC) if self.since else None
        end = datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=UTC) if self.until else None
        return start, end


@dataclass(frozen=True)
class RecordPage:
    kind: RecordKind
    rows: list[dict[str, Any]]
    total: int
    query: PageQuery
    more_than_total: bool = False  # a text filter matched more than `total` (FILTER_COUNT_LIMIT) records
    all_records: int = 0  # how many records of the kind the customer has, whatever the filters

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))


def _day(value: Any) -> date | None:
    """A day from a date, a datetime or "YYYY-MM-DD" text (what a date input sends); anything else: no bound."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None
