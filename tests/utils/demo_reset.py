"""`seed --reset` for a running portal's SQLite database, without a `python main.py seed --reset` per reset.

The e2e and security suites put their portal's database back to the demo state between tests. `seed --reset` in a
subprocess took 3 to 6 s each time (interpreter, imports, migration check, clearing and seeding grace's 55,000
rows), on a machine that also runs the browsers and the portals. So each suite runs it once per session, into a
template data directory of its own (`python main.py seed --reset` with the portal's environment, only
PORTAL_DATA_DIR differing), and every reset then copies that template into the live database with SQLite's
online backup API. That is still a real reset of the running portal's database:

- the content is what `seed --reset` wrote (every table, every row, the id counters in sqlite_sequence, the audit
  chain's seal state), page for page; nothing of the live database survives it (sessions, requests, changed emails);
- the portal keeps running and sees the new content at its next transaction: the backup writes through SQLite's
  pager (in WAL mode into the log, like any writer) and raises the schema cookie, so every open connection of the
  portal re-reads the schema; it takes the portal's writer lock (portal/db/sqlite_writers.py) meanwhile, so the
  portal's own writers queue behind it instead of meeting "database is locked";
- what `seed --reset` does outside the database is done here as well: the export directory is swept as
  `sweep_export_dir` does (every file no live package of the restored data names, a running build's excepted);
- the one seeded value taken from the clock (linus's support grant: "7 days from the moment of seeding",
  portal/seed/consents.py) is moved to the moment of the reset, as a fresh seed would write it.

`seed --reset` leaves the audit checkpoint file (signed chain heads, outside the database) as it is, and so does
this. Against PostgreSQL or a portal started elsewhere the suites keep running the reset command itself.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from portal.db.sqlite_writers import lock_path
from portal.exports import files
from portal.models import RequestStatus

DATABASE_FILE = "portal.db"
WRITER_LOCK_SECONDS = 60.0  # a guard against a hang: the portal's writers hold the lock for milliseconds
SQLITE_TIMEOUT_SECONDS = 30.0
CHECKPOINT_WAIT_MS = 2_000
# SQLAlchemy's DateTime on SQLite: naive UTC text with microseconds (portal/models/types.py, UTCDateTime).
_STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"
# The seeded rows stamped with the clock at seeding time: (table, the column holding the seeding moment, columns
# moved by as much). portal/seed/consents.py `_linus_grant` is the only one ("the only demo value that is not fixed").
CLOCK_SEEDED = (("support_grant", "created_at", ("created_at", "expires_at")),)


def database_of(environment: dict[str, str]) -> Path | None:
    """The SQLite file a portal started with `environment` uses; None when it uses another database."""
    if environment.get("DATABASE_URL"):
        return None
    return Path(environment["PORTAL_DATA_DIR"]) / DATABASE_FILE


def export_dir_of(environment: dict[str, str]) -> Path:
    """portal/config.py: PORTAL_EXPORT_DIR, else <PORTAL_DATA_DIR>/exports."""
    configured = environment.get("PORTAL_EXPORT_DIR")
    return Path(configured) if configured else Path(environment["PORTAL_DATA_DIR"]) / "exports"


class DemoTemplate:
    """The demo state, seeded once by `command seed --reset` into `template_dir`, restored into a live database."""

    def __init__(
        self, command: list[str], cwd: Path, environment: dict[str, str], template_dir: Path, timeout: float
    ) -> None:
        live = database_of(environment)
        if live is None:
            raise ValueError("only a portal on SQLite is reset from a template")
        self.live = live
        self.export_dir = export_dir_of(environment)
        self.template_dir = template_dir
        self.template = template_dir / DATABASE_FILE
        self.timeout = timeout
        template_dir.mkdir(parents=True, exist_ok=True)
        self._log_path = template_dir / "seed.log"
        self._log: IO[bytes] | None = self._log_path.open("wb")
        # The portal's own environment but for its data directory: same secret, mode, catalogue, migrations.
        seeding = {**environment, "PORTAL_DATA_DIR": str(template_dir)}
        seeding.pop("PORTAL_EXPORT_DIR", None)
        seeding.pop("PORTAL_SIGNING_KEY_DIR", None)
        seeding.pop("PORTAL_AUDIT_CHECKPOINT_FILE", None)
        self.command = [*command, "seed", "--reset"]
        # Started now and waited for at the first reset: it runs while the portal starts.
        self._seeding: subprocess.Popen[bytes] | None = subprocess.Popen(
            self.command, cwd=cwd, env=seeding, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        # (table, rowid, the seeding moment, the clock-stamped values as seeded)
        self._clock_seeded: list[tuple[str, int, datetime, dict[str, datetime | None]]] = []

    def _ready(self) -> None:
        """Wait for the template's seeding (once); raise with its output if it failed."""
        if self._seeding is None:
            return
        try:
            code = self._seeding.wait(timeout=self.timeout)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
        self._seeding = None
        if code != 0:
            output = self._log_path.read_text(errors="replace")
            raise RuntimeError(f"seeding the demo template failed with code {code}: {self.command}\n{output[-4000:]}")
        with closing(sqlite3.connect(self.template, timeout=SQLITE_TIMEOUT_SECONDS)) as template:
            # One file, no log beside it: every restore copies the whole database from a quiet source.
            template.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            for table, stamp, moved in CLOCK_SEEDED:
                for rowid, seeded, *values in template.execute(
                    f"SELECT rowid, {stamp}, {', '.join(moved)} FROM {table}"
                ):
                    originals = {
                        c: None if v is None else datetime.fromisoformat(v) for c, v in zip(moved, values, strict=True)
                    }
                    self._clock_seeded.append((table, rowid, datetime.fromisoformat(seeded), originals))

    def close(self) -> None:
        """Stop a seeding still running (a session that ends before its first reset)."""
        if self._seeding is not None and self._seeding.poll() is None:
            self._seeding.kill()
            self._seeding.wait(timeout=10)
        self._seeding = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restore(self) -> None:
        """Put the live database back to the demo state (see the module's doc)."""
        self._ready()
        with closing(sqlite3.connect(self.template, timeout=SQLITE_TIMEOUT_SECONDS)) as template:
            self._move_clock_values(template)
            with (
                self._writers_turn(),
                closing(sqlite3.connect(self.live, timeout=SQLITE_TIMEOUT_SECONDS)) as live,
            ):
                template.backup(live)
                # The backup went into the live database's write-ahead log (about the whole database): copy it back
                # now, as the portal would after a bulk write, rather than let the log grow with every reset.
                live.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
                live.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                live_packages = {name for (name,) in live.execute(_LIVE_PACKAGES) if name}
                in_flight = {row_id for (row_id,) in live.execute(_IN_FLIGHT, (RequestStatus.PROCESSING.value,))}
        self._sweep_exports(live_packages, in_flight)

    def _move_clock_values(self, template: sqlite3.Connection) -> None:
        """The clock-stamped seed values as of now, as a fresh `seed --reset` would stamp them at this moment."""
        now = datetime.now(UTC).replace(tzinfo=None)
        for table, rowid, seeded_at, originals in self._clock_seeded:
            shift = now - seeded_at
            columns = list(originals)
            values = [None if originals[c] is None else (originals[c] + shift).strftime(_STORED_TIME) for c in columns]
            assignments = ", ".join(f"{column} = ?" for column in columns)
            template.execute(f"UPDATE {table} SET {assignments} WHERE rowid = ?", (*values, rowid))
        template.commit()

    @contextmanager
    def _writers_turn(self) -> Iterator[None]:
        """The portal's writer lock (`<database>-writers.lock`, an OS file lock) for as long as the restore writes."""
        descriptor = os.open(lock_path(self.live), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + WRITER_LOCK_SECONDS
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the portal's writer lock {lock_path(self.live)} stayed taken") from None
                    time.sleep(0.001)
            yield
        finally:
            os.close(descriptor)  # closing drops the lock

    def _sweep_exports(self, live_packages: set[str], in_flight: set[int]) -> int:
        """portal/services/rights/export_retention.py `sweep_export_dir` on the restored data: every file no live
        package names goes, a partial file a build is writing and the files of a request still processing
        excepted."""
        if not self.export_dir.is_dir():
            return 0
        removed = 0
        for path in [path for path in self.export_dir.iterdir() if path.is_file()]:
            if path.name in live_packages:
                continue
            if files.is_partial(path.name):
                removed += files.remove_unless_building(path)
            elif files.request_id_of(path.name) not in in_flight:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


_LIVE_PACKAGES = "SELECT file_name FROM export_package WHERE deleted_at IS NULL"
_IN_FLIGHT = "SELECT id FROM privacy_request WHERE status = ?"
