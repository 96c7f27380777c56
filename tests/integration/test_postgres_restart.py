"""PostgreSQL restarts while two worker processes work through thousands of queued requests and a portal process
serves: afterwards every request is completed exactly once, the audit chain is intact, and the portal answers
and signs customers in again without being restarted.

It restarts the local server (`pg_ctlcluster <version> main restart`), so it runs only where that is possible:
PostgreSQL reachable on 127.0.0.1 or localhost, `pg_ctlcluster` present and the test running as root (as on
the CI machine). Otherwise it is skipped with the reason. It takes about 30-60 seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from portal.audit import seal, verify
from portal.jobs import register_all
from portal.models import PrivacyRequest
from portal.queue import service
from tests.utils.cluster import Cluster, healthy, signed_in_client
from tests.utils.queue import (
    DPO,
    assert_each_completed_exactly_once,
    officer,
    require_postgres,
    seeded_postgres_schema,
)

REQUESTS = 3000
RESTART_AFTER = 0.15  # of the requests completed
TIMEOUT = 240.0
WORKER_SETTINGS = {"PORTAL_WORKER_LEASE_SECONDS": "3", "PORTAL_RETRY_BASE_SECONDS": "1"}


def _restart_command() -> list[str]:
    url = make_url(require_postgres())
    if url.host not in ("127.0.0.1", "localhost", "::1"):
        pytest.skip(f"PostgreSQL at {url.host} is not on this machine: it cannot be restarted from here")
    tool = shutil.which("pg_ctlcluster")
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if tool is None or not versions:
        pytest.skip("pg_ctlcluster or /etc/postgresql/<version> not found: cannot restart PostgreSQL")
    if os.geteuid() != 0:
        pytest.skip("restarting PostgreSQL needs root")
    return [tool, "--skip-systemctl-redirect", versions[-1], "main", "restart"]


@pytest.fixture
def postgres_queue(tmp_path: Path) -> Iterator[tuple[Engine, dict[str, str]]]:
    with seeded_postgres_schema(tmp_path, prefix="restart_test", **WORKER_SETTINGS) as backend:
        yield backend


def _enqueue(engine: Engine) -> list[int]:
    register_all()
    ids: list[int] = []
    with Session(engine, expire_on_commit=False) as session:
        for n in range(REQUESTS):
            request, created = service.submit(
                session,
                type_key="diagnostic",
                subject_id=DPO,
                actor=officer(),
                payload={"label": "pg-restart"},
                idempotency_key=f"pg-restart-{n}",
                channel="staff",
            )
            assert created and request.id is not None
            ids.append(request.id)
        session.commit()
    return ids


def _customer_sees_overview(portal: str) -> None:
    with closing(signed_in_client(portal, "ada@example.com")) as client:
        overview = client.get("/")
        assert overview.status_code == 200 and "Ada" in overview.text


def _completed(engine: Engine, ids: list[int]) -> int:
    """Completed requests, or -1 while the database cannot be reached."""
    try:
        with Session(engine) as session:
            return int(
                session.execute(
                    select(func.count())
                    .select_from(PrivacyRequest)
                    .where(PrivacyRequest.status == "completed", PrivacyRequest.id.between(ids[0], ids[-1]))
                ).scalar_one()
            )
    except DBAPIError:
        return -1


def _wait_for(condition: Callable[[], bool], cluster: Cluster, started: float, what: str) -> None:
    while not condition():
        cluster.check_alive()
        assert time.monotonic() - started < TIMEOUT, f"timed out waiting for {what}\n{cluster.log_text()}"
        time.sleep(0.2)


@pytest.mark.postgres
def test_postgres_restart_mid_run_loses_nothing_and_doubles_nothing(
    postgres_queue: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    restart = _restart_command()
    engine, env = postgres_queue
    ids = _enqueue(engine)
    cluster = Cluster(env, logs=tmp_path / "logs")
    started = time.monotonic()
    try:
        portal = cluster.start_portal()
        cluster.start_worker(threads=2)
        cluster.start_worker(threads=2)
        cluster.wait_for_workers()  # both at work when the server goes down, not one still starting
        _wait_for(
            lambda: _completed(engine, ids) >= RESTART_AFTER * REQUESTS,
            cluster,
            started,
            f"{RESTART_AFTER:.0%} completed",
        )
        before_restart = _completed(engine, ids)
        result = subprocess.run(restart, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"restart failed: {result.stderr}"
        restarted = time.monotonic()
        _wait_for(lambda: _completed(engine, ids) == REQUESTS, cluster, started, "all completed after the restart")
        # the portal process reconnected too: healthy again, and a customer can sign in and see their data
        _wait_for(lambda: healthy(portal), cluster, started, "the portal healthy after the restart")
        _customer_sees_overview(portal)
        cluster.check_alive()  # the workers and the portal rode out the outage; none exited
    finally:
        cluster.stop()

    assert_each_completed_exactly_once(engine, ids)
    assert before_restart < REQUESTS, "everything finished before the restart: the test proved nothing"
    assert "could not claim work" in cluster.log_text() or "failed" in cluster.log_text(), (
        "the workers never noticed the database going away"
    )
    seal(engine)
    chain = verify(engine)
    assert chain.ok, chain.describe()
    print(
        f"{REQUESTS} requests; {before_restart} completed before the restart; "
        f"{time.monotonic() - restarted:.1f} s from the restart to the last completion"
    )
