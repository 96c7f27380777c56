"""Point the portal at a throw-away data directory and forget every cached singleton."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
# The environment pytest started with, before tests/conftest.py strips the developer's PORTAL_* settings
# (the e2e suite needs them back to reset an external portal's database).
STARTUP_ENVIRONMENT: dict[str, str] = dict(os.environ)


def reset_portal_caches() -> None:
    from portal import config, db
    from portal.catalogue import loader
    from portal.categories import get_registry

    db.dispose_engine()
    config.reset_settings()
    loader.reset_catalogue()
    get_registry.cache_clear()


def use_data_dir(data_dir: Path, **extra: str) -> None:
    os.environ["PORTAL_DATA_DIR"] = str(data_dir)
    os.environ["PORTAL_MODE"] = "demo"
    os.environ["PORTAL_SECRET_KEY"] = TEST_SECRET
    os.environ.pop("DATABASE_URL", None)
    for key, value in extra.items():
        os.environ[key] = value
    reset_portal_caches()


def build_seeded_template(directory: Path) -> Path:
    """Migrate and seed one SQLite database; tests copy it instead of seeding again."""
    use_data_dir(directory)
    from portal import migrate
    from portal.db import dispose_engine, get_engine
    from portal.seed.demo import seed_demo

    engine = get_engine()
    migrate.upgrade(engine)
    seed_demo(engine=engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dispose_engine()
    return directory / "portal.db"


def copy_template(template_db: Path, target_dir: Path) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template_db, target_dir / "portal.db")
    return target_dir
