"""The one place that knows how each policy category's records are stored.

The catalogue says what a category means and which fields it shows; this registry maps each of the
catalogue's record kinds to its table through the kind's spec (portal/categories/kinds.py). Viewing,
counting, export and erasure go through it (the bulk reads and writes of the last two are in
`bulk_records`), so a new kind of record is its table (model and migration), one catalogue entry and one
entry in KIND_SPECS.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import String, asc, cast, desc, func, literal, or_, select
from sqlmodel import Session, SQLModel, col

from ..catalogue import Catalogue, Category, RecordKind
from ..models import RecordCount
from ..models.types import table_of, utcnow
from .bulk_records import KindSpan, erase_kinds, erasure_plan, iter_kind_records, kind_span, time_field
from .consistency import RegistryError, check_kinds
from .kinds import KIND_SPECS, RecordKindSpec
from .page_query import PageQuery, RecordPage
from .portal_records import (
    PORTAL_RECORD_SPECS,
    ErasureScope,
    PortalRecordSpec,
    erase_portal_records,
    portal_record_problems,
)

FILTER_COUNT_LIMIT = 1_000  # a text filter's matches are counted up to this many ("more than 1,000 match")


@dataclass(frozen=True)
class KindSummary:
    kind: RecordKind
    count: int
    last_changed_at: datetime | None


class CategoryRegistry:
    def __init__(
        self,
        catalogue: Catalogue,
        specs: Mapping[str, RecordKindSpec] = KIND_SPECS,
        record_specs: Mapping[str, PortalRecordSpec] = PORTAL_RECORD_SPECS,
    ) -> None:
        self.catalogue = catalogue
        self.specs = dict(specs)
        self.record_specs = dict(record_specs)
        check_kinds(catalogue, self.specs)
        problems = portal_record_problems(
            catalogue.portal_records,
            self.record_specs,
            schema=set(SQLModel.metadata.tables),
            kind_tables={spec.columns.name for spec in self.specs.values()},
        )
        if problems:
            raise RegistryError("; ".join(problems))

    def spec(self, kind_key: str) -> RecordKindSpec:
        return self.specs[kind_key]

    def category(self, key: str) -> Category:
        return self.catalogue.categories[key]

    def list_records(self, session: Session, *, customer_id: int, kind: RecordKind, query: PageQuery) -> RecordPage:
        spec = self.specs[kind.key]
        table = spec.table
        owner_column = getattr(table, spec.owner)
        conditions = [owner_column == customer_id]
        start, end = query.time_bounds()
        field = time_field(kind)
        if field is not None and start is not None:
            conditions.append(getattr(table, field) >= start)
        if field is not None and end is not None:
            conditions.append(getattr(table, field) < end)
        if query.text:
            pattern = f"%{_escape_like(query.text.lower())}%"
            conditions.append(
                or_(
                    *(
                        func.lower(cast(getattr(table, f.key), String)).like(pattern, escape="\\")
                        for f in kind.fields
                        if f.display not in ("password_set_on",)
                    )
                )
            )
        statement = select(table).where(*conditions)
        if query.sort:
            column = getattr(table, query.sort)
            id_column = getattr(table, spec.id_column)
            order = desc if query.descending else asc
            ordered = order(column)
            if table_of(table).c[query.sort].nullable:
                # Empty values last in both directions, on every database (SQLite and PostgreSQL disagree by
                # default). Only for nullable columns: NULLS LAST on the indexed timestamps would stop
                # PostgreSQL from reading the index in order.
                ordered = ordered.nulls_last()
            statement = statement.order_by(ordered, order(id_column))
        statement = statement.offset((query.page - 1) * query.page_size).limit(query.page_size)
        rows = [_row(record, kind, spec) for record in session.scalars(statement)]
        everything = self.count(session, customer_id=customer_id, kind_key=kind.key)
        page = RecordPage(kind=kind, rows=rows, total=everything, query=query, all_records=everything)
        if not query.text and not query.dated:
            return page
        # A first page that is not full already is the count.
        if query.page == 1 and len(rows) < query.page_size:
            return replace(page, total=len(rows))
        if not query.text:
            # A date range alone is a range of the (customer, time) index: counted exactly, as fast as a page.
            exact = session.scalars(select(func.count()).select_from(table).where(*conditions)).one()
            return replace(page, total=int(exact))
        # A text filter cannot use an index: counting its matches reads every record of the customer (in the range).
        # Counting stops after FILTER_COUNT_LIMIT + 1 matches ("more than 1,000 match"), so a common word costs a
        # fraction of a scan of a long history.
        matches = select(literal(1)).select_from(table).where(*conditions).limit(FILTER_COUNT_LIMIT + 1).subquery()
        total = int(session.scalars(select(func.count()).select_from(matches)).one())
        return replace(page, total=min(total, FILTER_COUNT_LIMIT), more_than_total=total > FILTER_COUNT_LIMIT)

    def single_record(self, session: Session, *, customer_id: int, kind: RecordKind) -> dict[str, Any] | None:
        spec = self.specs[kind.key]
        statement = select(spec.table).where(getattr(spec.table, spec.owner) == customer_id)
        record = session.scalars(statement).first()
        return _row(record, kind, spec) if record is not None else None

    def count(self, session: Session, *, customer_id: int, kind_key: str) -> int:
        counter = session.get(RecordCount, (customer_id, kind_key))
        return counter.count if counter else 0

    def touch(self, session: Session, *, customer_id: int, kind_key: str) -> None:
        """A record of this kind changed in place (a correction): its counter's last change is now. A counter
        missing for a record just written starts at one."""
        counter = session.get(RecordCount, (customer_id, kind_key)) or RecordCount(
            customer_id=customer_id, kind=kind_key, count=1
        )
        counter.last_changed_at = utcnow()
        session.add(counter)

    def summaries(self, session: Session, *, customer_id: int) -> dict[str, list[KindSummary]]:
        """Per category, each kind's record count and last change, read from the maintained counters."""
        owned = select(RecordCount).where(col(RecordCount.customer_id) == customer_id)
        counters = {c.kind: c for c in session.scalars(owned)}
        result: dict[str, list[KindSummary]] = {}
        for category in self.catalogue.categories.values():
            result[category.key] = [
                KindSummary(
                    kind=kind,
                    count=counters[kind.key].count if kind.key in counters else 0,
                    last_changed_at=counters[kind.key].last_changed_at if kind.key in counters else None,
                )
                for kind in category.kinds
            ]
        return result

    def iter_records(
        self, session: Session, *, customer_id: int, kind: RecordKind, batch: int = 5000
    ) -> Iterator[list[dict[str, Any]]]:
        """Every record of a kind for export, in id order, a batch at a time (memory stays flat).

        Plain Core rows rather than ORM objects: an export reads millions of rows and builds no objects."""
        return iter_kind_records(session, self.specs[kind.key], kind, customer_id=customer_id, batch=batch)

    def span(self, session: Session, *, customer_id: int, kind: RecordKind) -> KindSpan:
        """The customer's record count of a kind, counted rather than read from the counters, and its time range."""
        return kind_span(session, self.specs[kind.key], kind, customer_id=customer_id)

    def owns_record(self, session: Session, *, customer_id: int, kind_key: str, record_id: int) -> bool:
        spec = self.specs[kind_key]
        record = session.get(spec.table, record_id)
        return record is not None and getattr(record, spec.owner) == customer_id

    def erase_category(
        self, session: Session, *, customer_id: int, category_key: str, pseudonym: str
    ) -> dict[str, tuple[str, int]]:
        """Erase one category of a customer's data as the catalogue says: delete, or pseudonymise the
        kinds the law makes us keep. Idempotent: a second run finds nothing left to do."""
        plan = erasure_plan(self.category(category_key))
        return erase_kinds(session, self.specs, plan, customer_id=customer_id, pseudonym=pseudonym)

    def erase_kinds(
        self, session: Session, *, customer_id: int, plan: Mapping[str, str], pseudonym: str
    ) -> dict[str, tuple[str, int]]:
        """Erase or pseudonymise the given kinds (kind key -> "erase" | "pseudonymise"): what withdrawing one
        consent does, by the same mechanism as a whole withdrawal."""
        return erase_kinds(session, self.specs, plan, customer_id=customer_id, pseudonym=pseudonym)

    def erase_portal_records(self, session: Session, scope: ErasureScope) -> dict[str, tuple[str, int]]:
        """The customer's rows outside the categories (requests, notes, sessions, mail...), erased or pseudonymised
        as the catalogue's portal_records say (portal_records.py)."""
        return erase_portal_records(session, self.catalogue.portal_records, self.record_specs, scope)

    def recount(self, session: Session, *, customer_id: int) -> None:
        """Rebuild the counters of one customer from the tables (after bulk loads or repairs)."""
        for kind_key, spec in self.specs.items():
            table = spec.table
            owner_column = getattr(table, spec.owner)
            total = session.scalars(select(func.count()).select_from(table).where(owner_column == customer_id)).one()
            counter = session.get(RecordCount, (customer_id, kind_key)) or RecordCount(
                customer_id=customer_id, kind=kind_key
            )
            counter.count = int(total)
            session.add(counter)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _row(record: Any, kind: RecordKind, spec: RecordKindSpec) -> dict[str, Any]:
    row = {f.key: getattr(record, f.key) for f in kind.fields}
    row["_id"] = getattr(record, spec.id_column)
    if spec.currency:  # money fields need their currency to be shown
        row["_currency"] = getattr(record, spec.currency)
    return row
