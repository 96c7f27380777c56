"""Several portal and worker processes on one database: what a scaled-out deployment runs.

Used by the multi-process e2e test, the PostgreSQL fault test and bench/scale.py. Each process is a real
`python main.py` (portal) or `python main.py worker` with its own log file; `stop()` ends them all.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import httpx

from tests.utils.totp import codes_to_try

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
START_TIMEOUT_SECONDS = 240  # a guard against a hang, not a speed check: a loaded machine seeds the demo slowly


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def configured_redis_url() -> str:
    return os.environ.get("PORTAL_TEST_REDIS_URL") or DEFAULT_REDIS_URL


@cache
def redis_reachable(url: str) -> bool:
    try:
        import redis
    except ImportError:
        return False
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return bool(client.ping())
    except Exception:
        return False


@contextmanager
def redis_prefix(url: str, name: str) -> Iterator[str]:
    """A key prefix of its own for one test or bench run; its keys are deleted afterwards."""
    import redis

    prefix = f"portal-{name}-{uuid.uuid4().hex[:10]}:"
    try:
        yield prefix
    finally:
        with suppress(Exception):
            client = redis.Redis.from_url(url, socket_connect_timeout=2)
            for key in client.scan_iter(match=f"{prefix}*"):
                client.delete(key)


_CSRF = re.compile(r'"name":"csrf","value":"([^"]+)"')


def signed_in_client(base_url: str, email: str, password: str = "demo-password") -> httpx.Client:
    """An HTTP client signed in as a browser would be: GET /login for the CSRF token, POST /auth/login, and for the
    demo privacy officer the second step with a one-time code computed from the documented secret."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
    login = client.get("/login")
    match = _CSRF.search(login.text)
    if login.status_code != 200 or not match:
        client.close()
        raise AssertionError(f"GET {base_url}/login answered {login.status_code} without a CSRF token")
    response = client.post("/auth/login", data={"csrf": match.group(1), "email": email, "password": password})
    if response.status_code != 303:
        client.close()
        raise AssertionError(f"sign-in of {email} on {base_url} answered {response.status_code}")
    if response.headers.get("location") == "/login/verify":
        response = second_step(client, match.group(1))
    return client


def second_step(client: httpx.Client, csrf: str) -> httpx.Response:
    """The one-time code step of the demo privacy officer's sign-in: the code of now, else of the next step."""
    for code in codes_to_try():
        response = client.post("/auth/login/code", data={"csrf": csrf, "code": code})
        if response.headers.get("location") != "/login/verify":
            return response
    raise AssertionError("no one-time code was accepted for the demo privacy officer")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Cluster:
    """Portal and worker processes sharing one environment (database, Redis, export dir, secret)."""

    env: dict[str, str]
    logs: Path
    portals: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _spawn(self, args: list[str], log_name: str, **extra: str) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / log_name).open("ab") as output:
            return subprocess.Popen(
                [sys.executable, "main.py", *args],
                cwd=REPO_ROOT,
                env={**self.env, **extra},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def start_portal(self) -> str:
        """One more portal process (no in-process worker: the workers are separate) on a free port."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        # Each process gets its own NiceGUI file-storage folder, as separate machines would: whatever the
        # processes share must go through the database or Redis.
        process = self._spawn(
            [],
            f"portal-{port}.log",
            PORTAL_PORT=str(port),
            PORTAL_RUN_WORKER="false",
            NICEGUI_STORAGE_PATH=str(self.logs / f"nicegui-storage-{port}"),
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"portal on port {port} did not become healthy; see {self.logs}")
            time.sleep(0.2)
        self.portals.append((url, process))
        return url

    def start_worker(self, threads: int = 1) -> subprocess.Popen[bytes]:
        process = self._spawn(["worker", "-n", str(threads)], f"worker-{len(self.workers)}.log")
        self.workers.append(process)
        return process

    def wait_for_workers(self, timeout: float = 60) -> None:
        """Until every worker process logs that its workers run (past start-up, migrations and all)."""
        deadline = time.monotonic() + timeout
        for index, _ in enumerate(self.workers):
            log = self.logs / f"worker-{index}.log"
            while "started" not in (log.read_text(errors="replace") if log.exists() else ""):
                self.check_alive()
                assert time.monotonic() < deadline, f"worker {index} did not start\n{self.log_text()}"
                time.sleep(0.05)

    def worker_pids(self) -> list[int]:
        return [worker.pid for worker in self.workers]

    def check_alive(self) -> None:
        dead = [p.pid for _, p in self.portals if p.poll() is not None] + [
            w.pid for w in self.workers if w.poll() is not None
        ]
        if dead:
            raise AssertionError(f"process(es) {dead} exited; logs in {self.logs}")

    def log_text(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}" for path in sorted(self.logs.glob("*.log"))
        )

    def stop(self) -> None:
        processes = [p for _, p in self.portals] + self.workers
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def seed(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "seed"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{result.stderr[-3000:]}")
