"""Benchmark: what one page view costs the server, the portal against a bare NiceGUI page with the same chrome.

    python bench/page_cost.py [--rounds 25] [--warmup 5] [--settle 0.4]

Starts two servers side by side: the bare page (bench/bare_page.py) and the portal (`python main.py` on a fresh
demo database), then drives real Chromium (Playwright, /usr/bin/chromium) through every customer page (overview,
each category incl. grace's 50,000 usage events, consents, exports, requests) and the staff queue. Each view is
measured on the server's own clock: the process's CPU time (user + system, all threads, from /proc/<pid>/stat)
from just before `page.goto` until the page's content is shown and its websocket has settled (`--settle`), so
the HTML, the websocket, the data and the rendering updates all count. The pages are visited in rounds, each
round visiting the bare page and every portal page once (drift hits all alike), after a warm-up.

Prints per page the median and mean server CPU per view, the median wall time to content, the ratio of the
median CPU to the bare page's (target <= 1.2), and the resident memory of both servers warm and after the run
(target: the portal's warm memory <= 1.3x the bare app's). Not a pytest test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.utils.cluster import free_port  # noqa: E402  (the bench runs from a checkout, beside the tests)

CHROMIUM = "/usr/bin/chromium"
CPU_TARGET, MEMORY_TARGET = 1.2, 1.3


@dataclass
class View:
    label: str
    who: str  # "bare", or the demo account that opens it
    path: str
    marker: str  # a test id the page shows once its content is there
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)


VIEWS = [
    View("bare page (same chrome)", "bare", "/", "bench-content"),
    View("/ overview, ada", "ada@example.com", "/", "category-count-usage"),
    *(
        View(f"/data/{key}, ada", "ada@example.com", f"/data/{key}", "category-policy")
        for key in ("registration", "identity", "financial", "transaction", "usage", "technical")
    ),
    View("/data/usage, grace (50,000)", "grace@example.com", "/data/usage", "table-usage_event-total"),
    View("/consents, ada", "ada@example.com", "/consents", "consent-history"),
    View("/exports, ada", "ada@example.com", "/exports", "export-chooser"),
    View("/requests, ada", "ada@example.com", "/requests", "requests-list"),
    View("/staff queue, agent", "agent@example.com", "/staff", "staff-queue"),
]


def cpu_seconds(pid: int) -> float:
    """CPU time of all the process's threads in nanoseconds (schedstat), not /proc/<pid>/stat's 10 ms ticks: a
    bare page view costs a few ticks, so tick counts would round it to 0, 10 or 20 ms."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended between the listing and the read
            continue
    return total / 1e9


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_http(url: str, timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


def start_servers(work: Path) -> tuple[subprocess.Popen[bytes], str, subprocess.Popen[bytes], str]:
    bare_port, portal_port = free_port(), free_port()
    bare = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_page.py"), "--port", str(bare_port), "--db", str(work / "bare.db")],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(work / "portal-data"),
        "PORTAL_PORT": str(portal_port),
        "PORTAL_BASE_URL": f"http://127.0.0.1:{portal_port}",
    }
    portal = subprocess.Popen(
        [sys.executable, "main.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    bare_url, portal_url = f"http://127.0.0.1:{bare_port}", f"http://127.0.0.1:{portal_port}"
    wait_http(bare_url + "/")
    wait_http(portal_url + "/login")
    return bare, bare_url, portal, portal_url


def signed_in_pages(browser: Browser, bare_url: str, portal_url: str) -> dict[str, Page]:
    pages = {"bare": browser.new_context(viewport={"width": 1440, "height": 900}).new_page()}
    pages["bare"].goto(bare_url + "/")
    for who in sorted({v.who for v in VIEWS} - {"bare"}):
        page = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=portal_url).new_page()
        page.goto("/login")
        page.get_by_test_id("login-email").fill(who)
        page.get_by_test_id("login-password").fill("demo-password")
        page.get_by_test_id("login-submit").click()
        page.wait_for_url(lambda url: "/login" not in url)
        pages[who] = page
    return pages


def visit(page: Page, url: str, marker: str, pid: int, settle: float) -> tuple[float, float]:
    before, started = cpu_seconds(pid), time.perf_counter()
    page.goto(url)
    page.get_by_test_id(marker).first.wait_for(state="visible", timeout=30_000)
    wall = time.perf_counter() - started
    time.sleep(settle)  # the websocket's last updates (the page's data after its first await) arrive meanwhile
    return cpu_seconds(pid) - before, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--settle", type=float, default=0.4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="page-cost-") as folder:
        work = Path(folder)
        bare, bare_url, portal, portal_url = start_servers(work)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                pages = signed_in_pages(browser, bare_url, portal_url)
                servers = {"bare": (bare.pid, bare_url), "portal": (portal.pid, portal_url)}
                for round_number in range(args.warmup + args.rounds):
                    for view in VIEWS:
                        pid, url = servers["bare" if view.who == "bare" else "portal"]
                        cpu, wall = visit(pages[view.who], url + view.path, view.marker, pid, args.settle)
                        if round_number >= args.warmup:
                            view.cpu.append(cpu)
                            view.wall.append(wall)
                    if round_number == args.warmup - 1:
                        warm = {"bare": rss_mb(bare.pid), "portal": rss_mb(portal.pid)}
                after = {"bare": rss_mb(bare.pid), "portal": rss_mb(portal.pid)}
                browser.close()
        finally:
            for process in (bare, portal):
                process.terminate()
                process.wait(timeout=30)
    report(args, warm, after)


def report(args: argparse.Namespace, warm: dict[str, float], after: dict[str, float]) -> None:
    base = statistics.median(VIEWS[0].cpu)
    print(f"page_cost: {args.rounds} rounds after {args.warmup} warm-up, settle {args.settle}s, {time.strftime('%F')}")
    print(f"{'page':<32}{'CPU median':>12}{'CPU mean':>10}{'wall median':>13}{'ratio':>8}")
    misses = 0
    for view in VIEWS:
        median = statistics.median(view.cpu)
        ratio = median / base if base else float("nan")
        verdict = "" if view.who == "bare" else ("  PASS" if ratio <= CPU_TARGET else "  MISS")
        misses += verdict == "  MISS"
        print(
            f"{view.label:<32}{median * 1000:>9.0f} ms{statistics.mean(view.cpu) * 1000:>7.0f} ms"
            f"{statistics.median(view.wall) * 1000:>10.0f} ms{ratio:>8.2f}{verdict}"
        )
    memory_ratio = warm["portal"] / warm["bare"]
    print(
        f"resident memory warm: bare {warm['bare']:.0f} MB, portal {warm['portal']:.0f} MB "
        f"(ratio {memory_ratio:.2f}, target <= {MEMORY_TARGET}: {'PASS' if memory_ratio <= MEMORY_TARGET else 'MISS'})"
    )
    print(f"resident memory after the run: bare {after['bare']:.0f} MB, portal {after['portal']:.0f} MB")
    print(f"CPU target <= {CPU_TARGET}x the bare page: {len(VIEWS) - 1 - misses} of {len(VIEWS) - 1} pages meet it")


if __name__ == "__main__":
    main()
