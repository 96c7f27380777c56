"""End-to-end fixtures: one real portal per session, the system Chromium, and artifacts for every run.

- The portal is either started here (`python main.py` on a free port with its own temp data dir) or, with
  `--base-url URL` / PORTAL_E2E_BASE_URL, one that is already running (optionally reset first with
  PORTAL_E2E_RESET_CMD). See docs/qa.md.
- Every test gets a fresh browser context (pytest-playwright's `page`), traced; on failure the trace, a
  full-page screenshot of each open page, the error and the server log tail land in
  artifacts/failures/<test-name>/.
- A real SMTP server (aiosmtpd, `tests/e2e/smtp_server.py`) receives the portal's mail for the session; the
  `mailbox` and `wait_for_mail` fixtures read it. Against a portal started elsewhere it runs only when
  PORTAL_E2E_SMTP names the address that portal delivers to; otherwise tests that need mail are skipped.
- `reset_demo` (opt-in, per test) puts the database back to the demo state: what `python main.py seed --reset`
  writes, seeded once per session into a template and copied into the live database by SQLite's backup API
  (tests/utils/demo_reset.py), or PORTAL_E2E_RESET_CMD against a portal started elsewhere; it ends every session,
  so sign in after it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any

import pytest
from playwright.sync_api import BrowserContext, Error

from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO_ROOT,
    artifacts_dir,
    downloads_dir,
    failures_dir,
    launch_setting,
    portal_environment_of_caller,
    safe_name,
    screenshots_dir,
)
from tests.e2e.smtp_server import DEFAULT_MAIL_TIMEOUT, MailServer, parse_address
from tests.utils.cluster import free_port, healthy
from tests.utils.demo_reset import DemoTemplate, database_of

E2E_SECRET_KEY = "e2e-secret-key-for-the-test-portal-only-0123456789abcdef"
START_TIMEOUT_SECONDS = 240  # a guard against a hang, not a speed check: a loaded machine seeds the demo slowly
RESET_TIMEOUT_SECONDS = 300
# `python main.py`, under a command line without "main.py" in it (see tests/e2e/launch.py).
PORTAL_COMMAND = [sys.executable, "-m", "tests.e2e.launch"]
LOG_TAIL_LINES = 200
ACTION_TIMEOUT_MS = 15_000

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


# ----------------------------------------------------------------------------------------------- output


def _say(config: pytest.Config, line: str) -> None:
    """Write a line to the terminal even while pytest captures output (so it shows in CI logs with -q)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        print(line)
        return
    if capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)
    else:
        reporter.write_line(line)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    root = artifacts_dir()
    terminalreporter.write_sep("-", "e2e artifacts")
    terminalreporter.write_line(f"e2e artifacts: {root}")
    failures = failures_dir()
    if failures.is_dir() and any(failures.iterdir()):
        terminalreporter.write_line(f"failure artifacts (trace.zip: `playwright show-trace <zip>`): {failures}")


def _xdist_worker() -> str | None:
    """The pytest-xdist worker this process is (gw0, gw1, ...), or None in a run without -n."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def pytest_sessionstart(session: pytest.Session) -> None:
    """What is in the artifact folders belongs to this run only: emptied once, before any test (under pytest-xdist
    by the controlling process, not by each worker, which would delete the files of the other)."""
    if _xdist_worker() is None:
        for stale in (failures_dir(), screenshots_dir(), downloads_dir()):
            shutil.rmtree(stale, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Journeys that take `reset_demo` run first (each in its file's order, then the others in theirs): each
    of them needs one reset before it, and the rest share the one after the last of them. Mixed in between, every
    other test after such a journey cost a reset more. (Every journey runs alone as well: `-k <name>`.)"""
    items.sort(key=lambda item: "reset_demo" not in getattr(item, "fixturenames", ()))


# ------------------------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, browser_name: str) -> dict:
    """pytest-playwright's options (--headed, --slowmo) plus the system Chromium: browsers are never downloaded."""
    if browser_name != "chromium":
        return browser_type_launch_args
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# ------------------------------------------------------------------------------------------- the portal


