"""Schema migrations on SQLite and PostgreSQL: a complete schema, idempotent upgrades, seed and registry.

The PostgreSQL cases run against PORTAL_TEST_POSTGRES_URL (default: the local `test` database), each in a
fresh schema of its own, and are skipped with the reason when the server cannot be reached.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from portal.app import prepare_database
from portal.catalogue import load_catalogue
from portal.categories import KIND_SPECS, CategoryRegistry, PageQuery
from portal.config import ROOT, get_settings
from portal.db import get_engine, make_engine, migrate, schema_revision
from portal.models import Account, Role
from portal.seed.demo import seed_demo
from tests.utils.environment import reset_portal_caches, use_data_dir
from tests.utils.postgres import configured_postgres_url, describe, postgres_schema_engine, postgres_url

ADA, GRACE = 1, 2


@pytest.fixture(autouse=True)
def _settings_in_tmp(tmp_path: Path) -> Iterator[None]:
    """Nothing here needs the settings, but whatever reads them must not write into the repository's data/."""
    use_data_dir(tmp_path / "settings")
    yield
    reset_portal_caches()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database: a temporary SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        sqlite_engine = make_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
        yield sqlite_engine
        sqlite_engine.dispose()
        return
    url = postgres_url()
    if url is None:
        pytest.skip(
            f"PostgreSQL not reachable at {describe(configured_postgres_url())} "
            "(set PORTAL_TEST_POSTGRES_URL to a database the tests may create schemas in)"
        )
    with postgres_schema_engine(url) as pg_engine:
        yield pg_engine


def _registry() -> CategoryRegistry:
    return CategoryRegistry(list(load_catalogue(ROOT / "data" / "policy").values())[-1])


def _head() -> str:
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert head is not None
    return head


def _add_account(engine: Engine, email: str) -> int:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with engine.begin() as connection:
        result = connection.execute(
            insert(Account.__table__).values(  # type: ignore[attr-defined]
                email=email,
                role=Role.CUSTOMER.value,
                username="pat",
                display_name="Pat Example",
                password_hash="not-a-real-hash",
                password_set_at=now,
                created_at=now,
            )
        )
        return int(result.inserted_primary_key[0])


def test_the_serving_processs_head_is_alembics_head(engine: Engine) -> None:
    """The portal asks schema_revision, not Alembic, whether to migrate at start-up: a new migration must move it."""
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert head == schema_revision.HEAD, "set portal/db/schema_revision.py HEAD to the new migration's revision"
    assert not schema_revision.is_current(engine)  # empty: no revision recorded
    migrate.upgrade(engine)
    assert schema_revision.is_current(engine)


def test_a_first_start_migrates_and_seeds_in_a_child_process(tmp_path: Path) -> None:
    """python main.py on a new demo database: the schema and the demo data come from `python main.py seed` run as a
    child (Alembic and the seeding's memory stay out of the serving process), with the parent's settings."""
    use_data_dir(tmp_path / "first-start")
    prepare_database(get_settings())
    engine = get_engine()
    assert schema_revision.is_current(engine)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Account)).one()[0] >= 6  # the demo accounts
    prepare_database(get_settings())  # a second start: current, nothing to run
    reset_portal_caches()


def test_the_serving_process_does_not_load_alembic() -> None:
    probe = "import sys, portal.app; print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"


def test_upgrade_creates_every_table_of_the_models(engine: Engine) -> None:
    assert migrate.is_empty(engine)
    migrate.upgrade(engine)
    assert not migrate.is_empty(engine)
    inspector = inspect(engine)
    tables = set(inspector.get_table_names())
    expected = set(SQLModel.metadata.tables)
    assert expected <= tables, f"missing tables: {sorted(expected - tables)}"
    assert tables - expected == {"alembic_version"}
    for table in SQLModel.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys()), f"columns of {table.name}"
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= indexes, f"indexes of {table.name}"
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == _head()


def test_migrations_match_the_models(engine: Engine) -> None:
    """No model change is waiting for a migration (what `python main.py makemigration` would generate)."""
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_second_upgrade_is_a_no_op_that_keeps_rows(engine: Engine) -> None:
    migrate.upgrade(engine)
    account_id = _add_account(engine, "pat@example.com")
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    with Session(engine) as session:
        account = session.get(Account, account_id)
        assert account is not None and account.email == "pat@example.com"
        assert session.exec(select(func.count()).select_from(Account)).one()[0] == 1  # type: ignore[call-overload]
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == _head()
        versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    assert [row[0] for row in versions] == [_head()]


def test_seed_then_registry_lists_adas_usage_events(engine: Engine) -> None:
    migrate.upgrade(engine)
    seed_demo(engine=engine)
    seed_demo(engine=engine)  # the second start on a seeded database changes nothing
    registry = _registry()
    _, kind = registry.catalogue.kind("usage_event")
    with Session(engine) as session:
        page = registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind))
        ada_ids = set(
            session.exec(
                select(KIND_SPECS["usage_event"].table.id).where(  # type: ignore[call-overload, attr-defined]
                    KIND_SPECS["usage_event"].table.customer_id == ADA
                )
            ).scalars()
        )  # type: ignore[attr-defined]
        assert page.total == 40 and len(page.rows) == 25
        assert {row["_id"] for row in page.rows} <= ada_ids
        stamps = [row["occurred_at"] for row in page.rows]
        assert stamps == sorted(stamps, reverse=True)
        assert all(stamp.tzinfo is not None for stamp in stamps)

        second = registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, page=2))
        assert len(second.rows) == 15 and not {r["_id"] for r in second.rows} & {r["_id"] for r in page.rows}

        filtered = registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, text="/CART"))
        assert 0 < filtered.total < 40
        percent = registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, text="%"))
        assert percent.total == 0

        grace = registry.list_records(session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind))
        assert grace.total == 50_000 and not {r["_id"] for r in grace.rows} & ada_ids

        summaries = registry.summaries(session, customer_id=ADA)
        assert next(s for s in summaries["usage"] if s.kind.key == "usage_event").count == 40
        profile = registry.single_record(session, customer_id=ADA, kind=registry.catalogue.kind("identity_profile")[1])
        assert profile is not None and profile["full_name"] == "Ada Lovelace"


def test_new_rows_after_a_seed_get_fresh_ids(engine: Engine) -> None:
    """Seeded rows carry explicit ids; the next ordinary insert must not collide with them (PostgreSQL
    sequences are moved past the seeded ids)."""
    migrate.upgrade(engine)
    seed_demo(engine=engine, reset=True)
    assert _add_account(engine, "newcomer@example.com") == 7
    seed_demo(engine=engine, reset=True)  # and a reset starts the counters again
    with engine.connect() as connection:
        emails = [row[0] for row in connection.exec_driver_sql("SELECT email FROM account ORDER BY id")]
    assert "newcomer@example.com" not in emails and len(emails) == 6
    assert _add_account(engine, "newcomer@example.com") == 7
