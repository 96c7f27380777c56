"""Benchmark: the first page of the usage category for customers with 0, 1,000 and 1,000,000 usage events.

    python bench/category_page.py [--runs 30] [--warmup 5] [--events 1000000] [--keep]
                                  [--no-http] [--no-browser] [--no-variants]

Builds a throw-away data directory with a migrated SQLite database and creates three customers with
`add_usage_customer` (the empty one has only an account and an identity: the "no records" baseline). Then:

1. Service path, in process (the verdict): `personal_data.record_page(principal, kind, PageQuery.parse(kind))`
   plus `personal_data.overview(principal)`, exactly what the pages call.
2. Informational: other requests of the table for the large customer (other sorts, filters, a deep page).
3. HTTP: starts the portal (`python main.py`) on a free port, signs each customer in through GET /login +
   POST /auth/login and times GET /data/usage and GET /. NiceGUI releases the HTML of this page at its first
   await (the header's ui.timer waits for the websocket), so the HTML holds a skeleton, not the records: the
   bench checks the HTML for the record total and says which case it measured.
4. Browser: Chromium (Playwright) navigates to /data/usage until the record total is visible: HTML, assets,
   websocket, query and rendering. Skipped with a note when Playwright or Chromium is missing.

Each timing: warm-ups, then rounds that visit every customer once (drift hits all alike); median and p95 per
customer, and the ratios 1,000,000 vs 1,000 (target <= 1.5) and 1,000,000 vs empty (target <= 2) of the
medians, with PASS/MISS. Not a pytest test.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'"name":"csrf","value":"([^"]+)"')
PASSWORD = "demo-password"  # add_usage_customer gives every benchmark account the demo password
TARGET_VS_THOUSAND = 1.5
TARGET_VS_EMPTY = 2.0


@dataclass
class Customer:
    label: str
    email: str
    events: int
    account_id: int = 0
    http_page: list[float] = field(default_factory=list)
    http_overview: list[float] = field(default_factory=list)
    browser: list[float] = field(default_factory=list)
    record_page: list[float] = field(default_factory=list)
    overview: list[float] = field(default_factory=list)
    both: list[float] = field(default_factory=list)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:9.2f} {_p95(values) * 1000:9.2f}"


def _ratio_line(name: str, numerator: list[float], denominator: list[float], target: float) -> str:
    ratio = statistics.median(numerator) / statistics.median(denominator)
    verdict = "PASS" if ratio <= target else "MISS"
    return f"  {name:<28} {ratio:6.2f}  (target <= {target:g})  {verdict}"


def _table(title: str, customers: list[Customer], attribute: str) -> None:
    print(f"\n{title}")
    print(f"  {'customer':<28} {'median ms':>9} {'p95 ms':>9}")
    for customer in customers:
        print(f"  {customer.label:<28} {_ms(getattr(customer, attribute))}")
    empty, thousand, million = customers
    print(
        _ratio_line(
            "ratio 1,000,000 vs 1,000", getattr(million, attribute), getattr(thousand, attribute), TARGET_VS_THOUSAND
        )
    )
    print(
        _ratio_line("ratio 1,000,000 vs empty", getattr(million, attribute), getattr(empty, attribute), TARGET_VS_EMPTY)
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(data_dir: Path) -> dict[str, str]:
    """The parent's environment without NiceGUI/pytest switches or any portal settings, plus ours."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NICEGUI_", "PYTEST_", "PORTAL_")) and k != "DATABASE_URL"
    }
    env.update(PORTAL_DATA_DIR=str(data_dir), PORTAL_MODE="demo", PORTAL_HOST="127.0.0.1")
    return env


def _timed(repeat: int, warmup: int, customers: list[Customer], measure: Callable[[Customer], None]) -> None:
    """Warm-ups, then `repeat` rounds; each round visits every customer once, so drift hits all alike."""
    for _ in range(warmup):
        for customer in customers:
            measure(customer)
    for _ in range(repeat):
        for customer in customers:
            measure(customer)


def build_database(data_dir: Path, customers: list[Customer]) -> None:
    clean = _clean_env(data_dir)
    for key in [k for k in os.environ if k not in clean]:
        os.environ.pop(key)
    os.environ.update(clean)
    from sqlalchemy import func, select

    from portal.categories import KIND_SPECS
    from portal.db import get_engine, migrate
    from portal.seed.demo import add_usage_customer

    engine = get_engine()
    started = time.perf_counter()
    migrate.upgrade(engine)
    migrated = time.perf_counter() - started
    for customer in customers:
        customer.account_id = add_usage_customer(engine=engine, email=customer.email, usage_events=customer.events)
    created = time.perf_counter() - started - migrated
    with engine.connect() as connection:
        for customer in customers:
            held = {
                kind: connection.execute(
                    select(func.count())
                    .select_from(spec.table)
                    .where(getattr(spec.table, spec.owner) == customer.account_id)
                ).scalar_one()
                for kind, spec in KIND_SPECS.items()
            }
            assert held["usage_event"] == customer.events, held
            non_empty = sorted(kind for kind, count in held.items() if count)
            if customer.events == 0:
                assert non_empty == ["account", "identity_profile"], non_empty
    print(
        f"setup: schema migrated in {migrated:.1f} s, customers created in {created:.1f} s "
        f"(database {(data_dir / 'portal.db').stat().st_size / 1e6:,.0f} MB)"
    )


