"""Dates, times, numbers, sizes and money in the current language and time zone, formatted by Babel (CLDR data).

English keeps the portal's unambiguous ISO-style times ("2026-09-28 14:01 UTC"): they sort, they read the same
everywhere, and QA's checks rely on them. Every other language gets its own conventions ("28.09.2026, 14:01",
"2026/9/28 14:01"); numbers and money always follow the language ("50,000" / "50.000", "€319.50" / "319,50 €")."""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.dates import format_time as babel_time
from babel.dates import get_timezone_name
from babel.numbers import format_currency, format_decimal

from .context import DEFAULT_LOCALE, current_locale, current_time_zone
from .pseudo import PSEUDO_LOCALE
from .translate import ngettext

EMPTY = "—"


def babel_locale() -> Locale:
    code = current_locale()
    return Locale.parse(DEFAULT_LOCALE if code == PSEUDO_LOCALE else code)


def _english() -> bool:
    return current_locale() in (DEFAULT_LOCALE, PSEUDO_LOCALE)


def local(value: datetime) -> datetime:
    """The moment in the reader's time zone (stored times are UTC; a naive one is read as UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(current_time_zone())


def zone_label(value: datetime | None = None) -> str:
    """ "UTC", "CET", "GMT+8": the zone's short name at that moment, as a table's note or a time's suffix says it."""
    moment = local(value or datetime.now(UTC))
    name = moment.tzname() or "UTC"
    if name.startswith(("+", "-")):  # zoneinfo names some zones only by their offset
        return get_timezone_name(moment, width="short", locale=babel_locale())
    return name


def format_datetime(value: datetime | None) -> str:
    """A moment with its zone: "2026-09-28 14:01 CET", "28.09.2026, 14:01 MEZ"."""
    if value is None:
        return EMPTY
    return f"{format_table_time(value)} {zone_label(value)}"


def format_table_time(value: datetime | None) -> str:
    """A moment without its zone, for a table that names the zone once."""
    if value is None:
        return EMPTY
    moment = local(value)
    if _english():
        return babel_datetime(moment, "yyyy-MM-dd HH:mm", tzinfo=moment.tzinfo, locale=babel_locale())
    locale = babel_locale()
    return f"{babel_date(moment.date(), 'medium', locale=locale)} {babel_time(moment, 'short', locale=locale)}"


def format_date(value: datetime | None) -> str:
    if value is None:
        return EMPTY
    moment = local(value)
    if _english():
        return babel_date(moment.date(), "yyyy-MM-dd", locale=babel_locale())
    return babel_date(moment.date(), "medium", locale=babel_locale())


def format_long_date(value: datetime | None) -> str:
    """ "28 September 2026", "28. September 2026", "2026年9月28日": a date in words, for letters and receipts."""
    return EMPTY if value is None else format_day(local(value).date())


def format_day(day: date) -> str:
    """A calendar day in words, as it is (no time zone to apply)."""
    if _english():
        return f"{day.day} {babel_date(day, 'MMMM yyyy', locale=babel_locale())}"
    return babel_date(day, "long", locale=babel_locale())


def format_number(value: int | float) -> str:
    """ "50,000", "50.000", "50 000"."""
    return format_decimal(value, locale=babel_locale())


def format_count(count: int, singular: str, plural: str) -> str:
    """ "1 record", "50,000 records" with the plural rule and digits of the current language; `singular` and
    `plural` are msgids with a "{count}" placeholder, marked where they are written (`N_` or a literal call)."""
    return ngettext(singular, plural, count).format(count=format_number(count))


def format_money(minor_units: int, currency: str | None) -> str:
    """ "€319.50", "319,50 €"; stored in minor units (cents). Without a currency, only the number."""
    amount = int(minor_units) / 100
    if not currency:
        return format_decimal(amount, format="#,##0.00", locale=babel_locale())
    return format_currency(amount, currency, locale=babel_locale())


def format_bytes(value: int) -> str:
    """ "512 B", "3.1 MB", "3,1 MB" (decimal units, as disks and downloads count)."""
    size = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            number = (
                format_decimal(round(size), locale=babel_locale())
                if unit == "B"
                else format_decimal(round(size, 1), format="#,##0.0", locale=babel_locale())
            )
            return f"{number} {unit}"
        size /= 1000
    return f"{value} B"
