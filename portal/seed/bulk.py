"""Database plumbing for seeding: emptying the schema, chunked Core inserts, identity sequences.

Kept apart from the demo content so the SQLite/PostgreSQL differences sit in one small place.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, inspect, select, text
from sqlmodel import SQLModel

from portal.models.audit import GENESIS_HASH, SQLITE_APPEND_ONLY_TRIGGERS

from .. import models  # noqa: F401  (importing registers every table on SQLModel.metadata)

Row = dict[str, Any]
DEFAULT_CHUNK = 5_000


def metadata_tables(connection: Connection) -> list[Table]:
    """The portal's tables that exist in this database, children before parents.

    Only existing tables: a model added in code whose migration has not run yet must not break a reset.
    Alembic's own bookkeeping table is never touched.
    """
    existing = set(inspect(connection).get_table_names())
    return [
        table
        for table in reversed(SQLModel.metadata.sorted_tables)
        if table.name != "alembic_version" and table.name in existing
    ]


def clear_all(connection: Connection) -> None:
    """Delete every row of every portal table and restart id counters, so re-inserted explicit ids and
    any later generated ids come out the same after every reset."""
    tables = metadata_tables(connection)
    if not tables:
        return
    if connection.dialect.name == "postgresql":
        names = ", ".join(connection.dialect.identifier_preparer.format_table(t) for t in tables)
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")  # fires no row triggers
        _restore_seal_state(connection)
        return
    table_names = {t.name for t in tables}
    if "audit_event" in table_names:  # the demo wipe is the one place the append-only rule is lifted
        for trigger in SQLITE_APPEND_ONLY_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in tables:
        connection.execute(delete(table))
    if "audit_event" in table_names:
        for statement in SQLITE_APPEND_ONLY_TRIGGERS.values():
            connection.exec_driver_sql(statement)
    if connection.dialect.name == "sqlite" and inspect(connection).has_table("sqlite_sequence"):
        # Only tables declared AUTOINCREMENT have counters here; plain rowid tables restart from max(id).
        connection.exec_driver_sql("DELETE FROM sqlite_sequence")
    _restore_seal_state(connection)


def _restore_seal_state(connection: Connection) -> None:
    if inspect(connection).has_table("audit_seal_state"):
        connection.exec_driver_sql(
            f"INSERT INTO audit_seal_state (id, last_seq, last_hash) VALUES (1, 0, '{GENESIS_HASH}')"
        )


def chunks(rows: Iterable[Row], chunk_size: int = DEFAULT_CHUNK) -> Iterator[list[Row]]:
    """Lists of at most `chunk_size` rows; holds one chunk in memory, so generators of a million rows
    stay cheap."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, chunk_size)):
        yield chunk


def insert_chunked(connection: Connection, table: Table, rows: Iterable[Row], chunk_size: int = DEFAULT_CHUNK) -> int:
    """Core executemany, one round trip per chunk. Returns how many rows went in."""
    total = 0
    for chunk in chunks(rows, chunk_size):
        connection.execute(insert(table), chunk)
        total += len(chunk)
    return total


def sync_sequences(connection: Connection) -> None:
    """PostgreSQL only: explicit ids do not advance SERIAL sequences, so without this the next ordinary
    insert (a new ticket, a new session) would collide with seeded id 1."""
    if connection.dialect.name != "postgresql":
        return
    preparer = connection.dialect.identifier_preparer
    for table in metadata_tables(connection):
        column = table.autoincrement_column
        if column is None:
            continue
        lookup = select(func.pg_get_serial_sequence(preparer.format_table(table), column.name))
        sequence = connection.execute(lookup).scalar_one_or_none()
        if sequence is None:
            continue
        highest = connection.execute(select(func.max(column))).scalar_one_or_none() or 0
        # is_called=false makes nextval() return exactly highest + 1, also for an empty table (1).
        connection.execute(
            text("SELECT setval(CAST(:seq AS regclass), :value, false)"), {"seq": sequence, "value": highest + 1}
        )


def delete_account_rows(connection: Connection, account_id: int) -> None:
    """Delete an account and everything that refers to it, including rows whose foreign key would only
    be set to NULL (orders, payments): a replaced benchmark customer must leave nothing behind."""
    account_table = SQLModel.metadata.tables["account"]
    for table in metadata_tables(connection):
        if table is account_table:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is account_table:
                connection.execute(delete(table).where(fk.parent == account_id))
    connection.execute(delete(account_table).where(account_table.c.id == account_id))


def newest(rows: Iterable[Row], columns: tuple[str, ...]) -> datetime | None:
    """The latest of the given timestamp columns over all rows (None for no rows)."""
    stamps = [row[column] for row in rows for column in columns if row.get(column) is not None]
    return max(stamps, default=None)
