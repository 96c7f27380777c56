"""Scale-out journey: two portal processes and two worker processes on one PostgreSQL database, NiceGUI's
user storage in Redis. A customer signs in on the first portal, carries on on the second with the same
cookie, files an export there, one of the separate workers builds it, and the customer downloads it from the
first portal. Skipped with the reason where PostgreSQL or Redis cannot be reached.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.models import AuditEvent, PrivacyRequest
from tests.e2e.flows import choose_export, request_export, sign_in, wait_for_export_ready, wait_until
from tests.e2e.harness import artifacts_dir, save_download, snap
from tests.utils.cluster import Cluster, configured_redis_url, redis_prefix, redis_reachable, seed
from tests.utils.postgres import describe, postgres_schema_engine, postgres_url
from tests.utils.queue import process_env, schema_url

ADA = "ada@example.com"


def _redis_keys(env: dict[str, str]) -> list[bytes]:
    import redis

    client = redis.Redis.from_url(env["NICEGUI_REDIS_URL"], socket_connect_timeout=2)
    return list(client.scan_iter(match=f"{env['NICEGUI_REDIS_KEY_PREFIX']}user-*"))


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Cluster, Engine]]:
    database = postgres_url()
    if database is None:
        pytest.skip("PostgreSQL is not reachable (PORTAL_TEST_POSTGRES_URL or 127.0.0.1:5432/test)")
    redis = configured_redis_url()
    if not redis_reachable(redis):
        pytest.skip(f"Redis is not reachable at {describe(redis)} (PORTAL_TEST_REDIS_URL)")
    with postgres_schema_engine(database, prefix="scale_out") as engine, redis_prefix(redis, "e2e") as prefix:
        env = process_env(
            tmp_path / "data",
            database_url=schema_url(engine),
            NICEGUI_REDIS_URL=redis,
            NICEGUI_REDIS_KEY_PREFIX=prefix,
            PORTAL_EXPORT_DIR=str(tmp_path / "exports"),
            PORTAL_SMTP_HOST="",
        )
        seed(env)
        running = Cluster(env, logs=artifacts_dir() / "scale-out")
        try:
            running.start_portal()
            running.start_portal()
            running.start_worker()
            running.start_worker()
            yield running, engine
        finally:
            running.stop()


def test_customer_signs_in_on_one_portal_continues_on_another_and_downloads_an_export_a_worker_built(
    cluster: tuple[Cluster, Engine], fresh_context: Callable[..., BrowserContext]
) -> None:
    running, engine = cluster
    (first, _), (second, _) = running.portals
    page = fresh_context().new_page()

    page.goto(f"{first}/login")
    sign_in(page, ADA)
    assert page.url.startswith(first), page.url
    expect(page.get_by_test_id("overview-open-requests")).to_be_visible()
    # Dark mode is NiceGUI user storage: in Redis, so the second portal knows it too.
    page.get_by_test_id("header-dark-toggle").click()
    expect(page.locator("body.body--dark")).to_have_count(1)
    wait_until(lambda: bool(_redis_keys(running.env)), "NiceGUI's user storage written to Redis")

    # Same browser, same cookie, the other process: still signed in, still dark.
    page.goto(f"{second}/exports")
    assert page.url.startswith(f"{second}/exports"), f"the second portal sent the customer to {page.url}"
    expect(page.get_by_test_id("export-chooser")).to_be_visible()
    expect(page.locator("body.body--dark")).to_have_count(1)
    choose_export(page, ["identity", "usage"], ["json", "csv"])
    request_id = request_export(page)
    wait_for_export_ready(page, request_id, timeout_ms=60_000)
    snap(page, "scale-out-export-ready-on-second-portal")

    with Session(engine) as session:
        request = session.get(PrivacyRequest, request_id)
        builders = list(
            session.execute(
                select(AuditEvent.origin).where(
                    AuditEvent.action == "request.completed", AuditEvent.target_id == str(request_id)
                )
            ).scalars()
        )
    assert request is not None and request.status == "completed"
    pids = running.worker_pids()
    assert len(builders) == 1 and any(f":{pid}:" in (builders[0] or "") for pid in pids), (
        f"expected one completion by one of the worker processes {pids}, got {builders}"
    )

    page.goto(f"{first}/exports")
    with page.expect_download() as download_info:
        page.get_by_test_id(f"export-download-{request_id}").click()
    path = save_download(download_info.value, "scale-out-export.zip")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"], entry["path"]
        names = {entry["path"] for entry in manifest["files"]}
    assert manifest["request_id"] == request_id
    assert {"data.json", "csv/usage/usage_event.csv", "csv/identity/identity_profile.csv"} <= names, names
    running.check_alive()
