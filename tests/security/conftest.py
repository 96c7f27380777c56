"""The security suite attacks a real portal process over real HTTP and its real websocket.

One portal per session (demo mode, SQLite in a temporary folder, its mail to a real local SMTP server); every test
that needs the demo state takes `reset_demo` (or resets in its module fixture), which puts the database back to
what `python main.py seed --reset` writes before it runs (seeded once into a template, copied into the live database
with SQLite's backup API: tests/utils/demo_reset.py); a test may leave its changes behind.
Tests read the database file directly to prove what did *not* change.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.smtp_server import MailServer
from tests.utils.cluster import free_port, healthy, signed_in_client
from tests.utils.demo_reset import DemoTemplate

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
COMMAND = [sys.executable, "-m", "tests.e2e.launch"]
SECRET = "security-suite-secret-key-0123456789abcdef0123456789"
START_SECONDS = 240  # a guard against a hang, not a speed check: a loaded machine seeds the demo slowly


@dataclass
class RunningPortal:
    url: str
    data_dir: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes]
    mail: MailServer
    template: DemoTemplate | None = field(default=None, repr=False)  # the demo state `reset` restores

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.data_dir / "portal.db", timeout=30)) as db:
            return db.execute(sql, params).fetchall()

    def execute(self, sql: str, *params: Any) -> None:
        with closing(sqlite3.connect(self.data_dir / "portal.db", timeout=30)) as db:
            db.execute(sql, params)
            db.commit()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def reset(self) -> None:
        """Back to the demo state: the template copied in (tests/utils/demo_reset.py), else `seed --reset`."""
        if self.template is not None:
            self.template.restore()
            return
        result = subprocess.run(
            [*COMMAND, "seed", "--reset"],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]

    def sign_in(self, email: str, password: str = "demo-password") -> httpx.Client:
        return signed_in_client(self.url, email, password)


def portal_environment(port: int, data_dir: Path, mail: MailServer, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NICEGUI_", "PORTAL_")) and k not in ("PYTEST_CURRENT_TEST", "DATABASE_URL")
    }
    env.update(
        {
            "PORTAL_HOST": "127.0.0.1",
            "PORTAL_PORT": str(port),
            "PORTAL_DATA_DIR": str(data_dir),
            "PORTAL_MODE": "demo",
            "PORTAL_SECRET_KEY": SECRET,
            "PYTHONUNBUFFERED": "1",
            "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
            "PORTAL_SMTP_HOST": mail.host,
            "PORTAL_SMTP_PORT": str(mail.port),
            "NICEGUI_STORAGE_PATH": str(data_dir / "nicegui-storage"),
            **extra,
        }
    )
    return env


def start_portal(data_dir: Path, mail: MailServer, *, demo_template: Path | None = None, **extra: str) -> RunningPortal:
    """A portal on its own port and data directory; with `demo_template` (a folder) its `reset` restores a demo
    template seeded there, while the portal starts (else it runs `seed --reset`)."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = portal_environment(port, data_dir, mail, **extra)
    template = DemoTemplate(COMMAND, REPO_ROOT, env, demo_template, timeout=300) if demo_template else None
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            COMMAND, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    portal = RunningPortal(f"http://127.0.0.1:{port}", data_dir, env, log_path, process, mail, template)
    deadline = time.monotonic() + START_SECONDS
    while not healthy(portal.url):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(portal)
            raise AssertionError(f"the portal did not start:\n{portal.log_text()[-3000:]}")
        time.sleep(0.2)
    return portal


def stop(portal: RunningPortal) -> None:
    if portal.template is not None:
        portal.template.close()
    if portal.process.poll() is None:
        portal.process.terminate()
        try:
            portal.process.wait(15)
        except subprocess.TimeoutExpired:
            portal.process.kill()
            portal.process.wait(10)


@pytest.fixture(scope="session")
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory, mail: MailServer) -> Iterator[RunningPortal]:
    running = start_portal(
        tmp_path_factory.mktemp("security-portal"), mail, demo_template=tmp_path_factory.mktemp("security-template")
    )
    yield running
    stop(running)


@pytest.fixture
def reset_demo(portal: RunningPortal) -> Callable[[], None]:
    """The demo state before the test. A test may leave its changes behind: whatever needs the demo state resets
    first (this fixture, and the module fixtures of the route matrix and the CSRF tests), which halves the resets."""
    portal.reset()
    return portal.reset


@pytest.fixture
def sign_in(portal: RunningPortal) -> Iterator[Callable[..., httpx.Client]]:
    clients: list[httpx.Client] = []

    def _sign_in(email: str, password: str = "demo-password") -> httpx.Client:
        client = portal.sign_in(email, password)
        clients.append(client)
        return client

    yield _sign_in
    for client in clients:
        client.close()