@dataclass
class Portal:
    url: str
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    environment: dict[str, str] | None = field(default=None, repr=False)  # the subprocess's, for `seed --reset`
    template: DemoTemplate | None = field(default=None, repr=False)  # the demo state to restore (SQLite)
    _log_file: IO[bytes] | None = field(default=None, repr=False)
    # What the data is like now: "demo" (just reset or started), "used" (a test without `reset_demo` ran: it may
    # have filed a request or toggled a consent, which journeys tolerate) or "changed" (a `reset_demo` journey
    # ran: ada's email, margaret's account... must be reset before any other test). See `reset_demo`.
    state: str = "demo"

    def reset_if(self, *states: str) -> None:
        """Reset when the data is in one of `states`; afterwards it is "demo"."""
        if self.state in states:
            self.reset()

    @property
    def can_reset(self) -> bool:
        return self.environment is not None or bool(launch_setting("PORTAL_E2E_RESET_CMD"))

    def reset(self) -> None:
        """Back to the demo state. The portal the suite started: the demo template (`seed --reset` run once into a
        data directory of its own) copied into its database, its export files swept (tests/utils/demo_reset.py);
        a portal started elsewhere: PORTAL_E2E_RESET_CMD. The portal keeps running; every session ends (sessions
        are rows too)."""
        if self.template is not None:
            try:
                self.template.restore()
            except (OSError, RuntimeError, sqlite3.Error) as error:
                pytest.fail(f"resetting the demo data failed: {error}", pytrace=False)
            self._after_reset()
            return
        if self.environment is not None:
            command: str | list[str] = [*PORTAL_COMMAND, "seed", "--reset"]
            result = subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=self.environment,
                capture_output=True,
                text=True,
                timeout=RESET_TIMEOUT_SECONDS,
                check=False,
            )
        else:
            command = launch_setting("PORTAL_E2E_RESET_CMD") or ""
            result = subprocess.run(
                command,
                shell=True,
                cwd=REPO_ROOT,
                env=portal_environment_of_caller(),
                capture_output=True,
                text=True,
                timeout=RESET_TIMEOUT_SECONDS,
                check=False,
            )
        if result.returncode != 0:
            pytest.fail(
                f"resetting the demo data failed with code {result.returncode}: {command}\n"
                f"{result.stdout}{result.stderr}",
                pytrace=False,
            )
        self._after_reset()

    def _after_reset(self) -> None:
        if not healthy(self.url):
            pytest.fail(
                f"the portal at {self.url} stopped answering /healthz after the reset:\n{self.log_tail(40)}",
                pytrace=False,
            )
        self.state = "demo"

    def exit_note(self) -> str | None:
        """Why the portal the suite started is gone, if it is (a signal shows as a negative code: -9 is SIGKILL,
        for example from someone's `pkill -f main.py` on the same machine)."""
        if self.process is None or self.process.poll() is None:
            return None
        return (
            f"the portal the suite started (pid {self.process.pid}) exited with code {self.process.returncode} "
            f"during the run; its log: {self.log_path}"
        )

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        if self.log_path is None:
            return f"(the portal at {self.url} was started outside this test run: see its own log)\n"
        if not self.log_path.exists():
            return "(no server log written)\n"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:]) + "\n"

    def stop(self) -> None:
        if self.template is not None:
            self.template.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()


def _configured_base_url(config: pytest.Config) -> str | None:
    """--base-url (pytest-base-url, or pytest-playwright's stand-in for it), the base_url ini value, or
    PORTAL_E2E_BASE_URL."""
    url = config.getoption("base_url", default=None)
    if not url:
        try:
            url = config.getini("base_url")
        except (ValueError, KeyError):
            url = None
    url = url or launch_setting("PORTAL_E2E_BASE_URL")
    return str(url).rstrip("/") if url else None


