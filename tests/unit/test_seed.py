"""The deterministic demo seed: identical after every reset, the volumes the QA contract promises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from portal.catalogue import get_catalogue
from portal.categories import KIND_SPECS
from portal.config import get_settings
from portal.db import get_engine
from portal.exports import files
from portal.seed.demo import add_usage_customer, seed_demo
from portal.services.identity import passwords

CUSTOMERS = {1: "ada@example.com", 2: "grace@example.com", 3: "linus@example.com", 4: "margaret@example.com"}
STAFF = {5: "agent@example.com", 6: "dpo@example.com"}
DEMO_PASSWORD = "demo-password"


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every portal table, raw as the driver returns it, in primary-key order."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        for table in SQLModel.metadata.sorted_tables:
            order = ", ".join(quote(column.name) for column in table.primary_key.columns)
            # linus's support grant runs for 7 days from the moment of seeding: its times are the one
            # demo value that is not fixed, so they are left out of the comparison.
            names = [
                c.name
                for c in table.columns
                if not (table.name == "support_grant" and c.name in ("created_at", "expires_at"))
            ]
            columns = ", ".join(quote(n) for n in names)
            rows = connection.exec_driver_sql(f"SELECT {columns} FROM {quote(table.name)} ORDER BY {order}").all()
            dump[table.name] = [tuple(row) for row in rows]
    return dump


def _count(engine: Engine, kind_key: str, customer_id: int) -> int:
    table, owner = KIND_SPECS[kind_key].table, KIND_SPECS[kind_key].owner
    with engine.connect() as connection:
        statement = select(func.count()).select_from(table).where(getattr(table, owner) == customer_id)
        return int(connection.execute(statement).scalar_one())


def test_reset_twice_gives_identical_data(empty_env: Path) -> None:
    engine = get_engine()
    seed_demo(engine=engine, reset=True)
    first = _dump(engine)
    seed_demo(engine=engine, reset=True)
    second = _dump(engine)
    assert list(first) == list(second)
    for name in first:
        assert first[name] == second[name], f"table {name} differs after a second reset"
    assert len(first["usage_event"]) == 40 + 50_000 + 30 + 25
    assert [row[0] for row in first["account"]] == [1, 2, 3, 4, 5, 6]


def test_reset_restores_the_demo_state_after_changes(empty_env: Path) -> None:
    engine = get_engine()
    seed_demo(engine=engine, reset=True)
    pristine = _dump(engine)
    add_usage_customer(engine=engine, email="extra@bench.example", usage_events=10)
    usage: Table = SQLModel.metadata.tables["usage_event"]
    with engine.begin() as connection:
        connection.execute(usage.delete().where(usage.c.customer_id == 1))
    assert _dump(engine) != pristine
    seed_demo(engine=engine, reset=True)
    assert _dump(engine) == pristine


def test_reset_leaves_no_export_file_behind_but_the_one_a_build_is_writing(portal_env: Path) -> None:
    """The packages go with every other row, and so do their ZIPs, a partial file a killed build left behind and
    anything else in the export directory; a build still running (the portal may be up) keeps its file."""
    directory = get_settings().export_dir
    directory.mkdir(parents=True)
    for name in (files.final_name(1), files.partial_name(files.final_name(2)), "stray.zip"):
        (directory / name).write_bytes(b"PK\x03\x04 Ada Lovelace, 12 St James's Square")
    running = directory / files.partial_name(files.final_name(3))
    with files.building(running):
        seed_demo(engine=get_engine(), reset=True)
        assert [path.name for path in directory.iterdir()] == [running.name]


def test_seed_without_reset_on_a_seeded_database_changes_nothing(portal_env: Path) -> None:
    engine = get_engine()  # portal_env is a copy of a database seed_demo filled
    before = _dump(engine)
    seed_demo(engine=engine)
    seed_demo(engine=engine, reset=False)
    assert _dump(engine) == before


def test_grace_has_the_large_history(portal_env: Path) -> None:
    engine = get_engine()
    assert _count(engine, "usage_event", 2) >= 50_000
    technical = sum(_count(engine, kind, 2) for kind in ("device", "access_log", "cookie"))
    assert technical >= 5_000


def test_every_customer_has_records_in_every_category_and_staff_have_none(portal_env: Path) -> None:
    engine = get_engine()
    catalogue = get_catalogue()
    for customer_id in CUSTOMERS:
        for category in catalogue.categories.values():
            total = sum(_count(engine, kind.key, customer_id) for kind in category.kinds)
            assert total >= 1, f"customer {customer_id} has no {category.key} records"
    for staff_id in STAFF:
        for kind_key in KIND_SPECS:
            if kind_key == "account":
                continue  # their own sign-in account is not customer data
            assert _count(engine, kind_key, staff_id) == 0, f"staff {staff_id} has {kind_key} records"
    record_count: Table = SQLModel.metadata.tables["record_count"]
    with engine.connect() as connection:
        staff_counters = connection.execute(
            select(func.count()).select_from(record_count).where(record_count.c.customer_id.in_(list(STAFF)))
        ).scalar_one()
    assert staff_counters == 0


def test_counters_match_the_tables(portal_env: Path) -> None:
    engine = get_engine()
    record_count: Table = SQLModel.metadata.tables["record_count"]
    with engine.connect() as connection:
        counters = {(row.customer_id, row.kind): row.count for row in connection.execute(select(record_count))}
    assert set(counters) == {(c, k) for c in CUSTOMERS for k in KIND_SPECS}
    for (customer_id, kind_key), count in counters.items():
        assert count == _count(engine, kind_key, customer_id), (customer_id, kind_key)


def test_accounts_have_the_demo_password_and_roles(portal_env: Path) -> None:
    engine = get_engine()
    account: Table = SQLModel.metadata.tables["account"]
    with engine.connect() as connection:
        rows = {row.id: row for row in connection.execute(select(account))}
    assert {i: r.email for i, r in rows.items()} == {**CUSTOMERS, **STAFF}
    assert {r.role for i, r in rows.items() if i in CUSTOMERS} == {"customer"}
    assert (rows[5].role, rows[6].role) == ("agent", "dpo")
    for row in rows.values():
        assert passwords.verify_password(row.password_hash, DEMO_PASSWORD)


def test_usage_customer_is_replaced_not_duplicated(portal_env: Path) -> None:
    engine = get_engine()
    first = add_usage_customer(engine=engine, email="Bench.User@Example.com", usage_events=120)
    assert _count(engine, "usage_event", first) == 120
    assert _count(engine, "identity_profile", first) == 1
    second = add_usage_customer(engine=engine, email="bench.user@example.com", usage_events=7)
    assert second != first and second > 6
    assert _count(engine, "usage_event", first) == 0 and _count(engine, "account", first) == 0
    assert _count(engine, "usage_event", second) == 7
    account: Table = SQLModel.metadata.tables["account"]
    with engine.connect() as connection:
        row = connection.execute(select(account).where(account.c.id == second)).one()
    assert row.email == "bench.user@example.com" and row.role == "customer"
    assert passwords.verify_password(row.password_hash, DEMO_PASSWORD)
    for customer_id in CUSTOMERS:  # the demo customers are untouched
        assert _count(engine, "usage_event", customer_id) in (40, 50_000, 30, 25)
