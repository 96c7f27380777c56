"""Running workers: inside the portal process by default, or as `python main.py worker` processes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine

from ..audit import seal, write_checkpoint
from ..audit.checkpoints import CHECKPOINT_SECONDS
from ..config import Settings
from ..db import get_engine, session_scope
from ..db.change_feed import open_feed
from ..db.postgres_vacuum import VACUUM_SECONDS, vacuum_due_tables
from ..models import PrivacyRequest
from ..queue.wakeup import work_available
from ..queue.worker import Worker
from ..services.identity import throttle
from ..services.identity.auth import throttle_policy
from ..services.messaging.mailer import deliver_pending
from ..services.recipients.delivery import deliver_due
from ..services.recipients.desk import flag_overdue
from ..services.rights.export_retention import purge_expired
from . import register_all

log = logging.getLogger("portal.worker")
SEAL_TURN = 1_000  # audit events sealed per maintenance turn (about 20 ms of hashing and four short writes)
# How long an idle worker waits before looking for work on its own. Work filed in this process wakes it at once
# (queue.wakeup); work filed by another process wakes it through the database's change feed, where there is one. What
# neither announces is time passing (a retry falling due, a dead worker's lease running out): looked for this often.
IDLE_POLL_SECONDS = 0.5
IDLE_POLL_WITH_FEED_SECONDS = 2.0
_QUEUE_TABLE = PrivacyRequest.__tablename__


class WorkerPool:
    def __init__(self, settings: Settings, *, count: int = 1) -> None:
        register_all()
        engine = get_engine()
        self.stop_event = threading.Event()
        self.workers = [
            Worker(
                engine,
                lease=timedelta(seconds=settings.worker_lease_seconds),
                retry_base=timedelta(seconds=settings.retry_base_seconds),
            )
            for _index in range(count)
        ]
        # Only the first worker of a process runs maintenance: one sealer and one mailer per process is plenty.
        # The sealer works in turns of SEAL_TURN events between batches of requests: sealing a backlog of tens of
        # thousands of events at once stopped that worker's request processing for half a second.
        # On PostgreSQL it also vacuums the tables the queue churns (portal.db.postgres_vacuum).
        self.maintenance = [
            (2.0, lambda: seal(engine, limit=SEAL_TURN) >= SEAL_TURN),
            (5.0, lambda: deliver_pending(engine, settings)),
            # Art. 19 notices to recipients' webhooks: in a thread of their own, so an endpoint that takes its full
            # timeout to fail does not stall this worker's requests.
            (5.0, _in_background("portal-notices", lambda: deliver_due(engine, settings))),
            (60.0, purge_expired),
            (60.0, lambda: _forget_old_failures(settings)),
            # Art. 19 notices past their due date: the privacy officers are told once per notice.
            (300.0, lambda: _flag_overdue(engine)),
            (VACUUM_SECONDS, lambda: vacuum_due_tables(engine)),
            # The chain head, signed into a file outside the database (portal/audit/checkpoints.py).
            (CHECKPOINT_SECONDS, lambda: _checkpoint(engine)),
        ]
        self.threads: list[threading.Thread] = []
        self.feed = open_feed(engine)
        self.poll_seconds = IDLE_POLL_SECONDS if self.feed is None else IDLE_POLL_WITH_FEED_SECONDS

    def start(self) -> None:
        if self.feed is not None:
            self.feed.start(_wake_on_queue_change)
        for index, worker in enumerate(self.workers):
            thread = threading.Thread(
                target=worker.run,
                name=f"portal-worker-{index}",
                daemon=True,
                kwargs={
                    "stop": self.stop_event,
                    "poll_seconds": self.poll_seconds,
                    "maintenance": self.maintenance if index == 0 else None,
                },
            )
            thread.start()
            self.threads.append(thread)
        log.info("started %s worker(s): %s", len(self.workers), ", ".join(w.name for w in self.workers))

    def request_stop(self) -> None:
        """Ask every worker to stop after its current job (safe to call from a signal handler)."""
        self.stop_event.set()
        work_available.set()

    def stop(self, timeout: float = 10) -> None:
        self.request_stop()
        for thread in self.threads:
            thread.join(timeout)
        if self.feed is not None:
            self.feed.stop()

    def wait(self) -> None:
        try:
            while any(t.is_alive() for t in self.threads):
                for thread in self.threads:
                    thread.join(0.5)
        except KeyboardInterrupt:
            self.stop()


def _wake_on_queue_change(tables: frozenset[str] | None) -> None:
    """The change feed's listener: a write to the queue, by this process or another, may be work to claim."""
    if tables is None or _QUEUE_TABLE in tables:
        work_available.set()


def _in_background(name: str, task: Callable[[], object]) -> Callable[[], bool]:
    """A maintenance task that starts `task` in a daemon thread unless the previous run is still going. A process
    that exits mid-run loses nothing the task claimed: its claims run out and another process takes over."""
    running: list[threading.Thread] = []

    def _run() -> None:
        try:
            task()
        except Exception:
            log.exception("maintenance task %s failed", name)

    def start() -> bool:
        if running and running[0].is_alive():
            return False
        running[:] = [threading.Thread(target=_run, name=name, daemon=True)]
        running[0].start()
        return False

    return start


def _checkpoint(engine: Engine) -> bool:
    """A maintenance task: sign the audit chain's head into the checkpoint file; never more to do at once."""
    write_checkpoint(engine)
    return False


def _forget_old_failures(settings: Settings) -> bool:
    """A maintenance task: failed sign-ins older than the throttle's window count for nothing, and each is keyed by a
    plain SHA-256 of an email or network address, which anyone can reverse by guessing: they go once it has passed."""
    with session_scope() as session:
        throttle.purge_old_failures(session=session, policy=throttle_policy(settings))
    return False


def _flag_overdue(engine: Engine) -> bool:
    """A maintenance task: one pass flags every overdue notice; never more to do at once."""
    flag_overdue(engine)
    return False
