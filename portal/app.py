"""Assembles the portal: settings, database, routes, middleware and pages."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import subprocess
import sys
from typing import NotRequired, TypedDict

from nicegui import app, ui

from .catalogue import get_catalogue
from .categories import get_registry
from .config import ROOT, Settings, get_settings
from .db import get_engine, schema_revision
from .errors import PortalError
from .i18n import check_catalogues
from .jobs import register_all
from .jobs.runtime import WorkerPool
from .runtime_memory import return_big_blocks
from .services import access
from .services.rights.export_retention import sweep_export_dir
from .ui import (
    account_page,
    acting_refusal,
    activity_page,
    category_page,
    consents_page,
    exports_page,
    login_page,
    not_found,
    overview_page,
    page_watch,
    password_reset_pages,
    public_pages,
    request_detail_page,
    requests_page,
    second_step_page,
    socket_guard,
    staff_audit_page,
    staff_customers_page,
    staff_notices_page,
    staff_outbox_page,
    staff_queue_page,
    staff_request_page,
    support_access_page,
    withdraw_page,
)
from .web import downloads, notice_acks, routes, sign_in_routes
from .web.middleware import PortalMiddleware

log = logging.getLogger("portal")


def prepare_database(settings: Settings) -> None:
    """Migrate to the newest schema; seed the demo data when a demo database is new.

    Both in a child process, `python main.py migrate` or `seed` (which migrates first and seeds only a database
    without accounts), and only when the schema is not current: Alembic and the seeding's peak would otherwise stay
    in the serving process's memory for as long as it runs (about 22 MB and 70 MB; bench/README.md, page_cost).
    The child reads the same settings from the same environment."""
    if not schema_revision.is_current(get_engine()):
        command = "seed" if settings.demo else "migrate"
        log.info("database schema not current: running `python main.py %s`", command)
        subprocess.run([sys.executable, str(ROOT / "main.py"), command], check=True, stdout=subprocess.DEVNULL)
    # A process killed half way through an export leaves its partial ZIP (a customer's data) behind: clear such
    # leftovers now rather than at the worker's first housekeeping turn (a portal may run without a worker).
    try:
        if removed := sweep_export_dir():
            log.info("removed %s leftover export file(s)", removed)
    except OSError as problem:  # the worker's housekeeping tries again every minute; no reason not to serve
        log.warning("could not clear leftover export files: %s", problem)


def build() -> Settings:
    """Register everything on NiceGUI's app. Called once per process (and per simulated test run)."""
    settings = get_settings()
    return_big_blocks()  # or every thread that checks a password keeps 19 MB (runtime_memory.py)
    get_catalogue()  # a broken catalogue stops the start-up here, naming file and field
    check_catalogues()  # so does a shipped language that misses a message, naming the messages
    get_registry()
    prepare_database(settings)
    routes.register(app, settings)
    routes.register_support(app, settings)
    sign_in_routes.register(app, settings)
    downloads.register(app)
    notice_acks.register(app)
    app.add_middleware(PortalMiddleware, settings=settings, acting_refusal=acting_refusal.acting_refusal)
    socket_guard.install(settings)
    page_watch.install(settings)
    app.add_static_files("/assets", str(ROOT / "assets"))
    register_all()
    app.on_exception(_refusal)
    not_found.register(app)
    for page in (
        login_page,
        second_step_page,
        public_pages,
        password_reset_pages,
        overview_page,
        category_page,
        consents_page,
        exports_page,
        withdraw_page,
        requests_page,
        request_detail_page,
        account_page,
        staff_queue_page,
        staff_request_page,
        staff_audit_page,
        staff_notices_page,
        staff_outbox_page,
        support_access_page,
        staff_customers_page,
        activity_page,
    ):
        page.create()
    if settings.run_worker:
        _run_worker_in_process(settings)
    return settings


def _refusal(exception: Exception) -> None:
    """The one place pages catch refusals: a use case raised a PortalError that the page did not place next to a
    field, so say it as it is. When an agent's grant is over, send the agent back to the console (the middleware
    rotates their session on the way). Anything else is a bug: NiceGUI logs it."""
    if not isinstance(exception, PortalError):
        return
    with contextlib.suppress(Exception):
        ui.notify(str(exception), type="negative", multi_line=True)
        if isinstance(exception, access.SupportSessionEnded):
            ui.navigate.to("/staff/customers?ended=grant_ended")


def _run_worker_in_process(settings: Settings) -> None:
    """By default the portal processes its own queue, so `python main.py` alone does everything."""
    pool: list[WorkerPool] = []

    def _start() -> None:
        pool.append(WorkerPool(settings))
        pool[0].start()

    def _stop() -> None:
        if pool:
            pool[0].stop()

    app.on_startup(_start)
    app.on_shutdown(_stop)


def storage_secret(settings: Settings) -> str:
    # NiceGUI's user storage keeps only UI preferences (dark mode); its key is derived, not reused.
    return hashlib.sha256(f"nicegui-storage:{settings.secret_key}".encode()).hexdigest()


def run(settings: Settings) -> None:
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Privacy Portal",
        reload=False,
        show=False,
        language="en-US",
        storage_secret=storage_secret(settings),
        favicon=ROOT / "assets" / "favicon.svg",
        dark=None,
        session_middleware_kwargs={"same_site": "lax", "https_only": settings.https},
        **proxy_options(settings),
    )


class ProxyOptions(TypedDict):
    """The keyword arguments `ui.run` passes on to uvicorn about a reverse proxy."""

    proxy_headers: bool
    forwarded_allow_ips: NotRequired[str]


def proxy_options(settings: Settings) -> ProxyOptions:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise; the portal believes it only from the
    proxies named in PORTAL_TRUSTED_PROXIES (none by default), or rotating the header would dodge the throttle."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(settings.trusted_proxies)}
