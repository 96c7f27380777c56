"""Benchmark: erasing a customer with 1,000,000 usage events vs one with 1,000, while another customer
keeps using the portal.

    python bench/erasure.py [--events 1000000] [--small 1000]

Builds a throw-away SQLite data directory with the demo data plus two benchmark customers, then for each of
them files a withdrawal (password and confirmation, as the /withdraw page does) and runs it at once with
`portal.jobs.withdrawal.process_now`, exactly what the page calls. Meanwhile a separate reader process keeps loading
ada's first usage page and her overview (`personal_data.record_page` + `overview`, the pages' service calls)
and records each latency. Prints the erasure times and their ratio, and ada's page latency before and
during each erasure (median, p95, max). Not a pytest test.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's queue module that multiprocessing imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _environment(data_dir: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("PORTAL_", "NICEGUI_")) or name == "DATABASE_URL":
            os.environ.pop(name)
    os.environ.update(
        PORTAL_DATA_DIR=str(data_dir),
        PORTAL_MODE="demo",
        PORTAL_SECRET_KEY="bench-secret-key-0123456789-0123456789-abcdef",
    )


def _principal(account_id: int):  # type: ignore[no-untyped-def]
    from portal.db import session_scope
    from portal.models import Account
    from portal.models.types import utcnow
    from portal.services.identity.principal import Principal

    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None
        return Principal(
            account_id=account_id,
            role=account.role,
            display_name=account.display_name,
            email=account.email,
            session_hash="bench",
            session_expires_at=utcnow(),
        )


def _reader(data_dir: str, stop: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:
    """Another customer using the portal: load ada's usage page and overview over and over."""
    _environment(Path(data_dir))
    from portal.catalogue import get_catalogue
    from portal.categories import PageQuery
    from portal.services.rights import personal_data

    ada = _principal(1)
    kind = get_catalogue().categories["usage"].kinds[0]
    while not stop.is_set():
        started = time.perf_counter()
        personal_data.record_page(ada, kind, PageQuery.parse(kind))
        personal_data.overview(ada)
        out.put((time.time(), (time.perf_counter() - started) * 1000))
        time.sleep(0.01)


def _stats(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    median = statistics.median(ordered)
    return f"median {median:7.2f} ms   p95 {p95:7.2f} ms   max {ordered[-1]:7.2f} ms   n={len(ordered)}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="portal-bench-erasure-"))
    _environment(data_dir)
    from portal.db import get_engine, migrate
    from portal.jobs import register_all, withdrawal
    from portal.seed.demo import add_usage_customer, seed_demo
    from portal.services.rights import erasure

    engine = get_engine()
    migrate.upgrade(engine)
    seed_demo(engine=engine)
    register_all()
    started = time.perf_counter()
    big = add_usage_customer(engine=engine, email="big@bench.example", usage_events=args.events)
    small = add_usage_customer(engine=engine, email="small@bench.example", usage_events=args.small, seed=2)
    print(
        f"setup: {args.events:,} + {args.small:,} usage events in {time.perf_counter() - started:.1f} s "
        f"(SQLite in {data_dir})"
    )

    context = multiprocessing.get_context("spawn")
    samples: multiprocessing.Queue = context.Queue()
    stop = context.Event()
    reader = context.Process(target=_reader, args=(str(data_dir), stop, samples), daemon=True)
    reader.start()
    time.sleep(3)  # the reader's warm-up and a baseline
    windows: dict[str, tuple[float, float]] = {}
    baseline_start = time.time()
    time.sleep(2)
    windows["before any erasure"] = (baseline_start, time.time())
    durations = {}
    for label, account_id, events in (
        ("1,000 events", small, args.small),
        (f"{args.events:,} events", big, args.events),
    ):
        request_id = erasure.request_withdrawal(
            _principal(account_id), password="demo-password", confirmed=True, idempotency_key=f"bench-{account_id}"
        )
        begin, t0 = time.time(), time.perf_counter()
        receipt = withdrawal.process_now(request_id, timeout=600)
        durations[label] = time.perf_counter() - t0
        windows[f"during erasure of {label}"] = (begin, time.time())
        assert receipt, f"erasure of {label} did not finish"
        print(f"erasure of a customer with {events:>9,} usage events: {durations[label]:8.3f} s")
        time.sleep(1)
    stop.set()
    reader.join(10)
    collected = []
    while not samples.empty():
        collected.append(samples.get())
    small_time, big_time = durations["1,000 events"], durations[f"{args.events:,} events"]
    print(
        f"ratio {args.events:,} vs 1,000: {big_time / small_time:.1f}x "
        f"for {args.events / args.small:,.0f}x the rows: the small erasure is mostly fixed cost)"
    )
    print("\nada's usage page + overview (another customer, separate process) :")
    for name, (start, end) in windows.items():
        print(f"  {name:40s} {_stats([ms for at, ms in collected if start <= at <= end])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
