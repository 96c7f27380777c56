"""How catalogue field displays turn stored values into text a customer reads, in their language and time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..catalogue.display import browser_words, byte_size, masked, money
from ..i18n import _, ngettext
from ..i18n import formats as i18n_formats
from ..i18n.formats import zone_label


def table_times_note() -> str:
    """Said once beside a table, whose cells leave the zone out: "Times are in UTC.", "Times are in CET."."""
    return _("Times are in {zone}.").format(zone=zone_label())


def format_datetime(value: datetime | None) -> str:
    """ "2026-09-28 12:01 UTC" (English), "28.09.2026 14:01 CEST" (German): in the reader's time zone."""
    return i18n_formats.format_datetime(value)


def format_table_time(value: datetime | None) -> str:
    """ "2026-09-28 12:01": a table says its zone once (`table_times_note`), so a time keeps to one short line."""
    return i18n_formats.format_table_time(value)


def format_date(value: datetime | None) -> str:
    return i18n_formats.format_date(value)


def format_number(value: int | float) -> str:
    return i18n_formats.format_number(value)


def format_count(count: int) -> str:
    """ "1 record", "2 records", "50,000 records" (in the reader's language)."""
    return i18n_formats.format_count(count, "{count} record", "{count} records")


def format_bytes(value: int | None) -> str:
    return "—" if value is None else byte_size(value)


def format_value(display: str, value: Any, row: dict[str, Any] | None = None, *, in_table: bool = False) -> str:
    """A field's value as text; `in_table`: times without their zone (the table says it once)."""
    if display == "password_set_on":
        # The password itself is never stored in readable form, let alone shown.
        return _("Set on {date}").format(date=format_date(value)) if value else _("Not set")
    if value is None or value == "":
        return "—"
    if display == "datetime":
        return format_table_time(value) if in_table else format_datetime(value)
    if display == "user_agent":  # the whole header is in the export; a person reads "Chrome 128 on Windows"
        return browser_words(str(value))
    if display == "money":
        return money(value, (row or {}).get("_currency", "EUR"))
    if display == "bytes":
        return format_bytes(value)
    if display in ("card_mask", "account_mask"):
        return masked(value)
    return str(value)


def time_left(expires_at: datetime, now: datetime) -> str:
    seconds = int((expires_at - now).total_seconds())
    if seconds <= 0:
        return _("expired")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return ngettext("{days} day {hours} h left", "{days} days {hours} h left", days).format(days=days, hours=hours)
    if hours:
        return _("{hours} h {minutes} min left").format(hours=hours, minutes=minutes)
    return _("{minutes} min left").format(minutes=minutes) if minutes else _("less than a minute left")
