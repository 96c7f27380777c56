"""How catalogue field displays turn stored values into text a customer reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..catalogue.display import byte_size, masked, money


def format_datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def format_date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def format_count(count: int, noun: str = "record") -> str:
    """ "1 record", "2 records", "50,000 records"."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def format_bytes(value: int | None) -> str:
    return "—" if value is None else byte_size(value)


def format_value(display: str, value: Any, row: dict[str, Any] | None = None) -> str:
    if display == "password_set_on":
        # The password itself is never stored in readable form, let alone shown.
        return f"Set on {format_date(value)}" if value else "Not set"
    if value is None or value == "":
        return "—"
    if display == "datetime":
        return format_datetime(value)
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
