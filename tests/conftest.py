"""Shared fixtures: every test gets its own copy of a seeded demo database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils.environment import build_seeded_template, copy_template, reset_portal_caches, use_data_dir

for _name in list(os.environ):  # a developer's own settings must not leak into the tests
    if (_name.startswith("PORTAL_") and not _name.startswith(("PORTAL_E2E_", "PORTAL_TEST_"))) \
            or _name == "DATABASE_URL":
        os.environ.pop(_name)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seeded_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def portal_env(seeded_template: Path, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy of the demo database, with the portal's settings pointing at it."""
    data_dir = copy_template(seeded_template, tmp_path / "data")
    use_data_dir(data_dir)
    yield data_dir
    reset_portal_caches()


@pytest.fixture
def empty_env(tmp_path: Path) -> Iterator[Path]:
    """A migrated database with no rows at all."""
    use_data_dir(tmp_path / "data")
    from portal import migrate
    from portal.db import get_engine

    migrate.upgrade(get_engine())
    yield tmp_path / "data"
    reset_portal_caches()
