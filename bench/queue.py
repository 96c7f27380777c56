"""Request-queue throughput beside the database's bare transaction rate.

    python bench/queue.py [-n 2000] [--workers 1 4] [--rounds 3] [--no-postgres] [--drain]

For each database (SQLite in a temporary data dir; PostgreSQL in a throw-away schema of
PORTAL_TEST_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test, skipped with a message
when unreachable) and each worker count K:

* queue: K worker PROCESSES (`python main.py worker -n 1` each, already started and idle) and K client
  processes that file N/K diagnostic (no-op) requests through portal.queue.service.submit, one transaction
  per request. The clock runs from the moment the clients start filing until the last request is
  completed, so the figure is enqueue-and-process throughput (requests/s).
  Figures beside it say which side limits: "filing" (the clients' own rate while they file) and, with
  --drain, "process" (N requests already queued, then K workers start: first worker running to last
  completion).
  Every run checks that each request completed with exactly one diagnostic effect.
* bare: K client processes doing N/K transactions each, every transaction = INSERT one row into a scratch
  table + UPDATE that row, on the same database with the same engine settings (bare tx/s).

The ratio is requests/s divided by bare tx/s. Each database and K runs R rounds (--rounds, default 3), a round
being a queue run followed at once by a bare run, so both figures of a ratio come from the same minutes of a
machine whose speed drifts; the verdict is the median round's ratio against the target of >= 0.3 (PASS/MISS),
printed beside the lowest and highest. Processes, not threads, because SQLite and PostgreSQL concurrency is what
is measured, not the GIL.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is called queue.py: its folder must not shadow the standard library's `queue` module.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
ROOT = _HERE.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

TARGET_RATIO = 0.3
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECRET = "bench-secret-key-that-is-long-enough-0123456789"


# --- client processes (run as `python bench/queue.py --client KIND ...`) --------------------------------------


def _client(kind: str, url: str, count: int, prefix: str) -> None:
    from sqlalchemy import text
    from sqlmodel import Session

    from portal.audit import Actor
    from portal.db import make_engine
    from portal.jobs import register_all
    from portal.queue import service

    register_all()
    engine = make_engine(url)
    with engine.connect() as connection:  # connect before the clock starts
        connection.execute(text("SELECT 1"))
    actor = Actor(account_id=6, role="dpo", origin="bench")
    insert = text("INSERT INTO bench_scratch (label, status) VALUES (:label, 'new') RETURNING id")
    update = text("UPDATE bench_scratch SET status = 'done' WHERE id = :id")
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    for n in range(count):
        if kind == "enqueue":
            with Session(engine, expire_on_commit=False) as session:  # as the portal's session_scope
                service.submit(
                    session,
                    type_key="diagnostic",
                    subject_id=6,
                    actor=actor,
                    payload={"label": prefix},
                    idempotency_key=f"{prefix}-{n}",
                    channel="staff",
                )
                session.commit()
        else:
            with engine.begin() as connection:
                row_id = connection.execute(insert, {"label": f"{prefix}-{n}"}).scalar_one()
                connection.execute(update, {"id": row_id})
    print(f"done {time.perf_counter() - started:.6f} {time.time():.6f}", flush=True)
    engine.dispose()


# --- the orchestrating process ------------------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    url: str
    env: dict[str, str]


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "NICEGUI_")) and k not in ("DATABASE_URL", "PYTEST_CURRENT_TEST")
    }
    env.update(
        PORTAL_DATA_DIR=str(data_dir),
        PORTAL_MODE="demo",
        PORTAL_SECRET_KEY=SECRET,
        PYTHONUNBUFFERED="1",
        PORTAL_SMTP_HOST="",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _prepare(backend: Backend) -> None:
    from sqlalchemy import text

    from portal.db import make_engine

    subprocess.run(
        [sys.executable, "main.py", "seed"], cwd=ROOT, env=backend.env, check=True, capture_output=True, timeout=300
    )
    engine = make_engine(backend.url)
    key = "INTEGER PRIMARY KEY AUTOINCREMENT" if backend.url.startswith("sqlite") else "SERIAL PRIMARY KEY"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE bench_scratch (id {key}, label VARCHAR(80), status VARCHAR(16))"))
    engine.dispose()


@contextmanager
def _sqlite() -> Iterator[Backend]:
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as directory:
        data_dir = Path(directory)
        yield Backend("SQLite", f"sqlite:///{data_dir / 'portal.db'}", _env(data_dir, None))


@contextmanager
def _postgres(base_url: str) -> Iterator[Backend | None]:
    from sqlalchemy import create_engine

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:
        print(f"PostgreSQL: skipped, {base_url.split('@')[-1]} is not reachable ({type(error).__name__})")
        admin.dispose()
        yield None
        return
    schema = f"bench_queue_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-queue-") as directory:
            yield Backend("PostgreSQL", url, _env(Path(directory), url))
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def _start_workers(backend: Backend, count: int, logs: Path) -> tuple[list[subprocess.Popen[bytes]], float]:
    """Start `count` worker processes; returns them and the moment (wall clock) the first one reported it was
    running."""
    workers, paths, first_ready = [], [], 0.0
    for n in range(count):
        path = logs / f"worker-{n}-{uuid.uuid4().hex[:6]}.log"
        with path.open("wb") as output:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "main.py", "worker", "-n", "1"],
                    cwd=ROOT,
                    env=backend.env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            )
        paths.append(path)
    deadline = time.monotonic() + 60
    while True:
        ready = sum("started 1 worker" in path.read_text(errors="replace") for path in paths)
        if ready and not first_ready:
            first_ready = time.time()
        if ready == count:
            return workers, first_ready
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            _stop(workers)
            raise RuntimeError(f"workers did not start; see {logs}")
        time.sleep(0.01)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _clients(backend: Backend, kind: str, processes: int, total: int, prefix: str) -> list[subprocess.Popen[str]]:
    share = [total // processes + (1 if n < total % processes else 0) for n in range(processes)]
    clients = [
        subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--client",
                kind,
                "--url",
                backend.url,
                "--count",
                str(count),
                "--prefix",
                f"{prefix}-{n}",
            ],
            cwd=ROOT,
            env=backend.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n, count in enumerate(share)
    ]
    for client in clients:
        assert client.stdout is not None
        line = client.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"{kind} client failed to start: {line!r}")
    return clients


def _go(clients: list[subprocess.Popen[str]]) -> float:
    """Tell the clients to start; the moment, wall clock (the clients and the database report their own ends
    on the same clock)."""
    started = time.time()
    for client in clients:
        assert client.stdin is not None
        client.stdin.write("go\n")
        client.stdin.flush()
    return started


def _finish(clients: list[subprocess.Popen[str]]) -> tuple[float, float]:
    """Wait for every client; returns the longest time one of them took for its share, and the moment (wall
    clock) the last one finished. Taken from the clients' own report, so a client process's shutdown (50 to
    100 ms of interpreter teardown) is not counted as work."""
    longest = last = 0.0
    for client in clients:
        assert client.stdout is not None
        line = client.stdout.readline()
        if not line.startswith("done") or client.wait(60) != 0:
            raise RuntimeError(f"a client failed: {line!r}")
        longest, last = max(longest, float(line.split()[1])), max(last, float(line.split()[2]))
    return longest, last


def _wait_drained(engine: Engine) -> None:
    from sqlalchemy import text

    open_count = text(
        "SELECT count(*) FROM privacy_request WHERE status IN ('received', 'queued', 'processing', 'failed')"
    )
    while True:
        with engine.connect() as connection:
            if connection.execute(open_count).scalar_one() == 0:
                return
        time.sleep(0.02)


def _unsealed(engine: Engine) -> int:
    from sqlalchemy import text

    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM audit_event WHERE seq IS NULL")).scalar_one())


def _wait_sealed(engine: Engine, timeout: float = 300) -> None:
    """Until the workers' sealer has chained every audit event (it runs between batches, every 2 s or at once
    while a full turn of events waits), so the next run does not start with this one's backlog."""
    deadline = time.monotonic() + timeout
    while _unsealed(engine) and time.monotonic() < deadline:
        time.sleep(0.05)


