"""Shared fixtures: every test gets its own copy of a seeded demo database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils.environment import (
    build_postgres_template,
    build_seeded_template,
    clone_postgres_template,
    copy_template,
    create_postgres_database,
    database_choice,
    drop_postgres_database,
    drop_postgres_database_later,
    finish_postgres_drops,
    postgres_server_url,
    reset_portal_caches,
    use_data_dir,
)
from tests.utils.postgres import describe, reachable

for _name in list(os.environ):  # a developer's own settings must not leak into the tests
    if (
        _name.startswith("PORTAL_") and not _name.startswith(("PORTAL_E2E_", "PORTAL_TEST_"))
    ) or _name == "DATABASE_URL":
        os.environ.pop(_name)


@pytest.fixture(scope="session")
def postgres_server() -> str | None:
    """With PORTAL_TEST_DATABASE=postgres: the server every test's own database is created on."""
    if database_choice() != "postgres":
        return None
    url = postgres_server_url()
    if not reachable(url):
        pytest.skip(f"the suite runs on PostgreSQL but {describe(url)} is not reachable")
    return url


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory, postgres_server: str | None) -> Iterator[Path | str]:
    """The seeded demo database tests copy: an SQLite file, or (on PostgreSQL) a template database's name."""
    if postgres_server is None:
        yield build_seeded_template(tmp_path_factory.mktemp("template"))
        return
    name = build_postgres_template(postgres_server, tmp_path_factory.mktemp("template"))
    yield name
    finish_postgres_drops()  # the tests' own copies, dropped in the background (`portal_env`)
    drop_postgres_database(postgres_server, name)


@pytest.fixture
def portal_env(seeded_template: Path | str, postgres_server: str | None, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy of the demo database, with the portal's settings pointing at it."""
    if postgres_server is not None:
        assert isinstance(seeded_template, str)
        name = clone_postgres_template(postgres_server, seeded_template, tmp_path / "data")
        yield tmp_path / "data"
        drop_postgres_database_later(postgres_server, name)
        return
    assert isinstance(seeded_template, Path)
    data_dir = copy_template(seeded_template, tmp_path / "data")
    use_data_dir(data_dir)
    yield data_dir
    reset_portal_caches()


@pytest.fixture
def empty_env(tmp_path: Path, postgres_server: str | None) -> Iterator[Path]:
    """A migrated database with no rows at all."""
    name = None
    if postgres_server is not None:
        name = create_postgres_database(postgres_server, tmp_path / "data")
    else:
        use_data_dir(tmp_path / "data")
    from portal.db import get_engine, migrate

    migrate.upgrade(get_engine())
    yield tmp_path / "data"
    if name is not None:
        drop_postgres_database(postgres_server or "", name)
    else:
        reset_portal_caches()


# --- parallel runs (pytest-xdist, `-n 2 --dist loadgroup` in tests/run.sh) ------------------------------------------

POSTGRES_SERVER_GROUP = "postgres-server"


def uses_the_postgres_server(item: pytest.Item) -> bool:
    """A test of the SQLite run that reaches the PostgreSQL server itself: marked `postgres` (or named so)."""
    return item.get_closest_marker("postgres") is not None or "postgres" in item.nodeid.lower()


# tryfirst: pytest-xdist turns xdist_group marks into the node id's "@group" suffix in its own collection hook; a mark
# added after that hook ran is ignored, and the groups silently did not hold (seen: the restart test ran beside
# another worker's PostgreSQL test, which then met "the database system is shutting down").
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist every test of the SQLite run that uses the PostgreSQL server runs in one worker, one after
    the other: one of them restarts that server (tests/integration/test_postgres_restart.py), which would cut the
    connections of another worker's PostgreSQL test. Each worker has its own temp dirs, template copies, NiceGUI
    storage and free ports, so everything else runs side by side. (With PORTAL_TEST_DATABASE=postgres every test
    uses the server and none restarts it: no grouping.) Without xdist the mark does nothing."""
    for item in items:
        # The security suite attacks one real portal process and reseeds it between tests: one worker runs all of
        # it, so the portal starts once and no module fixture is torn down by another module's tests in between.
        if item.nodeid.startswith("tests/security/"):
            item.add_marker(pytest.mark.xdist_group("security-portal"))
        elif database_choice() != "postgres" and uses_the_postgres_server(item):
            item.add_marker(pytest.mark.xdist_group(POSTGRES_SERVER_GROUP))
