"""Reading a customer's rows of one table for an export section: a batch at a time, in time order, each row turned
into the section's record as it is read, so a long history never sits in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, literal, tuple_
from sqlmodel import Session, SQLModel, select

from ....i18n import N_
from ....models.types import table_of

BATCH = 1000
# Who acted ("by": `activity_words.who_acted`), a value programs read (docs/export-schema.json); the report words it.
BY_WORDS = {"you": N_("you"), "staff": N_("staff"), "system": N_("system")}
M = TypeVar("M", bound=SQLModel)
Record = dict[str, Any]


def batched(
    session: Session,
    model: type[M],
    condition: ColumnElement[bool],
    record: Callable[[M], Record],
    *,
    order: Sequence[str] = ("id",),
    batch: int = BATCH,
) -> Iterator[list[Record]]:
    """The rows matching `condition` ordered by `order` (whose last column is unique), as records. Keyset pages:
    each batch starts after the last row of the one before, so batch ten costs what batch one did."""
    table = table_of(model)
    columns = [table.c[name] for name in order]
    last: tuple[Any, ...] | None = None
    while True:
        statement = select(model).where(condition)
        if last is not None:
            after = tuple_(*(literal(value, type_=column.type) for value, column in zip(last, columns, strict=True)))
            statement = statement.where(tuple_(*columns) > after)
        rows = session.exec(statement.order_by(*columns).limit(batch)).all()
        if not rows:
            return
        last = tuple(getattr(rows[-1], name) for name in order)
        records = [record(row) for row in rows]
        for row in rows:  # the build's session lives as long as the build: hold no objects in it
            session.expunge(row)
        yield records
        if len(rows) < batch:
            return


def plain_words(key: str) -> str:
    """A stored key nobody gave words yet, readable: "email_change_stopped" -> "email change stopped"."""
    return key.replace("_", " ")
