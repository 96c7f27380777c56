"""Where the e2e suite finds its browser, its settings and its artifacts folder, and `snap()` for screenshots.

Kept apart from conftest.py so tests and flows can import it (importing from a conftest is fragile).
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

from playwright.sync_api import Download, Page

from tests.utils.environment import STARTUP_ENVIRONMENT

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent

# Browsers are never downloaded: the suite always drives the system Chromium.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _start_environment() -> dict[str, str]:
    """The environment pytest was started with (tests/conftest.py removes PORTAL_* settings from os.environ)."""
    return STARTUP_ENVIRONMENT


def launch_setting(name: str) -> str | None:
    """An environment switch of the suite (PORTAL_E2E_*), whether or not tests/conftest.py removed it."""
    return os.environ.get(name) or _start_environment().get(name) or None


def portal_environment_of_caller() -> dict[str, str]:
    """os.environ with the caller's PORTAL_* and DATABASE_URL restored: the environment a reset command
    such as `python main.py seed --reset` needs to reach the same database as the running portal."""
    restored = {
        name: value
        for name, value in _start_environment().items()
        if name.startswith("PORTAL_") or name == "DATABASE_URL"
    }
    return {**os.environ, **restored}


@cache
def artifacts_dir() -> Path:
    """tests/e2e/artifacts/ (git-ignored), or the folder named by PORTAL_E2E_ARTIFACTS."""
    configured = launch_setting("PORTAL_E2E_ARTIFACTS")
    return (Path(configured) if configured else E2E_DIR / "artifacts").resolve()


def screenshots_dir() -> Path:
    return artifacts_dir() / "screenshots"


def failures_dir() -> Path:
    return artifacts_dir() / "failures"


def downloads_dir() -> Path:
    return artifacts_dir() / "downloads"


def safe_name(name: str) -> str:
    """A file-system-safe form of a test or screenshot name (parametrised ids contain brackets)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "unnamed"


def snap(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Full-page screenshot to artifacts/screenshots/<name>.jpg; every test calls it on each page it visits.
    `full_page=False`: what the window shows (a fraction of the cost on long pages; the translated walks).
    JPEG at quality 85: a long page at 1,920 px took 0.8 s to encode as PNG and 0.27 s as JPEG, and the walks take
    some 300 of them; the shots are for people to look at, never compared pixel by pixel."""
    path = screenshots_dir() / f"{safe_name(name)}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    # From the top: a full-page shot of a scrolled page would draw the fixed header in the middle.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=full_page, type="jpeg", quality=85)
    return path


def save_download(download: Download, name: str | None = None) -> Path:
    """Keep a file the browser downloaded in artifacts/downloads/ (under its suggested name unless `name` is
    given) and return where it is."""
    path = downloads_dir() / safe_name(name or download.suggested_filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    download.save_as(path)
    return path
