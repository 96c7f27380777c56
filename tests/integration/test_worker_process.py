"""`python main.py worker` as a service manager runs it: SIGTERM ends it cleanly after the job in hand."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.utils.cluster import Cluster, seed
from tests.utils.queue import process_env


def test_sigterm_stops_a_worker_process_cleanly(tmp_path: Path) -> None:
    env = process_env(tmp_path / "data", PORTAL_SMTP_HOST="")
    seed(env)
    cluster = Cluster(env, logs=tmp_path / "logs")
    try:
        worker = cluster.start_worker(threads=2)
        deadline = time.monotonic() + 30
        while "started 2 worker" not in cluster.log_text():
            assert worker.poll() is None and time.monotonic() < deadline, cluster.log_text()
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(15) == 0, f"the worker did not exit cleanly:\n{cluster.log_text()}"
        assert "Traceback" not in cluster.log_text()
    finally:
        cluster.stop()
