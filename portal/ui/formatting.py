"""How catalogue field displays turn stored values into text a customer reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..catalogue.display import browser_words, byte_size, masked, money

TABLE_TIMES_NOTE = "Times are in UTC."  # said once beside a table, whose cells leave the zone out


def format_datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def format_table_time(value: datetime | None) -> str:
    """ "2026-09-28 12:01": a table says its zone once (`TABLE_TIMES_NOTE`), so a time keeps to one short line."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def format_date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def format_count(count: int, noun: str = "record") -> str:
    """ "1 record", "2 records", "50,000 records"."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def format_bytes(value: int | None) -> str:
    return "—" if value is None else byte_size(value)


def format_value(display: str, value: Any, row: dict[str, Any] | None = None, *, in_table: bool = False) -> str:
    """A field's value as text; `in_table`: times without their zone (the table says it once)."""
    if display == "password_set_on":
        # The password itself is never stored in readable form, let alone shown.
        return f"Set on {format_date(value)}" if value else "Not set"
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
        return "expired"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h left"
    if hours:
        return f"{hours} h {minutes} min left"
    return f"{minutes} min left" if minutes else "less than a minute left"
