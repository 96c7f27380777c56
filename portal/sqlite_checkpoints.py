"""WAL checkpoints after a writer's turn, not inside it.

SQLite copies the write-ahead log back into the database file now and then (a checkpoint). By default the
connection whose commit pushes the log past 1,000 pages does it, inside `commit()`. SQLite itself lets other
writers carry on meanwhile, but the portal's writer lock (`portal.sqlite_writers`) is released only when
`commit()` returns, so every other writer waited for each checkpoint as well: a few milliseconds every
75 or so filings, for every process.

The portal's connections therefore switch the automatic checkpoint off, and a committing connection runs a
PASSIVE checkpoint itself after releasing its turn, about as often as SQLite would: after CHECKPOINT_COMMITS
write commits of this process, or sooner when they changed CHECKPOINT_ROWS rows (a bulk write). A filing writes
five rows on 13 pages, so 100 filings are about 1,300 pages. Every process writing to the database counts its
own commits; a PASSIVE checkpoint never blocks writers or readers and skips what another one already copied.
Other tools (the sqlite3 shell, backups) keep SQLite's default, and the last connection to close checkpoints
as always.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

CHECKPOINT_COMMITS = 100
CHECKPOINT_ROWS = 2_000

log = logging.getLogger("portal.db")
_guard = threading.Lock()
_pending: dict[str, tuple[int, int]] = {}  # per database: (write commits, changed rows) since the last checkpoint


def after_write_commit(connection: sqlite3.Connection, database: str, changed_rows: int) -> bool:
    """Count a write commit of `connection` (its turn already released); checkpoint when one is due. Returns
    whether it ran one."""
    with _guard:
        commits, rows = _pending.get(database, (0, 0))
        commits, rows = commits + 1, rows + max(changed_rows, 0)
        due = commits >= CHECKPOINT_COMMITS or rows >= CHECKPOINT_ROWS
        _pending[database] = (0, 0) if due else (commits, rows)
    if not due:
        return False
    try:
        sqlite3.Connection.execute(connection, "PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error as error:  # the next one catches up; the log is never lost, only longer
        log.warning("WAL checkpoint skipped: %s", error)
    return True
