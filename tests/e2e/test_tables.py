"""Record tables in a real browser (#21 points 2 and 3), at 1024 px: sorting by a header both ways with the mouse and
with the keyboard (Tab to the header, Enter or Space), jumping to a page of grace's 2,000, a date range counted
exactly, and contesting a record: a dialog whose fields have room, whose label stays off the typed text, and a flag
on the row afterwards."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.flows import choose_option, sign_in
from tests.e2e.harness import snap
from tests.e2e.layout_checks import layout_problems

MAX_TABS = 12
WHEN = '[data-testid="table-usage_event"] th[data-col="occurred_at"]'


def _first_time(page: Page) -> str:
    return page.get_by_test_id("table-usage_event").locator("tbody tr").first.locator("td").first.inner_text()


def _times(page: Page) -> list[str]:
    return page.get_by_test_id("table-usage_event").locator("tbody tr td:first-child").all_inner_texts()


def test_a_heavy_history_sorts_both_ways_by_mouse_and_keyboard_and_pages_by_number_and_date(page: Page) -> None:
    page.set_viewport_size({"width": 1024, "height": 900})
    sign_in(page, "grace@example.com")
    page.goto("/data/usage")
    when = page.locator(WHEN)
    expect(when).to_have_attribute("aria-sort", "descending")
    newest = _first_time(page)
    times = _times(page)
    assert times == sorted(times, reverse=True), times

    when.click()  # the default column, pressed first, turns to oldest first (it used to do nothing)
    expect(when).to_have_attribute("aria-sort", "ascending")
    oldest = _first_time(page)
    assert oldest < newest and _times(page) == sorted(_times(page))
    when.click()  # and back (from descending it never came back to ascending; now each press flips)
    expect(when).to_have_attribute("aria-sort", "descending")
    expect(page.get_by_test_id("table-usage_event").locator("tbody tr").first).to_contain_text(newest)

    # Keyboard only: from the last filter box, Tab reaches the header; Enter and Space sort; the focus stays.
    page.get_by_test_id("table-usage_event-until").focus()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.dataset?.col") == "occurred_at":
            break
    else:
        raise AssertionError("Tab never reached the When header")
    page.keyboard.press("Enter")
    expect(when).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_test_id("table-usage_event").locator("tbody tr").first).to_contain_text(oldest)
    expect(when).to_be_focused()  # the focus stays on the header (given back once the new header cells are in)
    page.keyboard.press("Space")
    expect(when).to_have_attribute("aria-sort", "descending")
    snap(page, "tables-grace-usage-sorted-by-keyboard")

    # 2,000 pages: type the page.
    page.get_by_test_id("table-usage_event-goto").fill("2000")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("table-usage_event-page")).to_have_text("Page 2,000 of 2,000")
    expect(page.get_by_test_id("table-usage_event").locator("tbody tr").first).to_contain_text(oldest[:10])

    # A date range: counted exactly, however many.
    total = page.get_by_test_id("table-usage_event-total")
    unfiltered = total.inner_text()
    page.get_by_test_id("table-usage_event-since").fill("2026-01-01")
    page.get_by_test_id("table-usage_event-until").fill("2026-03-31")
    expect(total).not_to_have_text(unfiltered)  # the range has been applied (the old total matched the pattern too)
    expect(total).to_have_text(re.compile(r"^\d{1,3}(,\d{3})+ records$"))
    first = page.get_by_test_id("table-usage_event").locator("tbody tr td:first-child").first
    expect(first).to_have_text(re.compile(r"^2026-0[1-3]"))
    assert not total.inner_text().startswith("More than")
    expect(page.get_by_test_id("table-usage_event-page")).to_have_text(re.compile(r"^Page 1 of [\d,]+$"))
    assert all("2026-01" <= t[:7] <= "2026-03" for t in _times(page)), _times(page)
    assert not layout_problems(page, "grace, usage, date range")
    snap(page, "tables-grace-usage-date-range")


def test_contesting_a_record_has_room_to_write_and_flags_the_row(page: Page) -> None:
    page.set_viewport_size({"width": 1024, "height": 900})
    sign_in(page, "ada@example.com")
    page.goto("/data/transaction")
    orders = page.get_by_test_id("table-order")
    expect(orders).to_be_visible()
    page.get_by_test_id("table-order-contest").click()
    dialog = page.get_by_test_id("statement-dialog")
    expect(dialog).to_be_visible()
    card = page.locator(".q-dialog .q-card").first
    card_width = card.bounding_box()["width"]  # type: ignore[index]
    for testid in ("statement-record", "statement-field"):
        field = page.locator(".q-dialog .q-field").filter(has=page.get_by_test_id(testid))
        width = field.bounding_box()["width"]  # type: ignore[index]
        assert width > 0.8 * card_width - 40, f"{testid} is {width:.0f} px in a {card_width:.0f} px dialog"
    choose_option(page, "statement-record", "SO-100005 · 2026-03-05 23:05")
    choose_option(page, "statement-field", "Status")
    page.get_by_test_id("statement-text").fill("This order came back to you: it was returned, not delivered.")
    assert not layout_problems(page, "the statement dialog"), layout_problems(page, "the statement dialog")
    snap(page, "tables-contest-dialog-filled")
    page.get_by_test_id("statement-submit").click()
    expect(dialog).to_be_hidden()
    row = orders.locator("tbody tr").filter(has_text="SO-100005")
    expect(row.locator('[data-testid^="table-order-contested-"]')).to_be_visible()
    expect(orders.locator('[data-testid^="table-order-contested-"]')).to_have_count(1)
    snap(page, "tables-order-flagged")