def _last_completion(engine: Engine, prefix: str) -> float:
    """When (wall clock) the run's last request was completed, as the worker recorded it: the completing
    transaction commits a few milliseconds later, which is not counted; polling for it from here would add
    up to the poll interval instead."""
    from sqlalchemy import func, select

    from portal.models import PrivacyRequest

    with engine.connect() as connection:
        last = connection.execute(
            select(func.max(PrivacyRequest.completed_at)).where(PrivacyRequest.idempotency_key.like(f"{prefix}-%"))
        ).scalar_one()  # type: ignore[attr-defined]
    return float(last.timestamp())


def _exactly_once(engine: Engine, prefix: str) -> tuple[int, int]:
    """(completed requests, diagnostic effects) of one run."""
    from sqlalchemy import text

    with engine.connect() as connection:
        done = connection.execute(
            text("SELECT count(*) FROM privacy_request WHERE status = 'completed' AND idempotency_key LIKE :p"),
            {"p": f"{prefix}-%"},
        ).scalar_one()
        effects = connection.execute(
            text(
                "SELECT count(*) FROM request_event e JOIN privacy_request r ON r.id = e.request_id "
                "WHERE e.message = 'diagnostic effect' AND r.idempotency_key LIKE :p"
            ),
            {"p": f"{prefix}-%"},
        ).scalar_one()
    return int(done), int(effects)


