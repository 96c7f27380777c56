"""The record kind specs (portal/categories/kinds.py): each agrees with its model and the catalogue, the registry
refuses specs that do not, and a new kind of record is one spec plus one catalogue entry (and its table): it is
listed, counted, exported and erased without a line of code elsewhere."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import registry as sa_registry
from sqlmodel import Field as Column
from sqlmodel import SQLModel

from portal.catalogue import Catalogue, Field, RecordKind, load_catalogue
from portal.categories import KIND_SPECS, CategoryRegistry, PageQuery, RecordKindSpec, RegistryError
from portal.categories.kinds import PSEUDONYM_COLUMN
from portal.config import ROOT
from portal.db import get_engine, session_scope
from portal.exports import builder
from portal.models.types import UTCDateTime, utc_field

ADA, LINUS = 1, 3


def _catalogue() -> Catalogue:
    return list(load_catalogue(ROOT / "data" / "policy").values())[-1]


def _replace(item: Any, **changes: Any) -> Any:
    """A changed copy of a catalogue object, whether the loader builds dataclasses or pydantic models."""
    return dataclasses.replace(item, **changes) if dataclasses.is_dataclass(item) else item.model_copy(update=changes)


def _catalogue_kinds(catalogue: Catalogue) -> dict[str, tuple[str, RecordKind]]:
    return {kind.key: (category.key, kind) for category in catalogue.categories.values() for kind in category.kinds}


# --- every shipped spec agrees with its model and the catalogue -----------------------------------------------


def test_every_catalogue_kind_has_exactly_one_spec() -> None:
    assert set(KIND_SPECS) == set(_catalogue_kinds(_catalogue()))
    assert all(key == spec.key for key, spec in KIND_SPECS.items())
    assert [key for key, spec in KIND_SPECS.items() if spec.is_account] == ["account"]


@pytest.mark.parametrize("key", list(KIND_SPECS))
def test_a_spec_matches_its_model_and_the_catalogue(key: str) -> None:
    spec = KIND_SPECS[key]
    catalogue = _catalogue()
    category_key, kind = _catalogue_kinds(catalogue)[key]
    category = catalogue.categories[category_key]
    columns = spec.columns.c
    assert spec.problems() == []
    assert [f.key for f in kind.fields if f.key not in columns] == []

    owner = columns[spec.owner]
    if spec.is_account:
        assert owner.primary_key and spec.id_column == spec.owner
    else:  # the owner column points at the account, so the registry's owner filter is the customer's data
        assert [fk.target_fullname for fk in owner.foreign_keys] == ["account.id"]
    assert spec.id_column in columns and columns[spec.id_column].primary_key
    assert spec.changed_at and all(isinstance(columns[name].type, UTCDateTime) for name in spec.changed_at)

    # Pseudonymised exactly when the catalogue keeps the kind after withdrawal; the replaced values are columns.
    retained = category.on_withdrawal.action == "retain_pseudonymised" and key in category.on_withdrawal.retained_kinds
    assert (spec.pseudonymised is not None) == retained
    if retained:
        assert PSEUDONYM_COLUMN in columns and owner.nullable
        assert set(spec.pseudonymised or {}) <= set(columns.keys()) - {spec.owner, PSEUDONYM_COLUMN}

    # Amounts carry their currency: a kind with money fields names its currency column, and a table that has a
    # currency column says so in its spec (or the currency would be missing from the page and the export).
    has_money = any(f.display == "money" for f in kind.fields)
    assert (spec.currency is not None) == has_money == ("currency" in columns)
    assert spec.extra_columns == ((spec.currency,) if spec.currency else ())


# --- the start-up check names the missing piece --------------------------------------------------------------


def _spec(key: str, **changes: Any) -> dict[str, RecordKindSpec]:
    return {**KIND_SPECS, key: dataclasses.replace(KIND_SPECS[key], **changes)}


def test_registry_refuses_a_spec_the_catalogue_does_not_list() -> None:
    extra = {**KIND_SPECS, "fingerprint": RecordKindSpec("fingerprint", KIND_SPECS["cookie"].table)}
    with pytest.raises(RegistryError, match=r"does not list: \['fingerprint'\]"):
        CategoryRegistry(_catalogue(), extra)


def test_registry_refuses_a_spec_that_names_a_missing_column() -> None:
    with pytest.raises(RegistryError, match=r"lacks: \['touched_at'\]"):
        CategoryRegistry(_catalogue(), _spec("usage_event", changed_at=("touched_at",)))
    with pytest.raises(RegistryError, match=r"'order'.*lacks: \['billing_address'\]"):
        CategoryRegistry(_catalogue(), _spec("order", pseudonymised={"billing_address": ""}))
    with pytest.raises(RegistryError, match=r"'payment'.*lacks: \['currency_code'\]"):
        CategoryRegistry(_catalogue(), _spec("payment", currency="currency_code"))


def test_registry_refuses_a_kept_kind_it_cannot_pseudonymise() -> None:
    with pytest.raises(RegistryError, match="'transaction' keeps kind 'payment' pseudonymised"):
        CategoryRegistry(_catalogue(), _spec("payment", pseudonymised=None))
    with pytest.raises(RegistryError, match=f"'cookie' is pseudonymised but Cookie has no {PSEUDONYM_COLUMN}"):
        CategoryRegistry(_catalogue(), _spec("cookie", pseudonymised={}))


# --- a new kind: one spec, one catalogue entry, one table ------------------------------------------------------

# A table of its own metadata, so it never reaches the portal's schema (or the migrations' comparison with it).
_scratch = sa_registry()


class _ScratchModel(SQLModel, registry=_scratch):
    pass


class LoyaltyStamp(_ScratchModel, table=True):
    __tablename__ = "loyalty_stamp"

    id: int | None = Column(default=None, primary_key=True)
    customer_id: int | None = Column(default=None, index=True)
    customer_pseudonym: str | None = Column(default=None, max_length=64)
    stamped_at: datetime = utc_field()
    shop: str = Column(max_length=80)
    value: int
    currency: str = Column(max_length=3)


STAMP_KIND = RecordKind(
    key="loyalty_stamp",
    title="Loyalty stamps",
    default_sort="stamped_at",
    fields=(Field("stamped_at", "Stamped", "datetime"), Field("shop", "Shop"), Field("value", "Value", "money")),
)
STAMP_SPEC = RecordKindSpec(
    "loyalty_stamp",
    LoyaltyStamp,
    changed_at=("stamped_at",),
    currency="currency",
    pseudonymised={"shop": "(shop erased)"},
)


def _with_stamps(catalogue: Catalogue, *, retained: bool) -> Catalogue:
    """The catalogue with the new kind in the transaction category, kept pseudonymised after withdrawal or not."""
    category = catalogue.categories["transaction"]
    kept = tuple(k for k in category.on_withdrawal.retained_kinds if k != STAMP_KIND.key)
    withdrawal = _replace(category.on_withdrawal, retained_kinds=(*kept, STAMP_KIND.key) if retained else kept)
    changed = _replace(category, kinds=(*category.kinds, STAMP_KIND), on_withdrawal=withdrawal)
    return _replace(catalogue, categories={**catalogue.categories, "transaction": changed})


def _stamp_rows() -> list[dict[str, Any]]:
    start = datetime(2026, 9, 1, 9, 30, tzinfo=UTC)
    return [
        {"id": 1, "customer_id": ADA, "stamped_at": start, "shop": "Café Delft", "value": 350, "currency": "EUR"},
        {
            "id": 2,
            "customer_id": ADA,
            "stamped_at": start + timedelta(days=3),
            "shop": "Bakery Leiden",
            "value": 1250,
            "currency": "GBP",
        },
        {
            "id": 3,
            "customer_id": LINUS,
            "stamped_at": start + timedelta(days=1),
            "shop": "Café Delft",
            "value": 90,
            "currency": "EUR",
        },
        {
            "id": 4,
            "customer_id": ADA,
            "stamped_at": start + timedelta(days=5),
            "shop": "Café Gouda",
            "value": 500,
            "currency": "EUR",
        },
    ]


def test_a_new_kind_is_listed_counted_exported_and_erased_from_its_spec_alone(
    portal_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = get_engine()
    _scratch.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(LoyaltyStamp.__table__), _stamp_rows())  # type: ignore[attr-defined]
    catalogue = _with_stamps(_catalogue(), retained=True)
    registry = CategoryRegistry(catalogue, {**KIND_SPECS, STAMP_KIND.key: STAMP_SPEC})

    with session_scope() as session:  # counters: rebuilt from the table, then one record changes in place
        registry.recount(session, customer_id=ADA)
        registry.recount(session, customer_id=LINUS)
    with session_scope() as session:
        registry.touch(session, customer_id=ADA, kind_key=STAMP_KIND.key)
    with session_scope() as session:
        assert registry.count(session, customer_id=ADA, kind_key=STAMP_KIND.key) == 3
        summary = next(
            s for s in registry.summaries(session, customer_id=ADA)["transaction"] if s.kind.key == STAMP_KIND.key
        )
        assert summary.count == 3 and summary.last_changed_at is not None

        # Listing: the catalogue's fields, the record id and the amounts' currency; newest first by default.
        page = registry.list_records(session, customer_id=ADA, kind=STAMP_KIND, query=PageQuery.parse(STAMP_KIND))
        assert [(row["_id"], row["shop"], row["value"], row["_currency"]) for row in page.rows] == [
            (4, "Café Gouda", 500, "EUR"),
            (2, "Bakery Leiden", 1250, "GBP"),
            (1, "Café Delft", 350, "EUR"),
        ]
        assert page.total == 3
        cafes = registry.list_records(
            session, customer_id=ADA, kind=STAMP_KIND, query=PageQuery.parse(STAMP_KIND, text="café", descending=False)
        )
        assert [row["_id"] for row in cafes.rows] == [1, 4]
        assert registry.owns_record(session, customer_id=ADA, kind_key=STAMP_KIND.key, record_id=2)
        assert not registry.owns_record(session, customer_id=ADA, kind_key=STAMP_KIND.key, record_id=3)

    # Export: the builder reads whatever the registry and catalogue say; the new kind reaches every format.
    monkeypatch.setattr(builder, "get_registry", lambda: registry)
    monkeypatch.setattr(builder, "get_catalogue", lambda: catalogue)
    result = builder.build(
        engine,
        directory=tmp_path / "exports",
        customer_id=ADA,
        request_id=4242,
        categories=["transaction"],
        formats=["json", "csv", "html"],
        total_hint=0,
    )
    with zipfile.ZipFile(tmp_path / "exports" / result.file_name) as archive:
        data = json.loads(archive.read("data.json"))
        manifest = json.loads(archive.read("manifest.json"))
        table = list(csv.reader(io.StringIO(archive.read("csv/transaction/loyalty_stamp.csv").decode())))
        report = archive.read("report.html").decode()
    stamps = data["categories"]["transaction"]["records"]["loyalty_stamp"]
    assert [(s["id"], s["shop"], s["value"], s["currency"]) for s in stamps] == [
        (1, "Café Delft", 350, "EUR"),
        (2, "Bakery Leiden", 1250, "GBP"),
        (4, "Café Gouda", 500, "EUR"),
    ]
    assert set(stamps[0]) == {"id", "stamped_at", "shop", "value", "currency"}
    assert stamps[0]["stamped_at"] == "2026-09-01T09:30:00+00:00"
    assert manifest["record_counts"]["loyalty_stamp"] == 3
    assert table[0] == ["id", "stamped_at", "shop", "value"] and len(table) == 4
    assert "<h3>Loyalty stamps</h3>" in report and "Bakery Leiden" in report and "12.50" in report

    # Erasure, kept for the law: unlinked from ada, the named columns replaced; linus's stamp untouched.
    with session_scope() as session:
        result_erase = registry.erase_category(
            session, customer_id=ADA, category_key="transaction", pseudonym="pseudo-ada"
        )
    assert result_erase["loyalty_stamp"] == ("pseudonymised", 3)
    with engine.connect() as connection:
        rows = {row.id: row for row in connection.execute(select(LoyaltyStamp.__table__))}  # type: ignore[attr-defined]
    assert {i: (r.customer_id, r.customer_pseudonym, r.shop) for i, r in rows.items() if i != 3} == {
        i: (None, "pseudo-ada", "(shop erased)") for i in (1, 2, 4)
    }
    assert (rows[3].customer_id, rows[3].customer_pseudonym, rows[3].shop) == (LINUS, None, "Café Delft")

    # Erasure where the catalogue keeps nothing of the kind: deleted, counter gone.
    erasing = CategoryRegistry(_with_stamps(_catalogue(), retained=False), {**KIND_SPECS, STAMP_KIND.key: STAMP_SPEC})
    with session_scope() as session:
        assert erasing.erase_category(session, customer_id=LINUS, category_key="transaction", pseudonym="pseudo-linus")[
            "loyalty_stamp"
        ] == ("erased", 1)
    with session_scope() as session:
        assert erasing.count(session, customer_id=LINUS, kind_key=STAMP_KIND.key) == 0
        assert session.get(LoyaltyStamp, 3) is None
    _scratch.metadata.drop_all(engine)
