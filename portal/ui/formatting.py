"""How catalogue field displays turn stored values into text a customer reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

_CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def format_datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def format_date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def format_count(count: int, noun: str = "record") -> str:
    """ "1 record", "2 records", "50,000 records"."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def format_bytes(value: int | None) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{value} B"


def format_value(display: str, value: Any, row: dict[str, Any] | None = None) -> str:
    if display == "password_set_on":
        # The password itself is never stored in readable form, let alone shown.
        return f"Set on {format_date(value)}" if value else "Not set"
    if value is None or value == "":
        return "—"
    if display == "datetime":
        return format_datetime(value)
    if display == "money":
        currency = (row or {}).get("_currency", "EUR")
        return f"{_CURRENCY_SYMBOLS.get(currency, currency + ' ')}{value / 100:,.2f}"
    if display == "bytes":
        return format_bytes(value)
    if display in ("card_mask", "account_mask"):
        return f"•••• {value}"
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