def measure_service(customers: list[Customer], runs: int, warmup: int) -> None:
    from portal.catalogue import get_catalogue
    from portal.categories import PageQuery
    from portal.services.identity.principal import Principal
    from portal.services.rights import personal_data

    _, kind = get_catalogue().kind("usage_event")
    principals = {
        c.email: Principal(
            account_id=c.account_id,
            role="customer",
            display_name=c.label,
            email=c.email,
            session_hash="bench",
            session_expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        for c in customers
    }

    def measure(customer: Customer) -> None:
        principal = principals[customer.email]
        start = time.perf_counter()
        page = personal_data.record_page(principal, kind, PageQuery.parse(kind))
        middle = time.perf_counter()
        personal_data.overview(principal)
        end = time.perf_counter()
        assert page.total == customer.events and len(page.rows) == min(25, customer.events)
        customer.record_page.append(middle - start)
        customer.overview.append(end - middle)
        customer.both.append(end - start)

    _timed(runs, warmup, customers, measure)
    for customer in customers:  # the warm-ups are not results
        for values in (customer.record_page, customer.overview, customer.both):
            del values[:warmup]


VARIANTS: list[tuple[str, dict[str, object]]] = [
    ("default (newest first)", {}),
    ("oldest first", {"descending": False}),
    ("page 20,000 of 40,000", {"page": 20_000}),
    ("sorted by page viewed", {"sort": "page"}),
    ("sorted by bytes", {"sort": "bytes_transferred", "descending": False}),
    ("filter '/cart' (common)", {"text": "/cart"}),
    ("filter 'zzz' (no match)", {"text": "zzz"}),
]


def measure_variants(customer: Customer, runs: int) -> None:
    """Informational: what the table's other requests cost for the large customer (no target)."""
    from portal.catalogue import get_catalogue
    from portal.categories import PageQuery
    from portal.services.identity.principal import Principal
    from portal.services.rights import personal_data

    _, kind = get_catalogue().kind("usage_event")
    principal = Principal(
        account_id=customer.account_id,
        role="customer",
        display_name=customer.label,
        email=customer.email,
        session_hash="bench",
        session_expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    print(f"\nService: other record_page requests for {customer.label} (informational, {runs} runs, no target)")
    print(f"  {'request':<28} {'median ms':>9} {'p95 ms':>9} {'total':>10}")
    for label, changes in VARIANTS:
        timings = []
        total = 0
        for _ in range(runs):
            start = time.perf_counter()
            total = personal_data.record_page(principal, kind, PageQuery.parse(kind, **changes)).total  # type: ignore[arg-type]
            timings.append(time.perf_counter() - start)
        print(f"  {label:<28} {_ms(timings)} {total:>10,}")


def measure_http(
    data_dir: Path, customers: list[Customer], runs: int, warmup: int, *, browser: bool
) -> tuple[bool, str | None]:
    import httpx

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _clean_env(data_dir)
    env["PORTAL_PORT"] = str(port)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "main.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        started = time.perf_counter()
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the portal exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - started > 60:
                raise RuntimeError(f"the portal did not answer within 60 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        print(f"portal started in {time.perf_counter() - started:.1f} s on port {port}")

        clients: dict[str, httpx.Client] = {}
        waits_for_page = True
        for customer in customers:
            client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
            login = client.get("/login")
            match = CSRF.search(login.text)
            assert login.status_code == 200 and match, "the login page carries a CSRF token"
            signed_in = client.post(
                "/auth/login", data={"csrf": match.group(1), "email": customer.email, "password": PASSWORD}
            )
            assert signed_in.status_code == 303 and signed_in.headers["location"] == "/", (
                f"sign-in of {customer.email} failed: {signed_in.status_code} {signed_in.headers}"
            )
            page = client.get("/data/usage")
            assert page.status_code == 200, f"GET /data/usage for {customer.email}: {page.status_code}"
            marker = f"{customer.events:,} records" if customer.events else "We hold no records of this kind about you."
            if marker not in page.text:
                waits_for_page = False
            clients[customer.email] = client

        def get(customer: Customer, path: str, into: list[float]) -> None:
            start = time.perf_counter()
            response = clients[customer.email].get(path)
            into.append(time.perf_counter() - start)
            assert response.status_code == 200, f"GET {path} for {customer.email}: {response.status_code}"

        _timed(runs, warmup, customers, lambda c: get(c, "/data/usage", c.http_page))
        _timed(runs, warmup, customers, lambda c: get(c, "/", c.http_overview))
        for customer in customers:
            del customer.http_page[:warmup]
            del customer.http_overview[:warmup]
        cookies = {
            email: {cookie.name: cookie.value for cookie in client.cookies.jar} for email, client in clients.items()
        }
        for client in clients.values():
            client.close()
        browser_note = measure_browser(base, cookies, customers, runs, warmup) if browser else "not requested"
        return waits_for_page, browser_note
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def measure_browser(
    base: str, cookies: dict[str, dict[str, str]], customers: list[Customer], runs: int, warmup: int
) -> str | None:
    """Time from navigation to the record total being visible in Chromium: HTML, assets, websocket, query and
    rendering, as a customer sees it. Returns why it was skipped, or None."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright is not installed"
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        try:
            chromium = (
                playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
                if executable
                else playwright.chromium.launch()
            )
        except Exception as exc:  # no browser installed: the other figures still stand
            return f"Chromium could not start ({str(exc).splitlines()[0]})"
        try:
            pages = {}
            for customer in customers:
                context = chromium.new_context()
                context.add_cookies(
                    [
                        {"name": name, "value": value, "url": base}  # type: ignore[misc]
                        for name, value in cookies[customer.email].items()
                    ]
                )
                pages[customer.email] = context.new_page()

            def measure(customer: Customer) -> None:
                page = pages[customer.email]
                total = re.compile(rf"^\s*{re.escape(f'{customer.events:,} records')}\s*$")
                start = time.perf_counter()
                page.goto(f"{base}/data/usage", wait_until="commit")
                page.locator('[data-testid="table-usage_event-total"]', has_text=total).wait_for(timeout=30_000)
                customer.browser.append(time.perf_counter() - start)

            _timed(runs, warmup, customers, measure)
            for customer in customers:
                del customer.browser[:warmup]
        finally:
            chromium.close()
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="measured requests per customer (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests first (default 5)")
    parser.add_argument("--events", type=int, default=1_000_000, help="usage events of the large customer")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    parser.add_argument("--no-http", action="store_true", help="only the in-process service timings")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium (Playwright) timings")
    parser.add_argument(
        "--no-variants",
        action="store_true",
        help="skip the informational sort/filter/deep-page timings of the large customer",
    )
    args = parser.parse_args()

    customers = [
        Customer("empty (0, identity only)", "empty@bench.example", 0),
        Customer("1,000 usage events", "thousand@bench.example", 1_000),
        Customer(f"{args.events:,} usage events", "million@bench.example", args.events),
    ]
    data_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    began = time.perf_counter()
    print(
        "Category page benchmark: /data/usage, first page (25 rows, newest first), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"python {sys.version.split()[0]}, SQLite database in {data_dir}")
    try:
        build_database(data_dir, customers)
        measure_service(customers, args.runs, args.warmup)
        from portal.db import dispose_engine

        dispose_engine()
        waits, browser_note = False, "not requested"
        if not args.no_http:
            waits, browser_note = measure_http(data_dir, customers, args.runs, args.warmup, browser=not args.no_browser)
        _table(
            "Service path (the verdict): personal_data.record_page(principal, usage_event, PageQuery.parse(kind))"
            " + personal_data.overview(principal)",
            customers,
            "both",
        )
        _table("Service: record_page alone", customers, "record_page")
        _table("Service: overview alone", customers, "overview")
        if not args.no_variants:
            measure_variants(customers[-1], runs=3)
        if not args.no_http:
            if browser_note is None:
                _table(
                    "Browser (Chromium): navigate to /data/usage until the record total is visible",
                    customers,
                    "browser",
                )
            else:
                print(f"\nBrowser timing skipped: {browser_note}")
            _table(
                f"HTTP GET /data/usage, signed in: the HTML response only "
                f"({'it contains the first page' if waits else 'it does NOT contain the first page'})",
                customers,
                "http_page",
            )
            if not waits:
                print(
                    "  NOTE: NiceGUI answered before the page function finished (the page's ui.timer waits for "
                    "the websocket, which releases the HTML at the page's first await): these figures cover "
                    "the session check and the page scaffold with a skeleton, not the record query."
                )
            _table("HTTP GET / (overview page), the HTML response only", customers, "http_overview")
    finally:
        if args.keep:
            print(f"\nkept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\ntotal time {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
