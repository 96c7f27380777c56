"""The staff queue's first page with a million requests in the queue's history (SQLite).

    python bench/staff_queue.py [-n 1000000]

Fills a fresh demo database (temporary data dir) with N requests in one INSERT .. SELECT (one in ten queued, the
rest completed, four customers), then times `staff_view.queue_page` as a privacy officer sees it: the first page
with no filter and with "status: queued" (the median of 5 calls each, the count included). Prints the figures;
it asserts nothing about them.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
DPO = 6

_FILL = """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO privacy_request (type, subject_id, actor_id, actor_role, channel, payload, status, idempotency_key,
                             attempts, max_attempts, progress_done, progress_total, received_at, due_at, updated_at)
SELECT 'diagnostic', 1 + (i % 4), 6, 'dpo', 'staff', '{}', CASE WHEN i % 10 = 0 THEN 'queued' ELSE 'completed' END,
       'bench-' || i, 1, 5, 0, 0, datetime('2025-01-01', '+' || (i * 30) || ' seconds'),
       datetime('2025-02-01', '+' || (i * 30) || ' seconds'), datetime('now')
FROM n"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-staff-queue-") as directory:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "DATABASE_URL"}
        env.update(PORTAL_DATA_DIR=directory, PORTAL_MODE="demo", PORTAL_SECRET_KEY=SECRET, PORTAL_SMTP_HOST="")
        subprocess.run(
            [sys.executable, "main.py", "seed"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300
        )
        started = time.perf_counter()
        with sqlite3.connect(Path(directory) / "portal.db") as connection:
            connection.execute(_FILL, {"count": args.requests})
        print(f"filled {args.requests:,} requests in {time.perf_counter() - started:.1f} s")
        os.environ.update(env)

        from portal.models.types import utcnow
        from portal.services.identity.principal import Principal
        from portal.services.views import staff_view
        from portal.services.views.staff_view import QueueFilter

        officer = Principal(
            account_id=DPO,
            role="dpo",
            display_name="Dana Officer",
            email="dpo@example.com",
            session_hash="bench",
            session_expires_at=utcnow(),
        )
        for label, query in (("no filter", QueueFilter()), ("status: queued", QueueFilter(status="queued"))):
            times = []
            for _ in range(5):
                started = time.perf_counter()
                page = staff_view.queue_page(officer, query)
                times.append(time.perf_counter() - started)
            first = [row.request.id for row in page.rows[:3]]
            print(
                f"first page, {label:<15} median {statistics.median(times) * 1000:7.1f} ms over 5 calls; "
                f"{page.total:,} requests, first ids {first}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
