"""What every format's pass of one export build reads: the customer, the choice, the open session and ZIP, the
portal's other records (sections), and the clock the report speaks in. Built once by `builder`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from ..catalogue import Catalogue, RecordKind
from ..catalogue.display import TimeWords
from ..categories import CategoryRegistry
from .sections import Section
from .zip_entries import Entries

Batch = list[dict[str, Any]]


@dataclass
class BuildContext:
    session: Session
    entries: Entries
    catalogue: Catalogue
    registry: CategoryRegistry
    customer_id: int
    request_id: int
    categories: list[str]
    formats: list[str]
    sections: Sequence[Section]
    generated: datetime
    times: TimeWords
    tick: Callable[[Batch], Batch]  # counts records read and reports progress (which renews the worker's lease)
    record_counts: dict[str, int] = field(default_factory=dict)  # per kind, as written
    section_counts: dict[str, int] = field(default_factory=dict)  # per portal record section, as written

    def kinds(self) -> Iterator[tuple[str, RecordKind]]:
        """The chosen categories' kinds, in policy order, with their category's key."""
        for key in self.categories:
            for kind in self.catalogue.categories[key].kinds:
                yield key, kind

    def batches(self, kind: RecordKind) -> Iterator[Batch]:
        """Every record of a kind, again for each format: reading twice costs less than holding a million rows."""
        for batch in self.registry.iter_records(self.session, customer_id=self.customer_id, kind=kind):
            yield self.tick(batch)

    def section_batches(self, section: Section) -> Iterator[Batch]:
        for batch in section.rows(self.session):
            yield self.tick(batch)

    @staticmethod
    def kind_csv(category: str, kind: RecordKind) -> str:
        return f"csv/{category}/{kind.key}.csv"
