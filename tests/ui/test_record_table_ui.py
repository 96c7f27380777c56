"""Simulated-user tests of a category page's record tables (#21): filters and pager only where there is more than a
page, a date range counted exactly, jumping to a page, short times, browsers in words, and the flag on a row the
customer contested. Sorting by a header (a click, Enter or Space) needs Quasar in a browser: tests/e2e/test_tables.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from nicegui import ui
from nicegui.testing import User
from sqlalchemy import func
from sqlmodel import col, select

from portal.db import session_scope
from portal.models import AccessLog, FieldStatement, UsageEvent
from tests.utils.signin import sign_in

ADA, GRACE = 1, 2


async def _until(check: Callable[[], bool], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not in time")


def _table(user: User, kind: str) -> ui.table:
    (table,) = user.find(marker=f"table-{kind}").elements
    assert isinstance(table, ui.table)
    return table


def _text(user: User, marker: str) -> str:
    (label,) = user.find(marker=marker).elements
    assert isinstance(label, ui.label)
    return label.text


async def _loaded(user: User, kind: str) -> ui.table:
    await user.should_see(marker=f"table-{kind}-total")
    return _table(user, kind)


async def test_a_kind_of_one_page_shows_no_filter_and_no_pager(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/data/transaction")
    await _loaded(user, "order")
    assert _text(user, "table-order-total") == "6 records"
    for part in ("filter", "since", "page-size", "prev", "page", "next", "goto"):  # six orders need none of them
        await user.should_not_see(marker=f"table-order-{part}")
    await user.open("/data/usage")  # ada's 40 page views are two pages: filter, dates and pager
    await _loaded(user, "usage_event")
    await user.should_see(marker="table-usage_event-filter")
    await user.should_see(marker="table-usage_event-since")
    assert _text(user, "table-usage_event-page") == "Page 1 of 2"
    await user.should_see(marker="table-usage_event-page-size")


async def test_times_in_a_table_are_short_and_browsers_are_named(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/data/technical")
    table = await _loaded(user, "access_log")
    row = table.rows[0]
    assert len(row["occurred_at"]) == len("2026-09-28 12:01") and "UTC" not in row["occurred_at"]
    await user.should_see("Times are in UTC.")
    with session_scope() as session:
        agents = set(session.exec(select(AccessLog.user_agent).where(AccessLog.customer_id == ADA)))
    shown = {r["user_agent"] for r in table.rows}
    assert not shown & agents, "no raw User-Agent header is shown"
    assert all(" on " in text for text in shown), shown  # "Chrome 128 on Windows"


async def test_a_date_range_is_counted_exactly_and_a_page_number_can_be_typed(user: User) -> None:
    await sign_in(user, "grace@example.com")
    await user.open("/data/usage")
    table = await _loaded(user, "usage_event")
    assert _text(user, "table-usage_event-page") == "Page 1 of 2,000"
    user.find(marker="table-usage_event-goto").type("1500").trigger("keydown.enter")
    await _until(lambda: _text(user, "table-usage_event-page") == "Page 1,500 of 2,000")
    user.find(marker="table-usage_event-since").type("2026-01-01")
    user.find(marker="table-usage_event-until").type("2026-06-30")
    with session_scope() as session:
        real = session.exec(
            select(func.count())
            .select_from(UsageEvent)
            .where(
                UsageEvent.customer_id == GRACE,
                col(UsageEvent.occurred_at) >= datetime(2026, 1, 1, tzinfo=UTC),
                col(UsageEvent.occurred_at) < datetime(2026, 7, 1, tzinfo=UTC),
            )
        ).one()
    assert real > 1_000, "more than the text filter's cap, so an exact count shows"
    await _until(lambda: _text(user, "table-usage_event-total") == f"{real:,} records")
    assert _text(user, "table-usage_event-page").startswith("Page 1 of ")
    assert all("2026-01" <= row["occurred_at"][:7] <= "2026-06" for row in table.rows)


def _contested(table: ui.table) -> list[Any]:
    return [row["_id"] for row in table.rows if row["_contested"]]


async def test_a_contested_row_carries_a_flag(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/data/transaction")
    table = await _loaded(user, "order")
    assert _contested(table) == []
    target = table.rows[1]["_id"]
    user.find(marker="table-order-contest").click()
    await user.should_see(marker="statement-dialog")
    for marker, value in (("statement-record", target), ("statement-field", "status")):
        for element in user.find(marker=marker).elements:
            element.value = value
    user.find(marker="statement-text").type("This order was returned, not delivered.")
    user.find(marker="statement-submit").click()
    await _until(lambda: _contested(table) == [target])  # at once: the request is on its way
    with session_scope() as session:  # and still once the worker has recorded it
        await _until(lambda: session.exec(select(FieldStatement)).first() is not None)
    await user.open("/data/transaction")
    assert _contested(await _loaded(user, "order")) == [target]
