"""The bulk side of the category registry: reading every record of a kind for an export, and erasing or
pseudonymising a customer's category on withdrawal.

Apart from `registry` (listing a page, counting, the schema checks) because these run over whole tables with
Core statements instead of ORM objects, and have their own concerns: flat memory over millions of rows, and
what the law makes us keep.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, delete, func, select, type_coerce, update
from sqlmodel import Session, col

from ..catalogue import Category, RecordKind
from ..models import RecordCount
from ..models.types import UTCDateTime
from .kinds import RecordKindSpec


def iter_kind_records(
    session: Session, spec: RecordKindSpec, kind: RecordKind, *, customer_id: int, batch: int = 5000
) -> Iterator[list[dict[str, Any]]]:
    """Every record of a kind for export, in id order, a batch at a time (see `CategoryRegistry.iter_records`)."""
    table = spec.columns
    key_column = table.c[spec.id_column]
    columns = [
        key_column.label("id"),
        *(table.c[f.key] for f in kind.fields),
        *(table.c[name] for name in spec.extra_columns),
    ]
    owner_column = table.c[spec.owner]
    names = [column.key for column in columns]
    stamps = [i for i, column in enumerate(columns) if isinstance(column.type, UTCDateTime)]
    raw_sqlite = session.get_bind().dialect.name == "sqlite"
    if raw_sqlite:  # read SQLite's stored UTC text as is: parsing a million datetimes costs more than the query
        columns = [
            type_coerce(column, String).label(column.key) if i in stamps else column for i, column in enumerate(columns)
        ]
    last_id = None
    while True:
        statement = select(*columns).where(owner_column == customer_id)
        if last_id is not None:
            statement = statement.where(key_column > last_id)
        rows = session.execute(statement.order_by(key_column).limit(batch)).all()
        if not rows:
            return
        last_id = rows[-1][0]
        records = []
        for row in rows:  # plain tuples and one dict per record: this loop runs a million times
            values = list(row)
            for index in stamps:
                if values[index] is not None:
                    values[index] = _sqlite_iso(values[index]) if raw_sqlite else values[index].isoformat()
            records.append(dict(zip(names, values, strict=True)))
        yield records
        if len(rows) < batch:
            return


def erasure_plan(category: Category) -> dict[str, str]:
    """What withdrawal does to each kind of `category`: "pseudonymise" the kinds the law makes us keep, else "erase"."""
    withdrawal = category.on_withdrawal
    retained = set(withdrawal.retained_kinds) if withdrawal.action == "retain_pseudonymised" else set()
    return {kind.key: "pseudonymise" if kind.key in retained else "erase" for kind in category.kinds}


@dataclass(frozen=True)
class KindSpan:
    """How many records of a kind a customer has, and the first and last time one happened (by `time_field`)."""

    count: int
    time_field: str | None
    first: datetime | None
    last: datetime | None


def time_field(kind: RecordKind) -> str | None:
    """The field that says when a record happened: the kind's default sort if it is a time, else its first time."""
    times = [f.key for f in kind.fields if f.display == "datetime"]
    return kind.default_sort if kind.default_sort in times else (times[0] if times else None)


def kind_span(session: Session, spec: RecordKindSpec, kind: RecordKind, *, customer_id: int) -> KindSpan:
    """One indexed read (count, min, max), so a report can summarise a million records without reading them."""
    table = spec.columns
    field = time_field(kind)
    owned = table.c[spec.owner] == customer_id
    if field is None:
        return KindSpan(int(session.execute(select(func.count()).where(owned)).scalar_one()), None, None, None)
    column = table.c[field]
    count, first, last = session.execute(select(func.count(), func.min(column), func.max(column)).where(owned)).one()
    return KindSpan(int(count), field, first, last)


def erase_kinds(
    session: Session, specs: Mapping[str, RecordKindSpec], plan: Mapping[str, str], *, customer_id: int, pseudonym: str
) -> dict[str, tuple[str, int]]:
    """Delete or pseudonymise each kind of the plan (kind key -> "erase" | "pseudonymise") for one customer, and
    drop its counter. Idempotent: a second run finds nothing left to do."""
    result: dict[str, tuple[str, int]] = {}
    for kind_key, action in plan.items():
        spec = specs[kind_key]
        if spec.is_account:  # the account row goes last, once every category is erased
            continue
        table = spec.table
        owner_column = getattr(table, spec.owner)
        if action == "pseudonymise":
            values = spec.pseudonymise_values(pseudonym)
            changed = session.exec(update(table).where(owner_column == customer_id).values(**values)).rowcount
            result[kind_key] = ("pseudonymised", int(changed or 0))
        else:
            removed = session.exec(delete(table).where(owner_column == customer_id)).rowcount
            result[kind_key] = ("erased", int(removed or 0))
        session.exec(
            delete(RecordCount).where(
                col(RecordCount.customer_id) == customer_id,
                col(RecordCount.kind) == kind_key,
            )
        )
    return result


def _sqlite_iso(stored: str) -> str:
    """'2026-10-01 12:00:00.000000' (how UTC is stored on SQLite) as datetime.isoformat() writes it."""
    day, _, clock = stored.partition(" ")
    if clock.endswith(".000000"):
        clock = clock[:-7]
    return f"{day}T{clock}+00:00"
