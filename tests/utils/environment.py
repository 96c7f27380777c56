"""Point the portal at a throw-away data directory and forget every cached singleton."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
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


def reconfigure(**settings: str) -> None:
    """Change some of the portal's settings for the rest of a test, keeping its database (SQLite or PostgreSQL)."""
    for key, value in settings.items():
        os.environ[key] = value
    reset_portal_caches()


def build_seeded_template(directory: Path) -> Path:
    """Migrate and seed one SQLite database; tests copy it instead of seeding again."""
    use_data_dir(directory)
    from portal.db import dispose_engine, get_engine, migrate
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


# --- the same fixtures on PostgreSQL (PORTAL_TEST_DATABASE=postgres) ----------------------------------------------


def database_choice() -> str:
    """Which database the suite's per-test databases live in: "sqlite" (default) or "postgres", chosen by
    PORTAL_TEST_DATABASE, or by a PostgreSQL DATABASE_URL the suite was started with (see `postgres_server_url`)."""
    choice = os.environ.get("PORTAL_TEST_DATABASE", "").strip().lower()
    if not choice:
        return "postgres" if _startup_postgres_url() else "sqlite"
    if choice not in ("sqlite", "postgres"):
        raise ValueError(f"PORTAL_TEST_DATABASE must be sqlite or postgres, got {choice!r}")
    return choice


def _startup_postgres_url() -> str | None:
    url = STARTUP_ENVIRONMENT.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def postgres_server_url() -> str:
    """The server the per-test databases are created on: DATABASE_URL if the suite was started with a PostgreSQL
    one (`DATABASE_URL=postgresql+psycopg://… pytest tests`; it needs the right to CREATE DATABASE), else
    PORTAL_TEST_POSTGRES_URL or the local default. The tests never write into that URL's own database."""
    from tests.utils.postgres import configured_postgres_url

    return _startup_postgres_url() or configured_postgres_url()


def _database_url(server_url: str, name: str) -> str:
    from sqlalchemy import make_url

    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _admin(server_url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(
        server_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True, connect_args={"connect_timeout": 2}
    )


def build_postgres_template(server_url: str, data_dir: Path) -> str:
    """Migrate and seed one PostgreSQL database (its own, named portal_tpl_<hex>); tests clone it.
    Returns its name. A whole database, not a schema: CREATE DATABASE .. TEMPLATE copies it in one step."""
    import uuid

    name = f"portal_tpl_{uuid.uuid4().hex[:12]}"
    admin = _admin(server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    use_data_dir(data_dir, DATABASE_URL=_database_url(server_url, name))
    from portal.db import dispose_engine, get_engine, migrate
    from portal.seed.demo import seed_demo

    engine = get_engine()
    migrate.upgrade(engine)
    seed_demo(engine=engine)
    dispose_engine()  # a template must have no open connections while it is copied
    return name


def clone_postgres_template(server_url: str, template: str | None, data_dir: Path) -> str:
    """A fresh copy of the template (or an empty database) for one test, with the portal's settings pointing
    at it; its name."""
    import uuid

    name = f"portal_t_{uuid.uuid4().hex[:12]}"
    admin = _admin(server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    admin.dispose()
    use_data_dir(data_dir, DATABASE_URL=_database_url(server_url, name))
    return name


def create_postgres_database(server_url: str, data_dir: Path) -> str:
    return clone_postgres_template(server_url, None, data_dir)


def drop_postgres_database(server_url: str, name: str) -> None:
    reset_portal_caches()  # closes the portal's pooled connections first
    admin = _admin(server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


_DROPPER: ThreadPoolExecutor | None = None
_DROPS: list[Future[None]] = []


def drop_postgres_database_later(server_url: str, name: str) -> None:
    """`drop_postgres_database`, with the DROP itself in a background thread: the next test's clone does not wait
    for it (a DROP DATABASE can take a second on a busy server). The portal's connections are closed here, at
    once; `finish_postgres_drops` waits for the drops and raises the first error."""
    global _DROPPER
    reset_portal_caches()
    if _DROPPER is None:
        _DROPPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-database")
    _DROPS.append(_DROPPER.submit(drop_postgres_database_now, server_url, name))


def drop_postgres_database_now(server_url: str, name: str) -> None:
    admin = _admin(server_url)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def finish_postgres_drops() -> None:
    pending = list(_DROPS)
    _DROPS.clear()
    for drop in pending:
        drop.result()
