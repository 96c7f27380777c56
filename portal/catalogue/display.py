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

from babel.dates import format_time
from ua_parser import parse

from ..i18n import _
from ..i18n.formats import babel_locale, format_bytes, format_day, format_money

EMPTY = "—"


def money(minor_units: int, currency: str | None) -> str:
    """ "€319.50", "319,50 €" in the reader's language; amounts are stored in minor units (cents)."""
    return format_money(minor_units, currency)


def byte_size(value: int) -> str:
    return format_bytes(value)


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
    """Times in words ("5 January 2026, 21:23", "5. Januar 2026, 21:23") in one reader's time zone and the current
    language. Accounts may not say which zone they live in: then UTC, and `zone_note` says so, so a reader never
    takes a UTC time for a local one."""

    def __init__(self, zone: str | None = None) -> None:
        self.zone: tzinfo = UTC
        self.zone_name = "UTC"
        if zone:
            # An unknown name must not stop the export: UTC then, and the report says so.
            with suppress(ZoneInfoNotFoundError, ValueError):
                self.zone, self.zone_name = ZoneInfo(zone), zone

    @property
    def zone_note(self) -> str:
        if self.zone_name == "UTC":
            return _("Times are shown in UTC.")
        return _("Times are shown in your time zone, {zone}.").format(zone=self.zone_name)

    def local(self, value: Any) -> datetime | None:
        moment = as_datetime(value)
        return moment.astimezone(self.zone) if moment else None

    def day(self, value: Any) -> str:
        moment = self.local(value)
        return format_day(moment.date()) if moment else EMPTY

    def moment(self, value: Any) -> str:
        moment = self.local(value)
        if moment is None:
            return EMPTY
        return _("{day}, {time}").format(
            day=format_day(moment.date()), time=format_time(moment, "HH:mm", locale=babel_locale())
        )


def field_text(display: str, value: Any, *, currency: str | None = None, times: TimeWords | None = None) -> str:
    """One field's value for a person: the catalogue's `display` decides how."""
    times = times or TimeWords()
    if display == "password_set_on":
        # The password itself is never stored in readable form, let alone shown.
        return _("Set on {date}").format(date=times.day(value)) if value else _("Not set")
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
        return _("yes") if value else _("no")
    return str(value)


MAX_USER_AGENT = 512  # longer headers are cut before parsing: a parser is no place to spend time on junk


@lru_cache(maxsize=256)
def _browser_parts(user_agent: str) -> tuple[str, str | None] | None:
    """(browser, system) parsed once per header, whatever the reader's language."""
    result = parse(user_agent.strip()[:MAX_USER_AGENT])
    browser = result.user_agent
    if browser is None or browser.family == "Other":
        return None
    name = browser.family + (f" {browser.major}" if browser.major else "")
    system = result.os
    if system is None or system.family == "Other" or system.family == browser.family:
        return name, None
    # A phone's system version helps tell two phones apart; "Windows 10" and "Mac OS X 10" say nothing true.
    versioned = system.major and system.family in ("iOS", "Android")
    return name, system.family + (f" {system.major}" if versioned else "")


def browser_name(user_agent: str) -> str | None:
    """ "Chrome 131 on Windows", "Firefox on Linux", "Safari 17 on iOS", parsed with ua-parser (its maintained regexes,
    `ua-parser-builtins`); None when the header names no browser it knows."""
    if not user_agent:
        return None
    parts = _browser_parts(user_agent)
    if parts is None:
        return None
    browser, system = parts
    name = browser if system is None else _("{browser} on {system}").format(browser=browser, system=system)
    return name[:80]


def browser_words(user_agent: str) -> str:
    """A logged user agent in words ("Chrome 128 on Windows"); the header itself when it names no browser ua-parser
    knows (an app's own client), so nothing is hidden."""
    return browser_name(user_agent) or user_agent.strip() or EMPTY
