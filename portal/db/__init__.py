"""Every piece of database infrastructure, and nothing else knows which database it is on.

- `engine`: the engine and sessions (`get_engine`, `session_scope`), waiting for a database, SQLite's WAL purge;
- `migrate`: Alembic migrations run at start-up (the migration scripts stay in `portal/migrations/`);
- `sqlite_writers`, `sqlite_checkpoints`: SQLite's single writer turn and the WAL checkpoints that keep the log short;
- `prepared`: statements compiled once for the hottest queue paths (PostgreSQL named statements);
- `postgres_vacuum`, `pool_ping`: PostgreSQL upkeep (vacuuming the queue's tables, pinging idle pooled connections).

Most code needs only `get_engine` and `session_scope`, re-exported here.
"""

from .engine import dispose_engine, get_engine, make_engine, purge_write_ahead_log, session_scope, wait_for_database

__all__ = ["dispose_engine", "get_engine", "make_engine", "purge_write_ahead_log", "session_scope", "wait_for_database"]
