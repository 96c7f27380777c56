"""Alembic environment: runs against the connection the portal hands over (see portal/migrate.py)."""

from typing import Any, Literal

from alembic import context
from sqlmodel import SQLModel

import portal.models  # noqa: F401  (registers every table on the metadata)
from portal.models.types import UTCDateTime

config = context.config


def render_item(type_: str, obj: object, autogen_context: Any) -> str | Literal[False]:
    """Render our column type by its own name: NiceGUI's test reset can drop the `portal` package
    attribute chain, and `from ... import` keeps migrations importable regardless."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("from portal.models.types import UTCDateTime")
        return "UTCDateTime(timezone=True)"
    return False


target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `python main.py migrate`, which provides the connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
