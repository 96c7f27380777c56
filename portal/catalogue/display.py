"""How a value of a catalogue field turns into text a person reads: amounts with their currency, sizes, masked
numbers, and times in words in the reader's time zone.

Here, beside the displays the catalogue names (`model.DISPLAYS`), because two layers that may not import each other
both need the same words: the pages (`portal/ui/formatting.py`) and the export's report (`portal/exports`)."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ua_parser import parse

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
EMPTY = "—"


def money(minor_units: int, currency: str | None) -> str:
    """ "€319.50", "CHF 12.00"; amounts are stored in minor units (cents). Without a currency only the number."""
    amount = f"{int(minor_units) / 100:,.2f}"
    if not currency:
        return amount
    return f"{CURRENCY_SYMBOLS.get(currency, currency + ' ')}{amount}"


def byte_size(value: int) -> str:
    size = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{value} B"


def masked(last_digits: Any) -> str:
    return f"•••• {last_digits}"


def as_datetime(value: Any) -> datetime | None:
    """A stored time as an aware datetime: exports read timestamps as ISO 8601 text (faster than building objects)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class TimeWords:
    """Times in words ("5 January 2026, 21:23") in one reader's time zone. Accounts may not say which zone they live
    in: then UTC, and `zone_note` says so, so a reader never takes a UTC time for a local one."""

    def __init__(self, zone: str | None = None) -> None:
        self.zone: tzinfo = UTC
        self.zone_name = "UTC"
        if zone:
            # An unknown name must not stop the export: UTC then, and the report says so.
            with suppress(ZoneInfoNotFoundError, ValueError):
                self.zone, self.zone_name = ZoneInfo(zone), zone

    @property
    def zone_note(self) -> str:
        return f"Times are shown in {'UTC' if self.zone_name == 'UTC' else 'your time zone, ' + self.zone_name}."

    def local(self, value: Any) -> datetime | None:
        moment = as_datetime(value)
        return moment.astimezone(self.zone) if moment else None

    def day(self, value: Any) -> str:
        moment = self.local(value)
        return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}" if moment else EMPTY

    def moment(self, value: Any) -> str:
        moment = self.local(value)
        return f"{self.day(moment)}, {moment:%H:%M}" if moment else EMPTY


def field_text(display: str, value: Any, *, currency: str | None = None, times: TimeWords | None = None) -> str:
    """One field's value for a person: the catalogue's `display` decides how."""
    times = times or TimeWords()
    if display == "password_set_on":
        # The password itself is never stored in readable form, let alone shown.
        return f"Set on {times.day(value)}" if value else "Not set"
    if value is None or value == "":
        return EMPTY
    if display == "datetime":
        return times.moment(value)
    if display == "money":
        return money(value, currency)
    if display == "bytes":
        return byte_size(value)
    if display in ("card_mask", "account_mask"):
        return masked(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


MAX_USER_AGENT = 512  # longer headers are cut before parsing: a parser is no place to spend time on junk


@lru_cache(maxsize=256)
def browser_name(user_agent: str) -> str | None:
    """ "Chrome 131 on Windows", "Firefox on Linux", "Safari 17 on iOS", parsed with ua-parser (its maintained regexes,
    `ua-parser-builtins`); None when the header names no browser it knows."""
    if not user_agent:
        return None
    result = parse(user_agent.strip()[:MAX_USER_AGENT])
    browser = result.user_agent
    if browser is None or browser.family == "Other":
        return None
    name = browser.family + (f" {browser.major}" if browser.major else "")
    system = result.os
    if system is not None and system.family != "Other" and system.family != browser.family:
        # A phone's system version helps tell two phones apart; "Windows 10" and "Mac OS X 10" say nothing true.
        versioned = system.major and system.family in ("iOS", "Android")
        name += f" on {system.family}" + (f" {system.major}" if versioned else "")
    return name[:80]


def browser_words(user_agent: str) -> str:
    """A logged user agent in words ("Chrome 128 on Windows"); the header itself when it names no browser ua-parser
    knows (an app's own client), so nothing is hidden."""
    return browser_name(user_agent) or user_agent.strip() or EMPTY
