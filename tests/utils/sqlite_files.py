"""Throw-away SQLite databases for tests of the portal's SQLite plumbing (writer lock, checkpoints)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def wal_database(path: Path, table: str) -> Path:
    """A database file at `path` in WAL mode with one table, created by `table` (a CREATE TABLE statement).
    The connection is closed again, so the test's own connections are the only ones."""
    setup = sqlite3.connect(path)
    try:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute(table)
        setup.commit()
    finally:
        setup.close()
    return path
