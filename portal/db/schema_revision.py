"""Whether the database already has the schema this code expects, asked without Alembic.

Alembic and the template engine it brings weigh about 22 MB of resident memory, which a serving process would keep
for good after a check that passes at every start but the first after an upgrade. The serving process asks here
instead and runs `python main.py migrate` (or `seed`) as a child only when the answer is no.
tests/unit/test_migrations.py keeps `HEAD` equal to Alembic's head revision."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

HEAD = "d1e2f3a4b5c6"  # the newest file in portal/migrations/versions/: change both together


def is_current(engine: Engine) -> bool:
    """The database records exactly `HEAD` as its Alembic revision (an empty database records none)."""
    if not inspect(engine).has_table("alembic_version"):
        return False
    with engine.connect() as connection:
        revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(revisions) == [HEAD]
