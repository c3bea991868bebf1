"""The working-time calendar on known dates (DOMAIN.md §4; workflow/calendar.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from procedures.models import Agency, DurationUnit
from workflow.calendar import (
    TZ,
    Lateness,
    OpenLateness,
    calendar_for,
    classify_finished,
    classify_open,
    default_calendar,
    parse_periods,
)
from workflow.models import CalendarOverride, WorkingHours


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def cal():
    return default_calendar(overrides={})


# Tết: 1/1 lunar is 17/2/2026 (Tuesday) and 6/2/2027 (Saturday). Hùng Kings' day, 10/3 lunar,
# is 26/4/2026 (Sunday, observed Monday 27/4) and 16/4/2027 (Friday).
DAYS_OFF = [
    date(2026, 1, 1),
    *(date(2026, 2, d) for d in range(16, 21)),  # 29 Tết … 4th day, Monday to Friday
    date(2026, 4, 27),
    date(2026, 4, 30),
    date(2026, 5, 1),
    date(2026, 9, 1),  # the day adjacent to 2/9
    date(2026, 9, 2),
    date(2026, 8, 31),  # swapped with Saturday 22/8/2026
    date(2026, 11, 24),  # Vietnamese Culture Day, a holiday from 2026
    date(2027, 1, 1),
    *(date(2027, 2, d) for d in (4, 5, 8, 9, 10)),  # Tết 2027 and the days in lieu
    date(2027, 4, 16),
    date(2027, 4, 30),
    date(2027, 5, 3),  # 1/5/2027 is a Saturday: the Monday in lieu
    date(2027, 9, 2),
    date(2027, 9, 3),
    date(2027, 11, 24),
]


@pytest.mark.parametrize("day", DAYS_OFF, ids=str)
def test_public_holidays_are_not_working_days(cal, day):
    assert day.isoweekday() <= 5  # each is a weekday that would otherwise be worked
    assert not cal.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 2, 13), date(2026, 2, 23), date(2026, 4, 29), date(2026, 9, 3), date(2025, 11, 24)],
    ids=str,
)
def test_the_days_around_the_holidays_are_worked(cal, day):
    """24/11 became a holiday in 2026: in 2025 it was an ordinary Monday."""
    assert cal.is_working_day(day)


def test_weekends_are_off_and_a_swapped_saturday_is_worked(cal):
    assert not cal.is_working_day(date(2026, 12, 5))  # Saturday
    assert not cal.is_working_day(date(2026, 12, 6))  # Sunday
    assert cal.is_working_day(date(2026, 8, 22))  # the Saturday worked for 31/8/2026


@pytest.mark.django_db
def test_override_rows_win_over_weekends_and_holidays():
    CalendarOverride.objects.create(
        date=date(2027, 1, 9), kind=CalendarOverride.Kind.WORKING_DAY, reason="làm bù"
    )
    CalendarOverride.objects.create(
        date=date(2027, 1, 11), kind=CalendarOverride.Kind.DAY_OFF, reason="nghỉ bù"
    )
    CalendarOverride.objects.create(
        date=date(2027, 1, 1), kind=CalendarOverride.Kind.WORKING_DAY, reason="test"
    )
    cal = calendar_for(None)
    assert cal.is_working_day(date(2027, 1, 9))  # a Saturday
    assert not cal.is_working_day(date(2027, 1, 11))  # a Monday
    assert cal.is_working_day(date(2027, 1, 1))  # New Year's day
    # Friday 8/1 16:00 + 1 working day: 1 hour on Friday, 7 on the swapped Saturday.
    assert cal.due_at(at(2027, 1, 8, 16), 1, DurationUnit.WORKING_DAY) == at(2027, 1, 9, 16)
    # Saturday 9/1 16:00 + 1 working day skips Sunday and the extra Monday off.
    assert cal.due_at(at(2027, 1, 9, 16), 1, DurationUnit.WORKING_DAY) == at(2027, 1, 12, 16)


def test_received_at_16_55_on_a_friday(cal):
    """Inside working hours: counting starts at once (5 minutes Friday, 7 h 55 Monday)."""
    friday = at(2026, 12, 4, 16, 55)
    assert cal.due_at(friday, 1, DurationUnit.WORKING_DAY) == at(2026, 12, 7, 16, 55)
    assert cal.due_at(friday, 2, DurationUnit.HOUR) == at(2026, 12, 7, 8, 55)
    assert cal.due_at(friday, 1, DurationUnit.SAME_DAY) == at(2026, 12, 4, 17)


@pytest.mark.parametrize(
    "received", [at(2026, 12, 4, 18), at(2026, 12, 4, 17), at(2026, 12, 5, 9), at(2026, 12, 7, 6)]
)
def test_received_after_hours_counts_from_the_next_working_morning(cal, received):
    assert cal.next_working_moment(received) == at(2026, 12, 7, 7)
    assert cal.due_at(received, 1, DurationUnit.WORKING_DAY) == at(2026, 12, 7, 17)
    assert cal.due_at(received, 3, DurationUnit.WORKING_DAY) == at(2026, 12, 9, 17)
    assert cal.due_at(received, 1, DurationUnit.SAME_DAY) == at(2026, 12, 7, 17)


def test_lunch_break_and_half_days(cal):
    assert cal.next_working_moment(at(2026, 12, 7, 12)) == at(2026, 12, 7, 13, 30)
    assert cal.next_working_moment(at(2026, 12, 7, 11, 30)) == at(2026, 12, 7, 13, 30)
    assert cal.next_working_moment(at(2026, 12, 7, 9, 15)) == at(2026, 12, 7, 9, 15)
    assert cal.add_working_hours(at(2026, 12, 7, 7), Decimal("4.5")) == at(2026, 12, 7, 11, 30)
    assert cal.add_working_hours(at(2026, 12, 7, 11), 1) == at(2026, 12, 7, 14)
    assert cal.due_at(at(2026, 12, 7, 9), Decimal("1.5"), "working_day") == at(2026, 12, 8, 15)
    assert cal.working_hours_between(at(2026, 12, 4, 12), at(2026, 12, 7, 12)) == Decimal("8")


def test_a_working_day_deadline_across_tet_2026(cal):
    # Friday 13/2/2026 10:00 + 2 working days: Tết runs Monday 16 to Friday 20.
    assert cal.due_at(at(2026, 2, 13, 10), 2, "working_day") == at(2026, 2, 24, 10)
    assert cal.working_hours_between(at(2026, 2, 13, 17), at(2026, 2, 23, 7)) == 0


def test_a_working_day_deadline_across_30_4_and_1_5(cal):
    # Wednesday 29/4/2026 10:00 + 1 working day: Thursday and Friday off, then the weekend.
    assert cal.due_at(at(2026, 4, 29, 10), 1, "working_day") == at(2026, 5, 4, 10)


def test_a_calendar_day_deadline_on_a_sunday_moves_to_monday_morning(cal):
    # Wednesday 2/12/2026 10:00 + 4 days = Sunday 6/12.
    assert cal.due_at(at(2026, 12, 2, 10), 4, DurationUnit.DAY) == at(2026, 12, 7, 7)
    assert cal.due_at(at(2026, 12, 2, 10), 5, DurationUnit.DAY) == at(2026, 12, 7, 10)
    # 29/8/2026 + 3 days lands on 1/9, the day adjacent to National Day: moved to Thursday 3/9.
    assert cal.due_at(at(2026, 8, 28, 9), 4, DurationUnit.DAY) == at(2026, 9, 3, 7)


def test_months_keep_the_day_of_the_month_or_the_months_last_day(cal):
    assert cal.due_at(at(2026, 3, 10, 9), 1, DurationUnit.MONTH) == at(2026, 4, 10, 9)
    # 30/1 + 1 month = 28/2/2026, a Saturday: Monday 2/3 morning.
    assert cal.due_at(at(2026, 1, 30, 9), 1, DurationUnit.MONTH) == at(2026, 3, 2, 7)
    assert cal.due_at(at(2026, 11, 10, 9), 2, DurationUnit.MONTH) == at(2027, 1, 11, 7)
    with pytest.raises(ValueError):
        cal.due_at(at(2026, 3, 10, 9), Decimal("1.5"), DurationUnit.MONTH)


def test_shift_moves_the_due_date_by_the_working_time_paused(cal):
    due = at(2026, 12, 10, 10)
    # Paused from Friday 4/12 15:00 to Monday 7/12 09:00: 2 + 2 = 4 working hours.
    assert cal.working_hours_between(at(2026, 12, 4, 15), at(2026, 12, 7, 9)) == 4
    assert cal.shift(due, at(2026, 12, 4, 15), at(2026, 12, 7, 9)) == at(2026, 12, 10, 16)
    assert cal.shift(due, at(2026, 12, 5, 8), at(2026, 12, 6, 20)) == due  # a weekend costs 0
    with pytest.raises(ValueError):
        cal.shift(due, at(2026, 12, 7, 9), at(2026, 12, 4, 15))


def test_naive_datetimes_and_negative_durations_are_refused(cal):
    with pytest.raises(ValueError):
        cal.next_working_moment(datetime(2026, 12, 7, 9))
    with pytest.raises(ValueError):
        cal.add_working_hours(at(2026, 12, 7, 9), -1)


def test_lateness_compares_local_dates():
    due = at(2026, 12, 7, 10)
    assert classify_finished(due, at(2026, 12, 4, 16)) == Lateness.EARLY
    assert classify_finished(due, at(2026, 12, 7, 16)) == Lateness.ON_TIME
    assert classify_finished(due, at(2026, 12, 8, 7)) == Lateness.LATE
    # Dates are Ho Chi Minh City's: 16:30 UTC is 23:30 on 7/12 there, 17:30 UTC is 8/12.
    assert classify_finished(due, datetime(2026, 12, 7, 16, 30, tzinfo=UTC)) == Lateness.ON_TIME
    assert classify_finished(due, datetime(2026, 12, 7, 17, 30, tzinfo=UTC)) == Lateness.LATE
    assert classify_open(due, at(2026, 12, 7, 16)) == OpenLateness.IN_TIME
    assert classify_open(due, at(2026, 12, 8, 7)) == OpenLateness.LATE


def test_lateness_labels_are_vietnamese():
    with translation.override("vi"):
        assert [str(label) for label in Lateness.labels] == ["Trước hạn", "Đúng hạn", "Quá hạn"]
        assert [str(label) for label in OpenLateness.labels] == ["Trong hạn", "Quá hạn"]


@pytest.mark.django_db
def test_an_agency_with_its_own_hours():
    agency, other = (
        Agency.objects.create(code=code, name=code, level=Agency.Level.COMMUNE)
        for code in ("T99.1", "T99.2")
    )
    WorkingHours.objects.create(
        agency=agency,
        morning_start="07:30",
        morning_end="11:30",
        afternoon_start="13:00",
        afternoon_end="17:00",
        weekdays="123456",
    )
    cal = calendar_for(agency)
    assert cal.hours_per_day == 8
    assert cal.is_working_day(date(2026, 12, 5))  # this agency works Saturdays
    assert cal.next_working_moment(at(2026, 12, 7, 7)) == at(2026, 12, 7, 7, 30)
    assert not calendar_for(other).is_working_day(date(2026, 12, 5))
    assert calendar_for(other).next_working_moment(at(2026, 12, 7, 7)) == at(2026, 12, 7, 7)


def test_working_hours_rows_must_be_ordered():
    row = WorkingHours(
        morning_start=parse_periods("08:00-12:00")[0][0],
        morning_end=parse_periods("08:00-12:00")[0][1],
        afternoon_start=parse_periods("11:00-17:00")[0][0],
        afternoon_end=parse_periods("11:00-17:00")[0][1],
    )
    with pytest.raises(ValidationError):
        row.clean()
    with pytest.raises(ValueError):
        parse_periods("13:30-17:00,07:00-11:30")
