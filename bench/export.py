"""Benchmark: building an export ZIP for customers with 1,000 and 1,000,000 usage events.

    python bench/export.py [--events 1000000] [--small 1000] [--baseline-runs 3] [--no-full] [--keep]

Builds a throw-away data directory with a migrated SQLite database and two customers made by
`add_usage_customer`. Every measurement runs in its own child process (this script run again with
`--child ...`), so the peak RSS it reports (VmHWM from /proc/self/status) is that process's own:

* portal: the child files an export of the usage category with `exports.request_export` and runs one queue
  worker (`Worker(get_engine()).run_one()`), which builds the ZIP through `exports.build_for_request`. The
  time is the wall time of `build_for_request` (the worker's claim and completion around it are a few ms).
  Run with formats ["csv"] (the figure compared with the baseline) and, for information, json+csv+html.
* baseline (the practical limit): a minimal script with the `sqlite3` module that SELECTs the same
  usage_event rows (fetchmany) and writes them as CSV lines into one ZIP entry (zipfile, ZIP_DEFLATED,
  compresslevel 1, as the portal does). Best of `--baseline-runs`.

Prints records/s, MB/s (ZIP bytes per second; MB = 1,000,000 bytes) and the peak RSS of each child (MB),
then PASS/MISS for: portal csv >= 0.5 x baseline records/s at the large size; peak RSS < 150 MB at the large
size; peak RSS at the large size <= 1.2 x at the small size (same formats). It also prints the longest
stretch of each build in which the worker did not extend its lease (the queue lease is 30 s; a longer
stretch lets a second worker claim the same export). Not a pytest test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 0.5
TARGET_RSS_MB = 150.0
TARGET_RSS_GROWTH = 1.2
BATCH = 5000


# --- child processes -----------------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB of 1,000,000 bytes."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # Linux: KiB


def child_export(customer_id: int, formats: list[str], key: str) -> dict[str, Any]:
    """One portal export built by a real queue run, in this (child) process."""
    from sqlmodel import select

    from portal.config import get_settings
    from portal.db import get_engine, session_scope
    from portal.jobs import register_all
    from portal.models import Account, ExportPackage, PrivacyRequest
    from portal.models.types import utcnow
    from portal.queue.worker import Worker
    from portal.services.identity.principal import Principal
    from portal.services.rights import exports

    register_all()
    with session_scope() as session:
        account = session.get(Account, customer_id)
        assert account is not None
        principal = Principal(
            account_id=customer_id,
            role=account.role,
            display_name=account.display_name,
            email=account.email,
            session_hash="bench",
            session_expires_at=utcnow(),
        )
    request_id = exports.request_export(principal, categories=["usage"], formats=formats, idempotency_key=key)
    rss_before = _peak_rss_mb()

    timings: dict[str, float] = {}
    extensions: list[float] = []
    original_build = exports.build_for_request
    original_progress, original_heartbeat = Worker._progress, Worker.heartbeat

    def timed_build(context: Any) -> str:
        started = time.perf_counter()
        extensions.append(started)
        try:
            return original_build(context)
        finally:
            timings["build"] = time.perf_counter() - started
            extensions.append(time.perf_counter())

    def progress(self: Worker, request_id: int, done: int, total: int) -> None:
        extensions.append(time.perf_counter())
        original_progress(self, request_id, done, total)

    def heartbeat(self: Worker, request_id: int) -> None:
        extensions.append(time.perf_counter())
        original_heartbeat(self, request_id)

    exports.build_for_request = timed_build  # the export handler looks it up at call time
    Worker._progress, Worker.heartbeat = progress, heartbeat  # type: ignore[method-assign]
    worker = Worker(get_engine(), name="bench")
    started = time.perf_counter()
    assert worker.run_one(), "the worker found the export"
    timings["run_one"] = time.perf_counter() - started
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        package = session.exec(select(ExportPackage).where(ExportPackage.request_id == request_id)).first()
        assert request is not None and request.status == "completed", request and request.last_error
        assert package is not None and package.file_name
        path = get_settings().export_dir / package.file_name
        result = {
            "records": package.record_count,
            "zip_bytes": package.size_bytes,
            "seconds": timings["build"],
            "run_one_seconds": timings["run_one"],
            "rss_mb": _peak_rss_mb(),
            "rss_before_mb": rss_before,
            "lease_seconds": worker.lease.total_seconds(),
            "longest_without_lease_extension": max(b - a for a, b in itertools.pairwise(extensions)),
        }
    path.unlink(missing_ok=True)  # a million-event ZIP is tens of MB: do not keep it
    return result


def child_baseline(database: Path, customer_id: int, target: Path) -> dict[str, Any]:
    """The practical limit: the same rows read straight from SQLite and written as CSV into a ZIP entry."""
    import csv
    import io
    import sqlite3
    import zipfile

    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    cursor = connection.execute(
        "SELECT id, occurred_at, page, link_clicked, bytes_transferred FROM usage_event "
        "WHERE customer_id = ? ORDER BY id",
        (customer_id,),
    )
    records = 0
    with (
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("usage_event.csv", "w", force_zip64=True) as entry,
    ):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "occurred_at", "page", "link_clicked", "bytes_transferred"])
        while rows := cursor.fetchmany(BATCH):
            writer.writerows(rows)
            records += len(rows)
            entry.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
        entry.write(buffer.getvalue().encode("utf-8"))
    seconds = time.perf_counter() - started
    connection.close()
    size = target.stat().st_size
    target.unlink()
    return {
        "records": records,
        "zip_bytes": size,
        "seconds": seconds,
        "rss_mb": _peak_rss_mb(),
        "rss_before_mb": rss_before,
    }


# --- the parent ------------------------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    events: int
    records: int
    zip_bytes: int
    seconds: float
    rss_mb: float
    rss_before_mb: float
    lease_gap: float | None = None
    lease: float | None = None

    @property
    def per_second(self) -> float:
        return self.records / self.seconds

    @property
    def mb_per_second(self) -> float:
        return self.zip_bytes / 1e6 / self.seconds


def _clean_env(data_dir: Path) -> dict[str, str]:
    """The parent's environment without NiceGUI/pytest switches or any portal settings, plus ours
    (no daily export limit: the bench files more exports per customer than a customer may)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NICEGUI_", "PYTEST_", "PORTAL_")) and k != "DATABASE_URL"
    }
    env.update(PORTAL_DATA_DIR=str(data_dir), PORTAL_MODE="demo", PORTAL_EXPORT_LIMIT_PER_DAY="0", PYTHONUNBUFFERED="1")
    return env


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def build_database(data_dir: Path, sizes: list[int]) -> dict[int, int]:
    env = _clean_env(data_dir)
    for key in [k for k in os.environ if k not in env]:
        os.environ.pop(key)
    os.environ.update(env)
    from sqlalchemy import func, select

    from portal.db import dispose_engine, get_engine, migrate
    from portal.models import UsageEvent
    from portal.seed.demo import add_usage_customer

    engine = get_engine()
    started = time.perf_counter()
    migrate.upgrade(engine)
    customers = {
        size: add_usage_customer(engine=engine, email=f"export{size}@bench.example", usage_events=size)
        for size in sizes
    }
    with engine.connect() as connection:
        for size, customer_id in customers.items():
            held = connection.execute(
                select(func.count()).select_from(UsageEvent).where(UsageEvent.customer_id == customer_id)
            ).scalar_one()  # type: ignore[arg-type]
            assert held == size, f"customer {customer_id} holds {held} usage events, expected {size}"
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dispose_engine()
    database = data_dir / "portal.db"
    print(
        f"setup: schema and customers ({', '.join(f'{s:,}' for s in sizes)} usage events) in "
        f"{time.perf_counter() - started:.1f} s, database {database.stat().st_size / 1e6:.0f} MB"
    )
    return customers


