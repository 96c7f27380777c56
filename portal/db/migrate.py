"""Schema migrations (Alembic), run at every start-up: an upgrade changes the schema in place and
never drops a customer's data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema. Alembic holds its own lock row per revision, and on
    PostgreSQL an advisory lock keeps two portal processes from migrating at once."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).has_table("account")


def revision(engine: Engine, message: str) -> None:
    """Developer helper: autogenerate a new revision from the models (`python main.py makemigration`)."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
