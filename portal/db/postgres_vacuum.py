"""PostgreSQL: the workers vacuum the tables the queue churns, whatever autovacuum is set to do.

Every request is updated two or three times (queued, processing, completed) and every audit event once more
when it is sealed. PostgreSQL keeps the old row versions, and their index entries, until VACUUM removes them.
The worker's hottest reads find their rows through bitmap index scans (the claimable requests, counted every
10 ms while a worker lingers; the unsealed audit events, read by every sealing turn), and a bitmap scan visits
every dead entry again, every time: it never marks them dead the way a plain index scan does. Measured with
autovacuum off (bench/README.md): after 12,000 requests, counting the claimable requests took 3.4 ms and reading
the unsealed events 6.3 ms, both with nothing to find, and the queue's throughput fell by a third from one
4,000-request run to the next. Autovacuum's defaults would wait for a fifth of a table to be dead.

So every VACUUM_SECONDS one worker per process looks at the statistics of the portal's own schema and runs
`VACUUM (ANALYZE, SKIP_LOCKED)` on each table with at least DEAD_ROWS dead row versions plus DEAD_SHARE of its
live ones. VACUUM blocks neither reads nor writes; SKIP_LOCKED leaves a table that another VACUUM (autovacuum,
another worker) is busy with to that one. ANALYZE keeps the planner's row counts true, so it keeps choosing the
narrow claim index for a queue of millions of finished requests.

Erasure benefits too: a withdrawal's deleted rows stop being readable in the table files once the table is
vacuumed (docs/operators.md, "Erasure on disk").
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger("portal.db")

VACUUM_SECONDS = 10.0
DEAD_ROWS = 10_000
DEAD_SHARE = 0.02

_DUE = text(
    "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
    "AND n_dead_tup >= :dead_rows + :dead_share * n_live_tup ORDER BY n_dead_tup DESC"
)


def due_tables(engine: Engine) -> list[str]:
    """The tables of the portal's schema with enough dead row versions to vacuum (none elsewhere than on
    PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as connection:
        return list(connection.execute(_DUE, {"dead_rows": DEAD_ROWS, "dead_share": DEAD_SHARE}).scalars())


def vacuum_due_tables(engine: Engine) -> list[str]:
    """Vacuum (and analyze) every table `due_tables` names; returns the ones vacuumed."""
    tables = due_tables(engine)
    if not tables:
        return []
    preparer = engine.dialect.identifier_preparer
    # VACUUM cannot run inside a transaction block.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.exec_driver_sql(f"VACUUM (ANALYZE, SKIP_LOCKED) {preparer.quote(table)}")
    log.info("vacuumed %s", ", ".join(tables))
    return tables
