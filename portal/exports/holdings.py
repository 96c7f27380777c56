"""What the portal holds about a customer, table by table: the shape of the declarations in `held_tables`, how the
customer's rows of a table are counted, and the check that every table and column is declared.

An export says it is complete (GDPR Art. 15) only if no table can hold data about a customer without the export
knowing: every table of the schema is declared, as a policy category's kind (the registry's specs), as a section of
the portal's own records, or as holding nothing linked to a customer, and every column of a customer's table is
either exported or named as left out, with the reason. `tests/unit/test_export_holdings.py` fails on a table or a
column nobody declared."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, func, select
from sqlmodel import Session, SQLModel

from ..catalogue import RecordKind
from ..categories import RecordKindSpec
from ..i18n import N_
from ..models.types import table_of

# Messages (`N_`): the declarations are English; `completeness` words them in the customer's language.
SECURITY = N_("Left out for security: it would let someone who gets hold of this file act as you.")
STAFF = N_("Which staff member acted is theirs, not yours: they are shown as “staff”.")


@dataclass(frozen=True)
class Via:
    """The table reaches the customer through a parent row: request_event.request_id -> privacy_request.subject_id."""

    column: str
    parent: type[SQLModel]
    parent_owner: str


@dataclass(frozen=True)
class LeftOut:
    """Something of the customer's the export does not hold, and why. Columns left out of every exported row, or
    whole rows: the customer's rows matching `rows_where`, or rows linked to them by another column (`linked_by`)."""

    what: str  # messages marked with N_, translated where the statement is gathered
    why: str
    columns: tuple[str, ...] = ()
    rows_where: Callable[[Table], ColumnElement[bool]] | None = None
    linked_by: str | None = None

    @property
    def counts_rows(self) -> bool:
        return self.rows_where is not None or self.linked_by is not None


@dataclass(frozen=True)
class Holding:
    """One table and what the export does with the customer's rows in it."""

    model: type[SQLModel]
    holds: str  # in words, for the completeness statement (a message marked with N_, or a kind's titles)
    owner: str | None = None  # the column holding the customer's account id
    via: Via | None = None  # or the parent row that holds it
    section: str | None = None  # the portal record section that exports it (`Section.key`)
    kind: str | None = None  # or the policy category's record kind
    exported: tuple[str, ...] = ()  # the columns a section exports (a kind's are its catalogue fields)
    left_out: tuple[LeftOut, ...] = ()
    unlinked: str | None = None  # why the table holds nothing linked to a customer

    @property
    def table(self) -> Table:
        return table_of(self.model)

    @property
    def name(self) -> str:
        return self.table.name


def kind_holding(spec: RecordKindSpec, kind: RecordKind, holds: str, left_out: tuple[LeftOut, ...]) -> Holding:
    exported = (*(f.key for f in kind.fields), *spec.extra_columns)
    return Holding(spec.table, holds, owner=spec.owner, kind=kind.key, exported=exported, left_out=left_out)


def owned(holding: Holding, customer_id: int) -> ColumnElement[bool]:
    """The condition selecting the customer's rows of the holding's table."""
    table = holding.table
    if holding.via is not None:
        parent = table_of(holding.via.parent)
        (key,) = parent.primary_key.columns
        mine = select(key).where(parent.c[holding.via.parent_owner] == customer_id)
        return table.c[holding.via.column].in_(mine.scalar_subquery())
    assert holding.owner is not None, f"{holding.name} is linked to no customer"
    return table.c[holding.owner] == customer_id


def count_rows(session: Session, holding: Holding, customer_id: int) -> int:
    return _count(session, holding.table, owned(holding, customer_id))


def count_left_out(session: Session, holding: Holding, left_out: LeftOut, customer_id: int) -> int | None:
    """How many of the customer's rows a row-level omission leaves out; None when only columns are left out."""
    table = holding.table
    if left_out.linked_by is not None:
        return _count(session, table, table.c[left_out.linked_by] == customer_id)
    if left_out.rows_where is not None:
        return _count(session, table, owned(holding, customer_id) & left_out.rows_where(table))
    return None


def _count(session: Session, table: Table, condition: ColumnElement[bool]) -> int:
    return int(session.execute(select(func.count()).select_from(table).where(condition)).scalar_one())


def undeclared(holdings: list[Holding], tables: Mapping[str, Table]) -> list[str]:
    """What the declarations miss: tables nobody declared (or declared twice), columns neither exported nor left out."""
    problems: list[str] = []
    names = [h.name for h in holdings]
    problems += [
        f"table {name!r} is declared {names.count(name)} times" for name in sorted(set(names)) if names.count(name) > 1
    ]
    problems += [f"table {name!r} is not declared" for name in sorted(set(tables) - set(names))]
    for holding in holdings:
        if holding.unlinked:
            continue
        if (holding.owner is None) == (holding.via is None):
            problems.append(f"table {holding.name!r}: name either its owner column or the parent it is reached through")
        if (holding.section is None) == (holding.kind is None) and holding.exported:
            problems.append(f"table {holding.name!r}: exported columns but no section or kind (or both)")
        columns = set(holding.table.c.keys())
        accounted = {
            *holding.exported,
            *(c for item in holding.left_out for c in item.columns),
            *(c.key for c in holding.table.primary_key.columns),
            *([holding.owner] if holding.owner else []),
            *([holding.via.column] if holding.via else []),
        }
        if missing := sorted(columns - accounted):
            problems.append(f"table {holding.name!r}: columns neither exported nor left out with a reason: {missing}")
        if unknown := sorted(accounted - columns):
            problems.append(f"table {holding.name!r}: declares columns it does not have: {unknown}")
    return problems
