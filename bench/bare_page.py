"""The yardstick of bench/page_cost.py and bench/connected_clients.py: a bare NiceGUI page with the same chrome as
the portal's /data/usage, and nothing else.

    python bench/bare_page.py --port 8099 --db /tmp/bare.db

A header with three buttons and a menu, a 12-item drawer, a 25-row `ui.table` read from SQLite through
`run.io_bound`, a side card with twelve labels and a 10 s `ui.timer` — what a page of the portal shows, without
the portal's session checks, services, audit or queue. Started as its own process so its CPU time and memory can be
read from /proc like the portal's.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as `python bench/bare_page.py`, this folder comes first on the path, and its queue.py (the queue bench) would
# shadow the standard library's queue module that NiceGUI's dependencies import.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

from nicegui import app, run, ui  # noqa: E402

ROWS = 25
EVENTS = 50_000  # as many as the demo's grace, the portal's largest usage page
PAGES = ["/", "/products", "/products/m5", "/support", "/cart", "/checkout", "/blog/matter-over-wifi"]


def make_database(path: Path) -> None:
    """One table of usage events, indexed like the portal's (customer, time)."""
    if path.exists():
        return
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE usage_event (id INTEGER PRIMARY KEY, customer_id INT, occurred_at TEXT, page TEXT, "
            "link_clicked TEXT, bytes_transferred INT)"
        )
        db.execute("CREATE INDEX ix_usage ON usage_event (customer_id, occurred_at)")
        db.executemany(
            "INSERT INTO usage_event (customer_id, occurred_at, page, link_clicked, bytes_transferred) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                (1, (start + timedelta(minutes=i * 7)).isoformat(), rng.choice(PAGES), "", rng.randint(900, 10**6))
                for i in range(EVENTS)
            ),
        )


def read_page(path: str) -> list[dict[str, object]]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT id, occurred_at, page, link_clicked, bytes_transferred FROM usage_event "
            "WHERE customer_id = 1 ORDER BY occurred_at DESC LIMIT ?",
            (ROWS,),
        ).fetchall()
    return [dict(zip(("id", "when", "page", "link", "bytes"), row, strict=True)) for row in rows]


def build(database: str) -> None:
    @ui.page("/")
    async def page() -> None:
        with ui.header().classes("items-center"):
            ui.label("Bare page").classes("text-lg")
            ui.space()
            ui.button(icon="notifications").props("flat color=white")
            ui.button(icon="dark_mode").props("flat color=white")
            with ui.button(icon="account_circle").props("flat color=white"), ui.menu():
                ui.menu_item("Account")
                ui.menu_item("Sign out")
        with ui.left_drawer(value=True).classes("bg-gray-50"):
            for index in range(12):
                ui.link(f"Menu item {index + 1}", "/").classes("block py-1")
        with ui.row().classes("w-full gap-4 items-start no-wrap"):
            with ui.card().classes("grow"):
                ui.label("Page views and clicks").classes("text-base font-semibold")
                rows = await run.io_bound(read_page, database)
                columns = [{"name": k, "label": k.title(), "field": k, "align": "left"} for k in rows[0] if k != "id"]
                ui.table(columns=columns, rows=rows, row_key="id").props("dense flat bordered").classes("w-full")
                ui.label("bench-content").props('data-testid="bench-content"')
            with ui.card().classes("w-96"):
                for index in range(12):
                    ui.label(f"Policy fact {index + 1}: what the policy says about this category.")
        ui.timer(10, lambda: None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    make_database(args.db)
    build(str(args.db))
    app.on_startup(lambda: print("bare page ready", flush=True))
    ui.run(port=args.port, host="127.0.0.1", reload=False, show=False, title="Bare page")


if __name__ in {"__main__", "__mp_main__"}:
    main()
