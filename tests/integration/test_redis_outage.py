"""Redis away: NiceGUI's user storage cannot be reached, yet customers still sign in and use the portal.

Sessions, sign-in throttling and CSRF live in the database (or are signed with the secret key), never in
Redis, which holds only UI preferences (dark mode). So an unreachable Redis must cost at most those
preferences: never a session, never a sign-in. The portal here is told to use a Redis URL on which nothing
listens, which is what a Redis outage looks like to it.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from tests.utils.cluster import Cluster, free_port, seed, signed_in_client
from tests.utils.queue import process_env


def test_sign_in_and_pages_work_while_redis_is_unreachable(tmp_path: Path) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"  # a free port: nothing answers there
    env = process_env(tmp_path / "data", NICEGUI_REDIS_URL=dead_redis, PORTAL_SMTP_HOST="")
    seed(env)
    cluster = Cluster(env, logs=tmp_path / "logs")
    try:
        url = cluster.start_portal()
        with closing(signed_in_client(url, "ada@example.com")) as client:
            for path in ("/", "/data/usage", "/requests"):
                page = client.get(path)
                assert page.status_code == 200, f"GET {path}: {page.status_code}"
                assert "Ada" in page.text, f"GET {path} did not show the signed-in customer's page"
        cluster.check_alive()
        assert "Redis" in cluster.log_text(), "the portal did not report that Redis is unreachable"
    finally:
        cluster.stop()
