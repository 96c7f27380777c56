"""Statutory deadlines (GDPR Art. 12(3)): one month from receipt, extendable by two further months."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

MAX_EXTENSION_MONTHS = 2
DUE_SOON = timedelta(days=7)


def add_months(moment: datetime, months: int) -> datetime:
    """Same day `months` later; the last day of that month where the day does not exist (31 Jan -> 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def due_date(received_at: datetime) -> datetime:
    return add_months(received_at, 1)


def latest_extension(received_at: datetime) -> datetime:
    return add_months(received_at, 1 + MAX_EXTENSION_MONTHS)


def urgency(due_at: datetime, now: datetime, *, open_: bool) -> str:
    """'overdue', 'due-soon' or 'on-time' (closed requests are always 'on-time')."""
    if not open_:
        return "on-time"
    if now > due_at:
        return "overdue"
    if due_at - now <= DUE_SOON:
        return "due-soon"
    return "on-time"
