"""Invariants of the working-time calendar, checked on generated dates (Hypothesis).

The calendars here hold their override rows in memory, so no test needs the database.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from procedures.models import DurationUnit
from workflow.calendar import TZ, default_calendar
from workflow.models import CalendarOverride

FEW = settings(max_examples=200, deadline=None)

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 6, 30), timezones=st.just(TZ)
)
hours = st.decimals(min_value=0, max_value=600, places=2)
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 6, 30))
overrides = st.dictionaries(days, st.sampled_from(CalendarOverride.Kind.values), max_size=20)


def whole_day(cal, d: date) -> Decimal:
    start = datetime.combine(d, datetime.min.time(), tzinfo=TZ)
    return cal.working_hours_between(start, start + timedelta(days=1))


@FEW
@given(start=moments, n=hours, extra=overrides)
def test_adding_working_hours_ends_in_working_time_and_counts_back(start, n, extra):
    cal = default_calendar(overrides=extra)
    end = cal.add_working_hours(start, n)
    assert end >= start
    assert cal.is_working_time(end)
    assert cal.is_working_day(end.date())
    assert cal.working_hours_between(start, end) == n
    assert cal.working_hours_between(end, start) == -n


@FEW
@given(start=moments, a=hours, b=hours)
def test_adding_in_two_steps_is_adding_once(start, a, b):
    cal = default_calendar(overrides={})
    assert cal.add_working_hours(cal.add_working_hours(start, a), b) == cal.add_working_hours(
        start, a + b
    )


@FEW
@given(d=days, extra=overrides)
def test_holidays_and_weekends_never_count(d, extra):
    cal = default_calendar(overrides=extra)
    expected = cal.hours_per_day if cal.is_working_day(d) else 0
    assert whole_day(cal, d) == expected
    if d in holidays.Vietnam(years=d.year) and d not in extra:
        assert whole_day(cal, d) == 0
    if d.isoweekday() >= 6 and d not in extra:
        # Only a swapped Saturday the holidays package knows may be worked at a weekend.
        assert cal.is_working_day(d) == (d in {date(2025, 4, 26), date(2026, 8, 22)})


@FEW
@given(d=days, kind=st.sampled_from(CalendarOverride.Kind.values))
def test_an_override_row_decides_its_day(d, kind):
    cal = default_calendar(overrides={d: kind})
    assert cal.is_working_day(d) == (kind == CalendarOverride.Kind.WORKING_DAY)
    assert whole_day(cal, d) == (8 if kind == CalendarOverride.Kind.WORKING_DAY else 0)


@FEW
@given(
    received=moments,
    unit=st.sampled_from(DurationUnit.values),
    a=st.integers(min_value=0, max_value=120),
    b=st.integers(min_value=0, max_value=120),
)
def test_due_at_grows_with_the_amount(received, unit, a, b):
    cal = default_calendar(overrides={})
    if unit == DurationUnit.MONTH:
        a, b = a % 13, b % 13
    low, high = sorted((a, b))
    first, second = cal.due_at(received, low, unit), cal.due_at(received, high, unit)
    assert cal.next_working_moment(received) <= first <= second
    assert cal.is_working_time(first) and cal.is_working_time(second)


@FEW
@given(
    due=moments,
    pause_start=moments,
    pause=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
)
def test_shift_adds_exactly_the_working_time_paused(due, pause_start, pause):
    cal = default_calendar(overrides={})
    due = cal.next_working_moment(due)
    shifted = cal.shift(due, pause_start, pause_start + pause)
    paused = cal.working_hours_between(pause_start, pause_start + pause)
    assert cal.working_hours_between(due, shifted) == paused