def _server_environment(port: int, data_dir: Path, mail: MailServer | None) -> dict[str, str]:
    # NiceGUI switches to its test modes when it sees PYTEST_CURRENT_TEST or NICEGUI_* variables; a
    # developer's PORTAL_* settings or DATABASE_URL must not point the test server at their database.
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("NICEGUI_", "PORTAL_")) and name not in ("PYTEST_CURRENT_TEST", "DATABASE_URL")
    }
    environment.update(
        {
            "PORTAL_HOST": "127.0.0.1",
            "PORTAL_PORT": str(port),
            "PORTAL_DATA_DIR": str(data_dir),
            "PORTAL_MODE": "demo",
            "PORTAL_SECRET_KEY": E2E_SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
            # Links in mail are absolute, as a customer gets them.
            "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        }
    )
    if mail is not None:  # the in-process worker delivers the outbox to the suite's SMTP server every 5 s
        environment.update({"PORTAL_SMTP_HOST": mail.host, "PORTAL_SMTP_PORT": str(mail.port)})
    # Set after the strip on purpose: NiceGUI's per-browser storage goes to the temp dir, not .nicegui/ in
    # the checkout (every test's fresh browser context would leave a file there).
    environment["NICEGUI_STORAGE_PATH"] = str(data_dir / "nicegui-storage")
    return environment


def _start_own_portal(data_dir: Path, template_dir: Path, mail: MailServer | None) -> Portal:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    worker = _xdist_worker()  # under pytest-xdist each worker starts its own portal, with its own log
    log_path = artifacts_dir() / (f"server-{worker}.log" if worker else "server.log")
    environment = _server_environment(port, data_dir, mail)
    # The demo template is seeded while the portal starts (and seeds its own database); the first reset waits for it.
    template = (
        DemoTemplate(PORTAL_COMMAND, REPO_ROOT, environment, template_dir, timeout=RESET_TIMEOUT_SECONDS)
        if database_of(environment) is not None
        else None
    )
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        PORTAL_COMMAND,
        cwd=REPO_ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    portal = Portal(
        url=url, log_path=log_path, process=process, environment=environment, template=template, _log_file=log_file
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not healthy(url):
        if process.poll() is not None:
            portal.stop()
            pytest.fail(
                f"the portal exited with code {process.returncode} before it was ready; "
                f"log {log_path}:\n{portal.log_tail(40)}",
                pytrace=False,
            )
        if time.monotonic() > deadline:
            portal.stop()
            pytest.fail(
                f"the portal did not answer GET {url}/healthz with 200 within {START_TIMEOUT_SECONDS} s; "
                f"log {log_path}:\n{portal.log_tail(40)}",
                pytrace=False,
            )
        time.sleep(0.2)
    return portal


def _use_running_portal(url: str) -> Portal:
    reset_command = launch_setting("PORTAL_E2E_RESET_CMD")
    if reset_command:
        result = subprocess.run(
            reset_command,
            shell=True,
            cwd=REPO_ROOT,
            env=portal_environment_of_caller(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(
                f"PORTAL_E2E_RESET_CMD failed with code {result.returncode}: {reset_command}\n"
                f"{result.stdout}{result.stderr}",
                pytrace=False,
            )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not healthy(url):
        if time.monotonic() > deadline:
            pytest.fail(
                f"no portal answers GET {url}/healthz with 200 (--base-url / PORTAL_E2E_BASE_URL)", pytrace=False
            )
        time.sleep(0.5)
    return Portal(url=url)


@pytest.fixture(scope="session")
def mail_server(pytestconfig: pytest.Config) -> Iterator[MailServer | None]:
    """The session's SMTP server: on PORTAL_E2E_SMTP (host:port) if set, else on a free port of 127.0.0.1 for the
    portal the suite starts. None against a portal started elsewhere without PORTAL_E2E_SMTP (its mail goes
    wherever it was configured to send it, out of the suite's reach)."""
    configured = launch_setting("PORTAL_E2E_SMTP")
    if not configured and _configured_base_url(pytestconfig):
        yield None
        return
    host, port = parse_address(configured) if configured else ("127.0.0.1", None)
    server = MailServer(host, port).start()
    _say(pytestconfig, f"e2e mail: SMTP server on {server.host}:{server.port}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def portal(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory, mail_server: MailServer | None
) -> Iterator[Portal]:
    """The portal under test: the one named by --base-url / PORTAL_E2E_BASE_URL, else our own subprocess."""
    root = artifacts_dir()
    root.mkdir(parents=True, exist_ok=True)
    _say(pytestconfig, f"e2e artifacts: {root}")
    external = _configured_base_url(pytestconfig)
    if external and int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
        pytest.fail(
            "the e2e suite runs in parallel (-n) only against portals it starts itself (one per worker): "
            f"the journeys on {external} would reset and change each other's data; drop -n",
            pytrace=False,
        )
    if external:
        running = _use_running_portal(external)
        _say(
            pytestconfig,
            f"e2e portal: {running.url} (already running; "
            f"reset command: {launch_setting('PORTAL_E2E_RESET_CMD') or 'none'})",
        )
    else:
        running = _start_own_portal(
            tmp_path_factory.mktemp("portal-data"), tmp_path_factory.mktemp("demo-template"), mail_server
        )
        _say(pytestconfig, f"e2e portal: {running.url} (started for this run; log: {running.log_path})")
    try:
        yield running
    finally:
        if external:  # leave a portal started elsewhere in the demo state (ours goes away with its data dir)
            running.reset_if("changed")
        running.stop()


@pytest.fixture(scope="session")
def portal_url(portal: Portal) -> str:
    """Base URL of the portal under test, without a trailing slash."""
    return portal.url


@pytest.fixture(scope="session")
def base_url(portal_url: str) -> str:
    """pytest-playwright gives every context this base URL, so `page.goto("/login")` works."""
    return portal_url


@pytest.fixture
def reset_demo(portal: Portal) -> Iterator[Callable[[], None]]:
    """Opt-in: the test starts on the demo state, and no later test sees what it changed (yields the reset, to call
    in between). Every session ends with a reset: sign in after it. Skips against a portal started elsewhere
    without PORTAL_E2E_RESET_CMD.

    A reset (the demo template copied in: a fraction of a second, `seed --reset` took 3 to 6 s) runs only where
    it is needed: before this test unless the data is still untouched since the last one, and after it lazily,
    when the next test starts (`_context_watch`) or the session ends, passed or failed (e.g. ada's email back to
    ada@…). Two resets per journey used to be the rule; now one is."""
    if not portal.can_reset:
        pytest.skip(
            f"this journey changes demo data others rely on; {portal.url} was started outside this run "
            "and PORTAL_E2E_RESET_CMD is not set, so it cannot be reset"
        )
    portal.reset_if("used", "changed")
    portal.state = "changed"
    yield portal.reset
    portal.state = "changed"  # a reset called in the middle is followed by more changes


@pytest.fixture
def mailbox(mail_server: MailServer | None) -> MailServer:
    """The session's SMTP server (every message the portal delivered so far); skips when there is none."""
    if mail_server is None:
        pytest.skip(
            "needs the portal's mail: it was started outside this run (--base-url / PORTAL_E2E_BASE_URL) "
            "and PORTAL_E2E_SMTP is not set; start it with PORTAL_SMTP_HOST/PORTAL_SMTP_PORT pointing at a "
            "free address and set PORTAL_E2E_SMTP=host:port to that address"
        )
    return mail_server


@pytest.fixture
def wait_for_mail(mailbox: MailServer) -> Callable[..., EmailMessage]:
    """`wait_for_mail(to, subject_contains, timeout=20)`: the newest message to `to` with that text in its
    subject, waiting for the worker's next delivery round (every 5 s)."""

    def _wait(to: str, subject_contains: str, timeout: float = DEFAULT_MAIL_TIMEOUT) -> EmailMessage:
        return mailbox.wait_for(to, subject_contains, timeout)

    return _wait


# ------------------------------------------------------------------------------- failure artifacts


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember each phase's report on the test item, so fixtures know in teardown whether the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _failed(item: pytest.Item) -> pytest.TestReport | None:
    reports = item.stash.get(_REPORTS, {})
    return next((r for r in (reports.get("setup"), reports.get("call")) if r is not None and r.failed), None)


class ContextWatch:
    """The browser contexts of one test: traced from their start, and recorded if the test fails."""

    def __init__(self, tracing: bool) -> None:
        self.tracing = tracing
        self.contexts: list[BrowserContext] = []

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        if self.tracing:
            # DOM snapshots, not the screencast: the filmstrip cost about a third of the suite's time (a full-page
            # screenshot of each open page is saved on failure anyway). PORTAL_E2E_TRACE_SCREENSHOTS=1 records it.
            context.tracing.start(
                screenshots=launch_setting("PORTAL_E2E_TRACE_SCREENSHOTS") == "1", snapshots=True, sources=True
            )
        self.contexts.append(context)
        return context

    def finish(self, folder: Path | None) -> list[str]:
        """Stop tracing; with a folder (the test failed), keep traces and full-page screenshots there."""
        problems = []
        for number, context in enumerate(self.contexts, start=1):
            suffix = "" if number == 1 else f"-{number}"
            if folder is not None:
                for index, page in enumerate(context.pages, start=1):
                    name = f"screenshot{suffix}{'' if index == 1 else f'-page{index}'}.png"
                    try:
                        page.screenshot(path=folder / name, full_page=True, timeout=5_000)
                    except Error as exc:
                        problems.append(f"{name}: {exc.message}")
            if self.tracing:
                try:
                    context.tracing.stop(path=folder / f"trace{suffix}.zip" if folder is not None else None)
                except Error as exc:  # a context the test closed itself has no trace to stop
                    problems.append(f"trace{suffix}.zip: {exc.message}")
        return problems


@pytest.fixture(autouse=True)
def _context_watch(request: pytest.FixtureRequest, portal: Portal) -> Iterator[ContextWatch | None]:
    """Traces the test's browser context; on failure saves trace, screenshots, error and server log tail to
    artifacts/failures/<test-name>/. (With pytest-playwright's own --tracing on|retain-on-failure the trace
    is left to it, in --output.)"""
    gone = portal.exit_note()
    if gone:  # one clear failure per test instead of a connection error in each
        pytest.fail(gone, pytrace=False)
    if "reset_demo" in request.fixturenames:
        request.getfixturevalue("reset_demo")
    else:  # what the last `reset_demo` journey changed is undone before this test starts
        portal.reset_if("changed")
        portal.state = "used"
    if "context" not in request.fixturenames:
        yield None
        return
    watch = ContextWatch(tracing=request.config.getoption("--tracing") == "off")
    watch.watch(request.getfixturevalue("context"))
    yield watch
    failure = _failed(request.node)
    folder = failures_dir() / safe_name(request.node.name) if failure else None
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    problems = watch.finish(folder)
    if folder is not None and failure is not None:
        pages = [page.url for context in watch.contexts for page in context.pages]
        gone = portal.exit_note()
        (folder / "error.txt").write_text(
            f"{request.node.nodeid}\npages open: {pages}\n\n{failure.longreprtext}\n"
            + (f"\n{gone}\n" if gone else "")
            + "".join(f"\nnot saved: {p}" for p in problems)
        )
        (folder / "server-log-tail.txt").write_text(portal.log_tail())


@pytest.fixture
def fresh_context(
    new_context: Callable[..., BrowserContext], _context_watch: ContextWatch | None
) -> Callable[..., BrowserContext]:
    """Opens a further browser context (its own cookie jar, same base URL), traced and recorded like `page`'s."""

    def _open(**kwargs: Any) -> BrowserContext:
        context = new_context(**kwargs)
        return _context_watch.watch(context) if _context_watch is not None else context

    return _open