def _queue_run(backend: Backend, workers: int, total: int, logs: Path) -> tuple[float, float, int, int, int]:
    """Workers idle and ready, then K clients file N requests: from the first filing to the last completion.
    Returns (elapsed, the slowest client's filing time, completed, effects, audit events not yet sealed at the
    last completion). The workers keep running, untimed, until the sealer has caught up."""
    from portal.db import make_engine

    prefix = f"bench-{workers}-{uuid.uuid4().hex[:6]}"
    engine = make_engine(backend.url)
    running, _ = _start_workers(backend, workers, logs)
    try:
        clients = _clients(backend, "enqueue", workers, total, prefix)
        started = _go(clients)
        filing, _ = _finish(clients)
        _wait_drained(engine)
        elapsed = _last_completion(engine, prefix) - started
        backlog = _unsealed(engine)
        _wait_sealed(engine)
    finally:
        _stop(running)
    done, effects = _exactly_once(engine, prefix)
    engine.dispose()
    return elapsed, filing, done, effects, backlog


def _drain_run(backend: Backend, workers: int, total: int, logs: Path) -> tuple[float, float, int, int]:
    """K clients file N requests with no worker running (timed: the filing rate alone, an upper bound of the
    queue figure), then K workers start: from the first worker running to the last completion.
    Returns (filing alone, draining, completed, effects)."""
    from portal.db import make_engine

    prefix = f"drain-{workers}-{uuid.uuid4().hex[:6]}"
    engine = make_engine(backend.url)
    clients = _clients(backend, "enqueue", workers, total, prefix)
    started = _go(clients)
    _, finished = _finish(clients)
    alone = finished - started
    running, first_ready = _start_workers(backend, workers, logs)
    try:
        _wait_drained(engine)
        elapsed = _last_completion(engine, prefix) - first_ready
        _wait_sealed(engine)
    finally:
        _stop(running)
    done, effects = _exactly_once(engine, prefix)
    engine.dispose()
    return alone, elapsed, done, effects


def _bare_run(backend: Backend, processes: int, total: int) -> float:
    clients = _clients(backend, "bare", processes, total, f"bare-{processes}")
    started = _go(clients)
    _, finished = _finish(clients)
    return finished - started


@dataclass
class Round:
    """One queue run and the bare run right after it."""

    elapsed: float  # first filing to last completion
    filing: float  # the slowest client's filing time
    bare: float
    backlog: int  # audit events not yet sealed at the last completion
    exact: bool  # every request completed, each with exactly one effect (queue and drain runs)
    counts: str  # completed/effects of both runs, for the report when not exact
    alone: float = 0.0  # --drain: filing with no worker running
    drain: float = 0.0  # --drain: K workers draining N queued requests

    def ratio(self, total: int) -> float:
        return (total / self.elapsed) / (total / self.bare)


def _round(backend: Backend, workers: int, total: int, logs: Path, drain: bool) -> Round:
    elapsed, filing, done, effects, backlog = _queue_run(backend, workers, total, logs)
    alone, drained_in, drained, drain_effects = (
        _drain_run(backend, workers, total, logs) if drain else (0.0, 0.0, total, total)
    )
    bare = _bare_run(backend, workers, total)
    return Round(
        elapsed,
        filing,
        bare,
        backlog,
        done == effects == drained == drain_effects == total,
        f"{done}/{effects}, {drained}/{drain_effects}",
        alone,
        drained_in,
    )


