"""What the security suite's route × role matrix needs, made by the portal's own services on a running portal's
database; and the list of routes the portal registers.

The suite talks to a separate portal process, so it cannot call the services in its own process (that would open
another database than the portal's, with other settings). Instead it runs this module in a child process with the
portal's environment (same `PORTAL_DATA_DIR`, same secret): `python -m tests.utils.route_matrix` files what the matrix
needs through the same service functions the pages call, waits for the portal's in-process worker to build the two
exports, and prints the ids and download links as one JSON object:

- `requests`: a restriction request of each demo customer (`/requests/<id>`, `/staff/requests/<id>`);
- `exports`: an export each of ada, grace and linus, built, with a download link made for its owner
  (`links`, from `exports.download_link`, as the Download button makes it);
- `view_grant`: a "view only" grant from margaret, given through `support.grant_access` as the Support access page
  does (linus's seeded grant is "view and help").

Nothing here is reachable from the portal: it is test set-up, run only against a throw-away demo database.

`app_routes()` answers which routes the portal registers, and for which methods, by building the app in a child
process (`python -m tests.utils.route_matrix routes`: production mode, an in-memory database, no worker, about 2 s,
once per test process). The matrix and the CSRF tests fail when a route exists that they do not know.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from functools import cache
from pathlib import Path

from sqlmodel import select

from tests.utils.principals import ADA, AGENT, DPO, GRACE, LINUS, MARGARET, principal_for

EXPORT_WAIT_SECONDS = 60
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def _wait_until_built(request_ids: list[int]) -> None:
    from portal.db import session_scope
    from portal.models import ExportPackage, PrivacyRequest

    deadline = time.monotonic() + EXPORT_WAIT_SECONDS
    while True:
        with session_scope() as session:
            statuses = {
                r.id: r.status for r in session.exec(select(PrivacyRequest).where(PrivacyRequest.id.in_(request_ids)))
            }  # type: ignore[union-attr]
            built = {
                p.request_id
                for p in session.exec(select(ExportPackage).where(ExportPackage.request_id.in_(request_ids)))
                if p.file_name
            }  # type: ignore[union-attr]
        if all(statuses.get(i) == "completed" and i in built for i in request_ids):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"the portal's worker did not build the exports in time: {statuses}")
        time.sleep(0.2)


def prepare() -> dict[str, object]:
    from portal.jobs import register_all
    from portal.services.rights import exports
    from portal.services.support_access import support
    from portal.services.views import requests_view

    register_all()  # the request types, as the portal registers them at start-up
    people = {
        "ada": principal_for(ADA),
        "grace": principal_for(GRACE),
        "linus": principal_for(LINUS),
        "margaret": principal_for(MARGARET),
    }
    requests = {
        name: requests_view.file_restriction(
            p, kind="restriction", category="usage", reason="route matrix", idempotency_key=f"matrix-{uuid.uuid4()}"
        )
        for name, p in people.items()
    }
    export_ids = {
        name: exports.request_export(
            p, categories=["registration"], formats=["json"], idempotency_key=f"matrix-{uuid.uuid4()}"
        )
        for name, p in people.items()
        if name != "margaret"
    }
    _wait_until_built(list(export_ids.values()))
    links = {name: exports.download_link(people[name], export_id) for name, export_id in export_ids.items()}
    view_grant = support.grant_access(people["margaret"], duration="24h", scope="view", ticket_ref="matrix")
    return {
        "requests": requests,
        "exports": export_ids,
        "links": links,
        "view_grant": view_grant,
        "ids": {"ada": ADA, "grace": GRACE, "linus": LINUS, "margaret": MARGARET, "agent": AGENT, "dpo": DPO},
    }


def prepare_on(env: dict[str, str]) -> dict[str, object]:
    """Run `prepare()` in a child process with a running portal's environment; its JSON answer."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.utils.route_matrix"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=EXPORT_WAIT_SECONDS + 60,
        check=False,
    )
    assert result.returncode == 0, f"preparing the matrix failed:\n{result.stderr[-3000:]}"
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _routes_of_built_app() -> dict[str, list[str]]:
    from nicegui import app
    from starlette.routing import Route

    from portal import app as portal_app

    portal_app.build()
    found: dict[str, list[str]] = {}
    for route in app.routes:
        if isinstance(route, Route):  # FastAPI's APIRoute too; Mounts (socket.io, static files) have no methods
            found.setdefault(route.path, []).extend(sorted(route.methods or []))
    return found


@cache
def app_routes() -> dict[str, frozenset[str]]:
    """Every HTTP route the portal registers (path template as FastAPI spells it, e.g. `/data/{key}`) and its
    methods, without NiceGUI's own `/_nicegui/…` routes and the static `/assets/…`."""
    with tempfile.TemporaryDirectory(prefix="route-walk-") as folder:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("NICEGUI_", "PORTAL_")) and k not in ("PYTEST_CURRENT_TEST", "DATABASE_URL")
        }
        env.update(
            {
                "PORTAL_MODE": "production",
                "DATABASE_URL": "sqlite://",
                "PORTAL_DATA_DIR": folder,
                "PORTAL_SECRET_KEY": "route-walk-secret-key-0123456789abcdef0123456789",
                "PORTAL_RUN_WORKER": "false",
                "NICEGUI_STORAGE_PATH": str(Path(folder) / "nicegui"),
            }
        )
        result = subprocess.run(
            [sys.executable, "-m", "tests.utils.route_matrix", "routes"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, f"building the app to list its routes failed:\n{result.stderr[-3000:]}"
    routes = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        path: frozenset(methods) for path, methods in routes.items() if not path.startswith(("/_nicegui", "/assets/"))
    }


def documented_routes() -> list[tuple[str, str]]:
    """(method, path) of every route named in docs/qa.md's Routes table: the first column (`/requests/<id>`,
    `GET /exports/<id>/download?token=…`, `POST /auth/login`; the query left off) and any `POST /…` in the notes."""
    text = (REPO_ROOT / "docs" / "qa.md").read_text()
    section = text.split("\n## Routes\n", 1)[1].split("\n## ", 1)[0]
    found: list[tuple[str, str]] = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
            method, _, path = name.rpartition(" ")
            found.append((method or "GET", path.split("?", 1)[0]))
        found += [("POST", path) for path in re.findall(r"POST `(/[^`?]+)`", line)]
    return found


if __name__ == "__main__":
    print(json.dumps(_routes_of_built_app() if sys.argv[1:] == ["routes"] else prepare()))
