"""Statutory deadlines: one month from receipt (clamped to the month's last day), up to two more months."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.models import PrivacyRequest, RequestStatus
from portal.queue import deadlines, service
from portal.queue.deadlines import DUE_SOON, add_months, due_date, latest_extension, urgency


def _d(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-01-15", "2026-02-15"),
        ("2026-01-31", "2026-02-28"),
        ("2028-01-31", "2028-02-29"),  # leap year
        ("2026-03-31", "2026-04-30"),
        ("2026-12-31", "2027-01-31"),  # across the year
        ("2026-08-31", "2026-09-30"),
        ("2026-02-28", "2026-03-28"),  # a clamped-looking date is not moved to the month's end
        ("2028-02-29", "2028-03-29"),
        ("2026-11-30", "2026-12-30"),
    ],
)
def test_due_date(received: str, due: str) -> None:
    assert due_date(_d(received)) == _d(due)


def test_time_of_day_and_zone_are_kept() -> None:
    received = datetime(2026, 1, 31, 23, 59, 58, 123456, tzinfo=UTC)
    assert due_date(received) == datetime(2026, 2, 28, 23, 59, 58, 123456, tzinfo=UTC)
    cet = timezone(timedelta(hours=1))
    assert due_date(datetime(2026, 5, 31, 7, 30, tzinfo=cet)) == datetime(2026, 6, 30, 7, 30, tzinfo=cet)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        ("2026-01-31", 0, "2026-01-31"),
        ("2026-01-31", 2, "2026-03-31"),
        ("2026-01-31", 13, "2027-02-28"),
        ("2026-10-31", 4, "2027-02-28"),
        ("2027-11-30", 3, "2028-02-29"),
        ("2026-05-15", 24, "2028-05-15"),
    ],
)
def test_add_months(moment: str, months: int, expected: str) -> None:
    assert add_months(_d(moment), months) == _d(expected)


@pytest.mark.parametrize(
    ("received", "latest"),
    [
        ("2026-01-15", "2026-04-15"),
        ("2026-01-31", "2026-04-30"),
        ("2026-11-30", "2027-02-28"),
        ("2027-11-30", "2028-02-29"),  # leap
        ("2026-12-31", "2027-03-31"),
        ("2026-05-31", "2026-08-31"),
    ],
)
def test_latest_extension_is_three_months_from_receipt(received: str, latest: str) -> None:
    value = latest_extension(_d(received).replace(hour=9, minute=41))
    assert value == _d(latest).replace(hour=9, minute=41)
    assert deadlines.MAX_EXTENSION_MONTHS == 2


class TestUrgency:
    due = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("now_offset", "expected"),
        [
            (-timedelta(days=30), "on-time"),
            (-(DUE_SOON + timedelta(microseconds=1)), "on-time"),
            (-DUE_SOON, "due-soon"),  # exactly a week left
            (-timedelta(days=1), "due-soon"),
            (timedelta(0), "due-soon"),  # due now: still in time
            (timedelta(microseconds=1), "overdue"),
            (timedelta(days=40), "overdue"),
        ],
    )
    def test_open_request(self, now_offset: timedelta, expected: str) -> None:
        assert urgency(self.due, self.due + now_offset, open_=True) == expected

    @pytest.mark.parametrize("now_offset", [timedelta(days=-30), timedelta(days=-1), timedelta(days=400)])
    def test_closed_request_is_never_overdue(self, now_offset: timedelta) -> None:
        assert urgency(self.due, self.due + now_offset, open_=False) == "on-time"

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            (RequestStatus.RECEIVED, "overdue"),
            (RequestStatus.PROCESSING, "overdue"),
            (RequestStatus.FAILED, "overdue"),
            (RequestStatus.DEAD_LETTER, "overdue"),
            (RequestStatus.COMPLETED, "on-time"),
            (RequestStatus.REJECTED, "on-time"),
            (RequestStatus.CANCELED, "on-time"),
        ],
    )
    def test_service_urgency_by_status(self, status: RequestStatus, expected: str) -> None:
        request = _request(status, due_at=self.due)
        assert service.urgency(request, now=self.due + timedelta(days=2)) == expected

    def test_extension_moves_the_deadline_used_for_urgency(self) -> None:
        request = _request(RequestStatus.QUEUED, due_at=self.due, extended_due_at=self.due + timedelta(days=30))
        assert service.urgency(request, now=self.due + timedelta(days=2)) == "on-time"
        assert service.urgency(request, now=self.due + timedelta(days=25)) == "due-soon"
        assert service.urgency(request, now=self.due + timedelta(days=31)) == "overdue"


def _request(status: RequestStatus, **dates: datetime) -> PrivacyRequest:
    received = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    return PrivacyRequest(
        type="diagnostic",
        subject_id=1,
        actor_role="customer",
        channel="portal",
        payload={},
        status=status.value,
        idempotency_key="k",
        received_at=received,
        updated_at=received,
        **dates,
    )


moments = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9998, 12, 31, 23, 59, 59), timezones=st.just(UTC)
)


@given(moments)
def test_due_date_property(received: datetime) -> None:
    due = due_date(received)
    assert received < due <= received + timedelta(days=31)
    last_day = calendar.monthrange(due.year, due.month)[1]
    assert due.day == received.day or (due.day == last_day and received.day > last_day)
    assert (due.year * 12 + due.month) - (received.year * 12 + received.month) == 1
    assert due.time() == received.time() and due.tzinfo == received.tzinfo


@given(moments, st.integers(min_value=0, max_value=24))
def test_add_months_property(moment: datetime, months: int) -> None:
    if moment.year * 12 + moment.month + months > 9999 * 12 + 12:
        return
    later = add_months(moment, months)
    assert (later.year * 12 + later.month) - (moment.year * 12 + moment.month) == months
    assert later.day == min(moment.day, calendar.monthrange(later.year, later.month)[1])
    assert later >= moment
    assert latest_extension(moment) >= due_date(moment)