def _row(name: str, workers: int, total: int, rounds: list[Round]) -> tuple[str, bool]:
    """The report line of one database and K: the median round's figures, the range of the ratios, and whether
    the median passes."""
    by_ratio = sorted(rounds, key=lambda r: r.ratio(total))
    median = by_ratio[(len(by_ratio) - 1) // 2]  # the lower middle one for an even count: never flattering
    ratio = median.ratio(total)
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
    process = f"{total / median.drain:.0f}" if median.drain else "-"
    cap = f"{total / median.alone / (total / median.bare):.2f}" if median.alone else "-"
    spread = f"{by_ratio[0].ratio(total):.2f}-{by_ratio[-1].ratio(total):.2f}"
    exact = "yes" if all(r.exact for r in rounds) else "NO: " + "; ".join(r.counts for r in rounds if not r.exact)
    return (
        f"{name:<11} {workers:>7}  {total / median.elapsed:10.0f}  {total / median.filing:7.0f}  {process:>7}  "
        f"{total / median.bare:8.0f}  {ratio:5.2f}  {verdict}  {spread:>9}  {cap:>9}  {median.backlog:>8}  "
        f"{exact}"
    ), verdict == "PASS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds (a queue run, then a bare run) per database and K; the median round decides",
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--drain",
        action="store_true",
        help="also time K workers draining N already-queued requests (doubles the run time)",
    )
    parser.add_argument("--client", choices=["enqueue", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        _client(args.client, args.url, args.count, args.prefix)
        return 0
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    total, rows, passes = args.requests, [], 0
    backends = [_sqlite()]
    if not args.no_postgres:
        backends.append(_postgres(os.environ.get("PORTAL_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL))
    print(
        f"queue bench: {total} diagnostic requests per run; K worker processes and K client processes; "
        "bare tx = INSERT + UPDATE of one row, one transaction"
    )
    print(
        f"{args.rounds} round(s) per database and K, each a queue run then a bare run; the line shows the median "
        "round\n(by ratio) and the lowest-highest ratio of all rounds;\n"
        "requests/s: K clients file while K workers process, first filing to last completion;\n"
        "filing: the same clients' own rate; process (--drain): N already queued, K workers drain them;\n"
        "ratio = requests/s / bare tx/s of the same round; alone/bare (--drain): K clients filing with no worker\n"
        "running, divided by bare tx/s: the ratio the queue could reach if processing cost nothing;\n"
        "unsealed: audit events of the run not yet hash-chained at its last completion (the workers' sealer\n"
        "catches up afterwards, untimed, before the next run starts)"
    )
    header = (
        f"{'database':<11} {'workers':>7}  {'requests/s':>10}  {'filing':>7}  {'process':>7}  {'bare tx/s':>8}  "
        f"{'ratio':>5}  {'':4}  {'range':>9}  {'alone/bare':>9}  {'unsealed':>8}  exactly once"
    )
    print(header)
    bench_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-queue-logs-") as log_dir:
        for manager in backends:
            with manager as backend:
                if backend is None:
                    continue
                _prepare(backend)
                for workers in args.workers:
                    rounds = []
                    for number in range(1, args.rounds + 1):
                        rounds.append(_round(backend, workers, total, Path(log_dir), args.drain))
                        latest = rounds[-1]
                        print(
                            f"  {backend.name} K={workers} round {number}/{args.rounds}: "
                            f"{total / latest.elapsed:.0f} requests/s, {total / latest.bare:.0f} bare tx/s, "
                            f"ratio {latest.ratio(total):.2f}",
                            flush=True,
                        )
                    row, passed = _row(backend.name, workers, total, rounds)
                    rows.append(row)
                    passes += passed
                    print(row, flush=True)
    if args.rounds > 1 and len(rows) > 1:
        print("\n" + header + "\n" + "\n".join(rows))
    print(
        f"target ratio >= {TARGET_RATIO} (median round); {passes} of {len(rows)} PASS; "
        f"bench took {time.perf_counter() - bench_started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