def _line(run: Run) -> str:
    lease = "" if run.lease_gap is None else f" {run.lease_gap:9.1f}"
    return (
        f"  {run.label:<34} {run.records:>10,} {run.seconds:8.2f} {run.per_second:12,.0f} "
        f"{run.mb_per_second:7.2f} {run.zip_bytes / 1e6:8.1f} {run.rss_before_mb:8.1f} {run.rss_mb:8.1f}{lease}"
    )


def _verdict(name: str, ok: bool, detail: str) -> str:
    return f"  {name:<58} {detail:<34} {'PASS' if ok else 'MISS'}"


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, *rest = sys.argv[2:]
        if kind == "export":
            result = child_export(int(rest[0]), rest[1].split(","), rest[2])
        else:
            result = child_baseline(Path(rest[0]), int(rest[1]), Path(rest[2]))
        print(json.dumps(result))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="usage events of the large customer")
    parser.add_argument("--small", type=int, default=1_000, help="usage events of the small customer")
    parser.add_argument("--baseline-runs", type=int, default=3, help="baseline runs per size (best is used)")
    parser.add_argument("--no-full", action="store_true", help="skip the informational json+csv+html exports")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="portal-bench-export-"))
    began = time.perf_counter()
    print(
        f"Export benchmark: usage category, {args.small:,} and {args.events:,} usage events, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"python {sys.version.split()[0]}, SQLite database in {data_dir}, {os.cpu_count()} CPUs")
    try:
        customers = build_database(data_dir, [args.small, args.events])
        env = _clean_env(data_dir)
        runs: dict[tuple[str, int], Run] = {}
        plans = [("portal csv", "csv"), *([] if args.no_full else [("portal json+csv+html", "json,csv,html")])]
        for size in (args.small, args.events):
            customer_id = customers[size]
            for label, formats in plans:
                r = _child(env, "export", str(customer_id), formats, f"{label}-{size}")
                runs[(label, size)] = Run(
                    f"{label}, {size:,}",
                    size,
                    r["records"],
                    r["zip_bytes"],
                    r["seconds"],
                    r["rss_mb"],
                    r["rss_before_mb"],
                    r["longest_without_lease_extension"],
                    r["lease_seconds"],
                )
            baselines = [
                _child(
                    env,
                    "baseline",
                    str(data_dir / "portal.db"),
                    str(customer_id),
                    str(data_dir / f"baseline-{size}.zip"),
                )
                for _ in range(max(1, args.baseline_runs))
            ]
            best = min(baselines, key=lambda b: b["seconds"])
            runs[("baseline", size)] = Run(
                f"baseline (sqlite3 + zipfile), {size:,}",
                size,
                best["records"],
                best["zip_bytes"],
                best["seconds"],
                max(b["rss_mb"] for b in baselines),
                best["rss_before_mb"],
            )
            if len(baselines) > 1:
                spread = [b["seconds"] for b in baselines]
                print(
                    f"  baseline {size:,}: {len(spread)} runs, median {statistics.median(spread):.2f} s, "
                    f"best {min(spread):.2f} s"
                )

        print(
            "\nResults (time = wall time of exports.build_for_request; baseline: its whole script; "
            "MB = 1,000,000 bytes; RSS = the child process's peak, VmHWM)"
        )
        print(
            f"  {'run':<34} {'records':>10} {'time s':>8} {'records/s':>12} {'MB/s':>7} {'ZIP MB':>8} "
            f"{'RSS0 MB':>8} {'peak MB':>8} {'lease gap s':>9}"
        )
        for label in ["portal csv", *([] if args.no_full else ["portal json+csv+html"]), "baseline"]:
            for size in (args.small, args.events):
                print(_line(runs[(label, size)]))
        print(
            "  (RSS0: peak RSS after imports and filing the request, before the build; lease gap: the longest "
            "stretch of the build without a lease extension, against a lease of "
            f"{runs[('portal csv', args.events)].lease:.0f} s)"
        )

        print("\nVerdict")
        big, small = args.events, args.small
        ratio = runs[("portal csv", big)].per_second / runs[("baseline", big)].per_second
        print(
            _verdict(
                f"portal csv vs baseline records/s at {big:,}",
                ratio >= TARGET_RATIO,
                f"{ratio:.2f} (target >= {TARGET_RATIO})",
            )
        )
        for label, _ in plans:
            rss_big, rss_small = runs[(label, big)].rss_mb, runs[(label, small)].rss_mb
            print(
                _verdict(
                    f"{label}: peak RSS at {big:,}",
                    rss_big < TARGET_RSS_MB,
                    f"{rss_big:.1f} MB (target < {TARGET_RSS_MB:.0f})",
                )
            )
            print(
                _verdict(
                    f"{label}: peak RSS {big:,} vs {small:,}",
                    rss_big <= TARGET_RSS_GROWTH * rss_small,
                    f"{rss_big / rss_small:.2f} x (target <= {TARGET_RSS_GROWTH})",
                )
            )
        if not args.no_full:
            full = runs[("portal json+csv+html", big)].per_second / runs[("baseline", big)].per_second
            print(f"  (information: portal json+csv+html vs the csv-only baseline at {big:,}: {full:.2f})")
        for label, _ in plans:
            run = runs[(label, big)]
            if run.lease_gap is not None and run.lease is not None and run.lease_gap > run.lease:
                print(
                    f"  NOTE: {label} at {big:,} ran {run.lease_gap:.0f} s without extending its "
                    f"{run.lease:.0f} s lease: another worker could have claimed the export meanwhile."
                )
    finally:
        if args.keep:
            print(f"\nkept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\ntotal time {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
