"""The language and time zone of whoever the current code works for.

Context variables, so every request, socket event, background task and worker job carries its own: the HTTP
middleware sets them per request, the socket guard per page event (from the page's request), a worker job from the
account it writes to (`using_locale`). Code that formats or translates only reads them; nothing passes a locale
down through every call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_LOCALE = "en"
DEFAULT_TIME_ZONE = "UTC"

_locale: ContextVar[str] = ContextVar("portal_locale", default=DEFAULT_LOCALE)
_time_zone: ContextVar[str] = ContextVar("portal_time_zone", default=DEFAULT_TIME_ZONE)


def current_locale() -> str:
    return _locale.get()


def current_time_zone_name() -> str:
    return _time_zone.get()


def current_time_zone() -> tzinfo:
    return zone(_time_zone.get())


def set_locale(locale: str, time_zone: str | None = None) -> None:
    """For the rest of this context (a request, a socket event): the caller resolved both already."""
    _locale.set(locale)
    if time_zone is not None:
        _time_zone.set(time_zone)


@contextmanager
def using_locale(locale: str, time_zone: str | None = None) -> Iterator[None]:
    """Within the block, text and formats are those of `locale` (an email to a customer in their language)."""
    locale_token = _locale.set(locale)
    zone_token = _time_zone.set(time_zone) if time_zone is not None else None
    try:
        yield
    finally:
        _locale.reset(locale_token)
        if zone_token is not None:
            _time_zone.reset(zone_token)


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_time_zone(name: str | None) -> str | None:
    """The IANA name if this machine knows it ("Europe/Berlin"), else None: a cookie or form value is never trusted."""
    if name and len(name) <= 64 and name in time_zone_names():
        return name
    return None


@lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)
