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

A PASSIVE checkpoint copies pages back but never starts the log over: SQLite rewinds it only when a writer
begins while every frame is copied and no reader still looks at one. Under steady load from several processes
(customers filing, workers polling and completing) that moment never comes, and the log grew without bound:
650 MB for 12,000 requests with four workers, every read searching all of it. So when a PASSIVE checkpoint
leaves the log longer than RESTART_FRAMES, the checkpointing connection takes the writers' turn (no new
writer starts), runs a RESTART checkpoint, which waits for the readers of old snapshots (milliseconds) and
rewinds the log, and hands the turn back.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Protocol, runtime_checkable

CHECKPOINT_COMMITS = 100
CHECKPOINT_ROWS = 2_000
RESTART_FRAMES = 4_096  # 16 MB of 4 KB pages: one wal-index hash table's worth
RESTART_WAIT_MS = 100  # how long a rewind waits for readers of old snapshots before it leaves it to the next one


@runtime_checkable
class _TakesTurns(Protocol):
    """The portal's writer connections (`portal.sqlite_writers`): the writers' lock, taken and released."""

    def take_turn(self) -> None: ...

    def end_turn(self, *, committed: bool = False) -> None: ...


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
        _busy, frames, _copied = sqlite3.Connection.execute(connection, "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames >= RESTART_FRAMES and isinstance(connection, _TakesTurns):
            _restart(connection)
    except sqlite3.Error as error:  # the next one catches up; the log is never lost, only longer
        log.warning("WAL checkpoint skipped: %s", error)
    return True


def _restart(connection: sqlite3.Connection) -> None:
    """Copy the rest of the log and rewind it, holding the writers' turn meanwhile (see the module's doc)."""
    assert isinstance(connection, _TakesTurns)
    execute = sqlite3.Connection.execute
    usual_timeout = execute(connection, "PRAGMA busy_timeout").fetchone()[0]
    connection.take_turn()
    try:
        # Every writer waits meanwhile: wait for readers briefly, never for the connection's usual 30 s.
        execute(connection, f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
        busy, frames, _copied = execute(connection, "PRAGMA wal_checkpoint(RESTART)").fetchone()
    finally:
        execute(connection, f"PRAGMA busy_timeout={int(usual_timeout)}")
        connection.end_turn()
    if busy:  # another connection was checkpointing, or a reader held on past the busy timeout: next time
        log.info("WAL not rewound this time (busy); %s frames in the log", frames)
