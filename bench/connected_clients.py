"""Benchmark: what pages left open cost, the portal against a bare NiceGUI page with the same chrome (#24).

    python bench/connected_clients.py [--clients 100,300,1000] [--idle 20] [--browsers 3]

Starts both servers side by side (as bench/page_cost.py does), then, for each N, holds N pages open at once on each:
clients that speak NiceGUI's websocket protocol (python-socketio, the way nicegui.js connects: the page's HTML
fetched with the browser's cookies, then the socket with the implicit handshake; tests/utils/page_socket.py), with
`--browsers` real Chromium pages beside them. Portal pages are `/data/usage` of the four demo customers, signed in
once each (several tabs of one person share a session, as in a browser).

Prints per server and N: the resident memory before the clients and with N open (per connected client), and the
idle CPU per connected client (the server's own CPU time over `--idle` seconds with nobody clicking: every per-page
timer, the session checks and the bell's refresh count), and the ratio portal/bare (target <= 1.2 for both).
Then, with the largest N still open on the portal, a new customer signs in in Chromium and must see their overview,
and /healthz must answer: printed as OK or FAILED. Not a pytest test.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ comes first on the path, and bench/queue.py would stand in for the standard library's queue
# (which asyncio and socket.io's client import): the repository root instead, before anything else is imported.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import httpx  # noqa: E402
from playwright._impl._api_structures import SetCookieParam  # noqa: E402
from playwright.async_api import Browser, BrowserContext, async_playwright  # noqa: E402

from bench.page_cost import CHROMIUM, cpu_seconds, rss_mb, start_servers  # noqa: E402
from tests.utils.cluster import signed_in_client  # noqa: E402
from tests.utils.page_socket import PageSocket  # noqa: E402

CUSTOMERS = ("ada@example.com", "grace@example.com", "linus@example.com", "margaret@example.com")
TARGET = 1.2


@dataclass
class Measure:
    rss_before: float
    rss_open: float
    idle_cpu: float  # seconds of server CPU over the idle window
    clients: int

    @property
    def memory_per_client_kb(self) -> float:
        return (self.rss_open - self.rss_before) * 1024 / self.clients

    def idle_cpu_per_client_ms(self, window: float) -> float:
        """Server CPU per connected client per second of idling, in milliseconds."""
        return self.idle_cpu * 1000 / self.clients / window


async def _open(base_url: str, path: str, http: httpx.Client | None, n: int) -> list[PageSocket]:
    """N pages of `path`, each fetched and connected like a browser tab, 20 at a time. Fetched asynchronously: the
    sockets already open must keep answering the server's pings meanwhile."""
    cookies = dict(http.cookies.items()) if http else {}
    header = "; ".join(f"{k}={v}" for k, v in cookies.items()) or None
    pages: list[PageSocket] = []
    async with httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=120) as fetcher:
        for start in range(0, n, 20):
            answers = await asyncio.gather(*(fetcher.get(path) for _ in range(min(20, n - start))))
            batch = [PageSocket.read(base_url, answer.text) for answer in answers]
            await asyncio.gather(*(page.connect(cookies=header) for page in batch))
            pages += batch
    return pages


async def _close(pages: list[PageSocket]) -> None:
    await asyncio.gather(*(page.sio.disconnect() for page in pages), return_exceptions=True)


async def _hold(
    pid: int, base_url: str, n: int, idle: float, sessions: list[httpx.Client | None], path: str
) -> Measure:
    before = rss_mb(pid)
    pages: list[PageSocket] = []
    for index, session in enumerate(sessions):
        share = n // len(sessions) + (1 if index < n % len(sessions) else 0)
        pages += await _open(base_url, path, session, share)
    await asyncio.sleep(5)  # let the pages' first loads finish
    opened = rss_mb(pid)
    start = cpu_seconds(pid)
    await asyncio.sleep(idle)
    used = cpu_seconds(pid) - start
    await _close(pages)
    return Measure(before, opened, used, n)


async def _browsers_beside(browser: Browser, count: int, url: str, cookies: list[SetCookieParam]) -> BrowserContext:
    context = await browser.new_context()
    if cookies:
        await context.add_cookies(cookies)
    for _ in range(count):
        page = await context.new_page()
        await page.goto(url)
    return context


async def _new_customer_gets_in(browser: Browser, portal_url: str) -> bool:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(portal_url + "/login")
    await page.get_by_test_id("login-email").fill("ada@example.com")
    await page.get_by_test_id("login-password").fill("demo-password")
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("category-count-usage").wait_for(timeout=60_000)
    await context.close()
    async with httpx.AsyncClient(timeout=30) as http:
        return (await http.get(portal_url + "/healthz")).status_code == 200


def _ratio(a: float, b: float) -> str:
    ratio = a / max(b, 1e-9)
    return f"{ratio:.2f} ({'PASS' if ratio <= TARGET else 'MISS'})"


async def run(args: argparse.Namespace, work: Path) -> bool:
    counts = [int(n) for n in args.clients.split(",")]
    bare, bare_url, portal, portal_url = start_servers(work)
    try:
        sessions: list[httpx.Client | None] = [signed_in_client(portal_url, email) for email in CUSTOMERS]
        first = sessions[0]
        assert first is not None
        cookies: list[SetCookieParam] = [{"name": k, "value": v, "url": portal_url} for k, v in first.cookies.items()]
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM)
            await _browsers_beside(browser, args.browsers, portal_url + "/data/usage", cookies)
            await _browsers_beside(browser, args.browsers, bare_url + "/", [])
            print(
                f"{time.strftime('%Y-%m-%d %H:%M')}: {args.browsers} Chromium pages open on each server beside the "
                f"socket clients; idle window {args.idle:.0f} s"
            )
            print(
                f"{'N':>6} {'server':<8} {'RSS before':>11} {'RSS open':>9} {'kB/client':>10} {'idle ms/s/client':>17}"
            )
            for n in counts:
                bare_m = await _hold(bare.pid, bare_url, n, args.idle, [None], "/")
                portal_m = await _hold(portal.pid, portal_url, n, args.idle, sessions, "/data/usage")
                for name, m in (("bare", bare_m), ("portal", portal_m)):
                    print(
                        f"{n:>6} {name:<8} {m.rss_before:>9.0f}MB {m.rss_open:>7.0f}MB "
                        f"{m.memory_per_client_kb:>10.0f} {m.idle_cpu_per_client_ms(args.idle):>17.3f}"
                    )
                memory = _ratio(portal_m.memory_per_client_kb, bare_m.memory_per_client_kb)
                cpu = _ratio(portal_m.idle_cpu_per_client_ms(args.idle), bare_m.idle_cpu_per_client_ms(args.idle))
                print(f"{n:>6} ratio    memory per client {memory}, idle CPU per client {cpu}")
            largest = max(counts)
            pages: list[PageSocket] = []
            for session in sessions:
                pages += await _open(portal_url, "/data/usage", session, largest // len(sessions))
            held = await _new_customer_gets_in(browser, portal_url)
            await _close(pages)
            print(
                f"with {largest} portal pages open, a new customer signs in and sees the overview and /healthz is "
                f"green: {'OK' if held else 'FAILED'}"
            )
            await browser.close()
        return held
    finally:
        for process in (bare, portal):
            process.terminate()
            process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="100,300,1000")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idling measured per N")
    parser.add_argument("--browsers", type=int, default=3, help="real Chromium pages beside the socket clients")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="connected-clients-") as tmp:
        ok = asyncio.run(run(args, Path(tmp)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
