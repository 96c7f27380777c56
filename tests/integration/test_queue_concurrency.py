"""Several worker processes on one queue, one of them killed mid-job: every request completes exactly once.

Runs in the normal `pytest tests` call (it is not a browser test): on SQLite in a temporary data dir, and on
PostgreSQL in a throw-away schema (skipped with the reason when the server cannot be reached). Each variant
takes roughly 20-40 seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.audit import seal, verify
from portal.db import make_engine
from portal.jobs import register_all
from portal.models import PrivacyRequest
from portal.queue import service
from tests.utils.cluster import seed
from tests.utils.environment import reset_portal_caches, use_data_dir
from tests.utils.queue import (
    DPO,
    REPO_ROOT,
    assert_each_completed_exactly_once,
    officer,
    process_env,
    seeded_postgres_schema,
)

REQUESTS = 2000
BATCHES = 4
WORKER_PROCESSES = 3
THREADS_PER_PROCESS = 2
KILL_AFTER = 0.2
# Each request takes this long under its lease: batched no-op requests finish so fast that a frozen worker
# would rarely be caught holding one, and the test must kill a worker mid-job.
HOLD_MS = 2
TIMEOUT = 120.0
WORKER_SETTINGS = {"PORTAL_WORKER_LEASE_SECONDS": "3", "PORTAL_RETRY_BASE_SECONDS": "1"}


@pytest.fixture
def sqlite_backend(tmp_path: Path) -> Iterator[tuple[Engine, dict[str, str]]]:
    data_dir = tmp_path / "data"
    use_data_dir(data_dir)  # this process's own settings point at the same data dir
    env = process_env(data_dir, **WORKER_SETTINGS)
    seed(env)
    engine = make_engine(f"sqlite:///{data_dir / 'portal.db'}")
    yield engine, env
    engine.dispose()
    reset_portal_caches()


@pytest.fixture
def postgres_backend(tmp_path: Path) -> Iterator[tuple[Engine, dict[str, str]]]:
    with seeded_postgres_schema(tmp_path, prefix="queue_concurrency", **WORKER_SETTINGS) as backend:
        yield backend


def test_killed_worker_loses_nothing_on_sqlite(sqlite_backend: tuple[Engine, dict[str, str]], tmp_path: Path) -> None:
    _run(*sqlite_backend, tmp_path)


@pytest.mark.postgres
def test_killed_worker_loses_nothing_on_postgres(
    postgres_backend: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    _run(*postgres_backend, tmp_path)


def _run(engine: Engine, env: dict[str, str], tmp_path: Path) -> None:
    ids = _enqueue(engine)
    started = time.monotonic()
    workers = [_start_worker(env, tmp_path / f"worker-{n}.log") for n in range(WORKER_PROCESSES)]
    victim = workers[0]
    try:
        _wait_for(lambda: _completed(engine, ids) >= KILL_AFTER * REQUESTS, started, "20% completed", workers)
        orphans = _kill_mid_job(engine, victim)
        _wait_for(lambda: _completed(engine, ids) == REQUESTS, started, "all completed", workers[1:])
    finally:
        for process in workers:
            _stop(process)
    elapsed = time.monotonic() - started

    assert_each_completed_exactly_once(engine, ids)
    with Session(engine) as session:
        taken_over = session.execute(
            select(PrivacyRequest.id, PrivacyRequest.status, PrivacyRequest.attempts).where(
                PrivacyRequest.id.in_(orphans)
            )
        ).all()
    # what the killed worker held was taken over after its lease expired, and completed by another worker
    assert orphans and all(status == "completed" and attempts >= 2 for _, status, attempts in taken_over)
    # the audit trail, sealed by every worker process in turn (one of them killed), is one intact chain
    seal(engine)
    chain = verify(engine)
    assert chain.ok, chain.describe()
    assert chain.checked >= 3 * REQUESTS  # received, queued, completed
    print(f"{REQUESTS} requests, {len(orphans)} taken over from the killed worker, {elapsed:.1f} s")


def _enqueue(engine: Engine) -> list[int]:
    register_all()
    ids: list[int] = []
    per_batch = REQUESTS // BATCHES
    for batch in range(BATCHES):
        with Session(engine, expire_on_commit=False) as session:
            for n in range(per_batch):
                request, created = service.submit(
                    session,
                    type_key="diagnostic",
                    subject_id=DPO,
                    actor=officer(),
                    payload={"label": f"concurrency-{batch}", "hold_ms": HOLD_MS},
                    idempotency_key=f"concurrency-{batch}-{n}",
                    channel="staff",
                )
                assert created and request.id is not None
                ids.append(request.id)
            session.commit()
    return ids


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "main.py", "worker", "-n", str(THREADS_PER_PROCESS)],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _completed(engine: Engine, ids: list[int]) -> int:
    with Session(engine) as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(PrivacyRequest)
                .where(PrivacyRequest.status == "completed", PrivacyRequest.id >= ids[0], PrivacyRequest.id <= ids[-1])
            ).scalar_one()
        )


def _wait_for(condition: Callable[[], bool], started: float, what: str, workers: list[subprocess.Popen[bytes]]) -> None:
    while not condition():
        dead = [w.pid for w in workers if w.poll() is not None]
        assert not dead, f"worker process(es) {dead} exited while waiting for {what}"
        assert time.monotonic() - started < TIMEOUT, f"timed out waiting for {what}"
        time.sleep(0.1)


def _held_by(engine: Engine, pid: int) -> list[int]:
    with Session(engine) as session:
        return list(
            session.execute(
                select(PrivacyRequest.id).where(
                    PrivacyRequest.status == "processing", PrivacyRequest.lease_owner.like(f"%:{pid}:%")
                )
            ).scalars()
        )


def _wait_until_stopped(pid: int) -> None:
    """Until every thread of the process is in the stopped state (Linux /proc)."""
    for _ in range(500):
        try:
            states = [
                (Path(f"/proc/{pid}/task") / task / "stat").read_text().rsplit(")", 1)[1].split()[0]
                for task in os.listdir(f"/proc/{pid}/task")
            ]
        except OSError:
            return
        if all(state in ("T", "t") for state in states):
            return
        time.sleep(0.002)


def _kill_mid_job(engine: Engine, victim: subprocess.Popen[bytes]) -> list[int]:
    """Freeze the victim, and kill it while it holds at least one lease: a worker dying mid-job."""
    for _ in range(200):
        os.kill(victim.pid, signal.SIGSTOP)
        _wait_until_stopped(victim.pid)  # SIGSTOP is asynchronous: a commit could still slip in after it
        held = _held_by(engine, victim.pid)
        if held:
            victim.kill()
            victim.wait(10)
            return held
        os.kill(victim.pid, signal.SIGCONT)
        time.sleep(0.02)
    victim.kill()
    victim.wait(10)
    pytest.fail("the victim never held a lease when frozen")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
