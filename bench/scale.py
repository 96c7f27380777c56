"""Scaling out on one machine: page throughput with one vs two portal processes, queue throughput with
1, 2 and 4 worker processes, on PostgreSQL (NiceGUI storage in Redis when it is reachable).

    python bench/scale.py [--seconds 10] [--clients 8] [--requests 3000] [--workers 1 2 4] [--portals 1 2]

PostgreSQL is PORTAL_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test), used in a
throw-away schema; without it the bench says so and runs the page part on SQLite and skips the queue part.
Redis is PORTAL_TEST_REDIS_URL (default redis://127.0.0.1:6379/0), under a throw-away key prefix.

Pages: P portal processes (`python main.py`, no in-process worker). C client threads, each signed in once
(GET /login + POST /auth/login) as one of the demo customers and kept on one portal (client i on portal
i mod P: sticky, as the reverse proxy in docs/deployment.md does). Each client loops over GET /, /data/usage,
/requests and /exports for the given seconds after a warm-up; every response must be 200. Prints pages/s,
median and p95 latency, and the ratio of P=2 to P=1 throughput.

Queue: N diagnostic (no-op) requests are filed first, then K worker processes (`python main.py worker -n 1`)
start; the time runs from the first worker reporting it runs to the last completion. Prints requests/s and
the ratio to one worker, and checks each request completed exactly once.

Everything (load generator, portals, workers, PostgreSQL) shares the machine's CPUs: the figures say what
this machine does, not what separate machines would. Not a pytest test.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's `queue` (which redis and psycopg import): drop this folder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
ROOT = _HERE.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from contextlib import ExitStack  # noqa: E402

from sqlalchemy import text  # noqa: E402

from tests.utils.cluster import (  # noqa: E402
    Cluster,
    configured_redis_url,
    redis_prefix,
    redis_reachable,
    seed,
    signed_in_client,
)
from tests.utils.postgres import configured_postgres_url, postgres_schema_engine, postgres_url  # noqa: E402
from tests.utils.queue import process_env, schema_url  # noqa: E402

CUSTOMERS = ["ada@example.com", "linus@example.com", "margaret@example.com", "grace@example.com"]
PATHS = ["/", "/data/usage", "/requests", "/exports"]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure_pages(env: dict[str, str], portals: int, clients: int, seconds: float, logs: Path) -> dict[str, float]:
    cluster = Cluster(env, logs=logs / f"pages-{portals}")
    try:
        urls = [cluster.start_portal() for _ in range(portals)]
        sessions = [signed_in_client(urls[n % portals], CUSTOMERS[n % len(CUSTOMERS)]) for n in range(clients)]
        latencies: list[list[float]] = [[] for _ in range(clients)]
        errors: list[str] = []
        warmup_end = time.perf_counter() + 2.0
        stop_at = warmup_end + seconds

        def load(n: int) -> None:
            client, index = sessions[n], n
            while (now := time.perf_counter()) < stop_at:
                path = PATHS[index % len(PATHS)]
                index += 1
                response = client.get(path)
                if response.status_code != 200:
                    errors.append(f"{path}: {response.status_code}")
                    return
                if now >= warmup_end:
                    latencies[n].append(time.perf_counter() - now)

        threads = [threading.Thread(target=load, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for client in sessions:
            client.close()
        cluster.check_alive()
        if errors:
            raise RuntimeError(f"failed responses: {errors[:5]}")
        every = [value for values in latencies for value in values]
        return {
            "pages_per_s": len(every) / seconds,
            "median_ms": statistics.median(every) * 1000,
            "p95_ms": _p95(every) * 1000,
            "pages": len(every),
        }
    finally:
        cluster.stop()


def measure_queue(env: dict[str, str], engine, workers: int, total: int, logs: Path) -> tuple[float, bool]:  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    from portal.jobs import register_all
    from portal.queue import service
    from tests.utils.queue import DPO, officer

    register_all()
    prefix = f"scale-{workers}-{uuid.uuid4().hex[:6]}"
    with Session(engine) as session:
        for n in range(total):
            service.submit(
                session,
                type_key="diagnostic",
                subject_id=DPO,
                actor=officer(),
                payload={"label": prefix},
                idempotency_key=f"{prefix}-{n}",
                channel="staff",
            )
        session.commit()
    open_count = text("SELECT count(*) FROM privacy_request WHERE status IN ('queued', 'processing', 'failed')")
    cluster = Cluster(env, logs=logs / f"queue-{workers}")
    try:
        for _ in range(workers):
            cluster.start_worker()
        paths = [logs / f"queue-{workers}" / f"worker-{n}.log" for n in range(workers)]
        while not any(path.exists() and "started 1 worker" in path.read_text(errors="replace") for path in paths):
            cluster.check_alive()
            time.sleep(0.01)
        started = time.perf_counter()
        while True:
            with engine.connect() as connection:
                if connection.execute(open_count).scalar_one() == 0:
                    break
            cluster.check_alive()
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
    finally:
        cluster.stop()
    with engine.connect() as connection:
        done, effects = connection.execute(
            text(
                "SELECT (SELECT count(*) FROM privacy_request WHERE idempotency_key LIKE :p AND status = 'completed'), "
                "(SELECT count(*) FROM request_event e JOIN privacy_request r ON r.id = e.request_id "
                " WHERE r.idempotency_key LIKE :p AND e.message = 'diagnostic effect')"
            ),
            {"p": f"{prefix}-%"},
        ).one()
    return total / elapsed, done == effects == total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--portals", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    started = time.perf_counter()
    with ExitStack() as stack:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scale-")))
        extra: dict[str, str] = {"PORTAL_SMTP_HOST": "", "PORTAL_EXPORT_DIR": str(logs / "exports")}
        redis = configured_redis_url()
        if redis_reachable(redis):
            extra.update(
                NICEGUI_REDIS_URL=redis, NICEGUI_REDIS_KEY_PREFIX=stack.enter_context(redis_prefix(redis, "bench"))
            )
            redis_note = f"NiceGUI storage in Redis ({redis})"
        else:
            redis_note = "Redis not reachable: NiceGUI storage in files"
        database = postgres_url()
        engine = None
        if database:
            engine = stack.enter_context(postgres_schema_engine(database, prefix="bench_scale"))
            env = process_env(logs / "data", database_url=schema_url(engine), **extra)
            db_note = f"PostgreSQL ({database.split('@')[-1]}, throw-away schema)"
        else:
            env = process_env(logs / "data", **extra)
            db_note = f"SQLite: PostgreSQL not reachable at {configured_postgres_url().split('@')[-1]}"
        seed(env)
        print(
            f"scale bench, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs; "
            f"{db_note}; {redis_note}"
        )
        print(
            f"pages: {args.clients} client threads, GET {' '.join(PATHS)} in turn, {args.seconds:.0f} s "
            "after 2 s warm-up, signed in, sticky to one portal each"
        )
        print(f"{'portals':>7}  {'pages/s':>8}  {'median ms':>9}  {'p95 ms':>7}  {'pages':>6}  ratio to 1 portal")
        single = None
        for portals in args.portals:
            figures = measure_pages(env, portals, args.clients, args.seconds, logs)
            single = single or figures["pages_per_s"]
            print(
                f"{portals:>7}  {figures['pages_per_s']:8.1f}  {figures['median_ms']:9.1f}  "
                f"{figures['p95_ms']:7.1f}  {figures['pages']:6.0f}  {figures['pages_per_s'] / single:.2f}",
                flush=True,
            )
        if engine is None:
            print("queue: skipped (needs PostgreSQL)")
        else:
            print(f"queue: {args.requests} diagnostic requests filed first, then K worker processes drain them")
            print(f"{'workers':>7}  {'requests/s':>10}  {'ratio to 1 worker':>17}  exactly once")
            one = None
            for workers in args.workers:
                rate, exact = measure_queue(env, engine, workers, args.requests, logs)
                one = one or rate
                print(f"{workers:>7}  {rate:10.0f}  {rate / one:17.2f}  {'yes' if exact else 'NO'}", flush=True)
    print(f"bench took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
