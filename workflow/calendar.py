"""The working-time calendar (lịch làm việc): when a deadline falls, and whether work was on time.

Rules (DOMAIN.md §4), in the order they are applied:

* **Working time** is two periods a day, 07:00–11:30 and 13:30–17:00, Monday to Friday, in
  Asia/Ho_Chi_Minh: the settings ``WORKING_HOURS`` and ``WORKING_WEEKDAYS``, or the agency's own
  :class:`~workflow.models.WorkingHours` row. One working day is the length of a day's periods
  (8 hours by default), so "1 working day" and "8 working hours" are the same deadline.
* **Working days**: a working weekday that is not a public holiday. Public holidays come from
  the ``holidays`` package (Vietnam: 1/1, five days of Tết, Hùng Kings' day 10/3 lunar, 30/4,
  1/5, 2/9 and its adjacent day, 24/11 from 2026, with the days in lieu it computes, and the
  swapped days it knows, whose worked Saturdays count as working days). Version 0.109 knows
  every Labour Code art. 112 day for 2026–2027; :data:`LABOUR_CODE_DAYS` adds 24/11 from 2026
  should an older package lack it. Then :class:`~workflow.models.CalendarOverride` rows win
  over all of that (the government's yearly swaps, entered in the admin).
* **Boundaries**: a period includes its end as a deadline (due at 17:00 is inside working time),
  but no time is left to count from it, so :meth:`WorkingCalendar.next_working_moment` of
  17:00 is the next working morning.
* **Counting starts** at :meth:`~WorkingCalendar.next_working_moment` of the reception: after
  hours, at night or on a day off it is the next working morning; inside working hours it is
  the moment itself. So 1 working day from Friday 16:55 is due Monday 16:55 (5 minutes on
  Friday, 7 h 55 on Monday), not Tuesday: DOMAIN.md §4 moves only receptions *after* the end
  of working hours, and a working day is 8 working hours. Lateness compares dates, so Monday
  16:55 and Monday 17:00 classify the same.
* **Units** (:class:`procedures.models.DurationUnit`): ``working_day`` and ``hour`` add working
  time; ``day`` and ``month`` add calendar time to the start (a month keeps the day of the
  month, or the month's last day) and a result outside working time (a Sunday, a holiday,
  the evening) becomes the next working moment, so a deadline on Sunday is Monday morning;
  ``same_day`` is the end of the start's working day (received after hours: the end of the
  next working day).
* **Supplement "shift"**: :meth:`~WorkingCalendar.shift` moves the due date on by the working
  time the clock was paused (the "restart" rule is :meth:`~WorkingCalendar.due_at` again).
* **Lateness** compares local dates: finished before the due date is *trước hạn*, on it
  *đúng hạn*, after it *quá hạn*; an open dossier is *quá hạn* from the day after its due date.

Times in and out are timezone-aware; naive ones are refused. National holiday sets are cached
per year; a calendar reads the override rows of a year once (make a new one with
:func:`calendar_for` per task or request to see new rows).
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from procedures.models import DurationUnit

from .models import CalendarOverride, WorkingHours

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)
# Labour Code art. 112 days the ``holidays`` package might lack: (month, day, first year).
LABOUR_CODE_DAYS = ((11, 24, 2026),)
# A calendar without a working day in ten years is a configuration error, not a long wait.
MAX_DAYS_WITHOUT_WORK = 3660

Periods = tuple[tuple[time, time], ...]


class Lateness(models.TextChoices):
    """Kết quả xử lý so với hạn: how a finished dossier or step compares with its due date."""

    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class OpenLateness(models.TextChoices):
    """An open dossier at a report date: trong hạn / quá hạn."""

    IN_TIME = "in_time", _("In time")
    LATE = "late", _("Late")


def parse_periods(text: str) -> Periods:
    """``"07:00-11:30,13:30-17:00"`` → ordered, non-overlapping ``(start, end)`` pairs."""
    try:
        periods = tuple(
            (time.fromisoformat(a.strip()), time.fromisoformat(b.strip()))
            for a, b in (part.split("-") for part in text.split(","))
        )
    except ValueError as exc:
        raise ValueError(f"working hours must look like 07:00-11:30,13:30-17:00: {text!r}") from exc
    bounds = [t for period in periods for t in period]
    if any(a >= b for a, b in periods) or bounds != sorted(bounds):
        raise ValueError(f"working periods must be ordered and not overlap: {text!r}")
    return periods


def parse_weekdays(text: str) -> frozenset[int]:
    """``"12345"`` (ISO weekday digits, 1 = Monday) → ``{1, 2, 3, 4, 5}``."""
    days = frozenset(int(c) for c in text if c.isdigit())
    if not days or not days <= set(range(1, 8)):
        raise ValueError(f"working weekdays must be digits 1 (Monday) to 7 (Sunday): {text!r}")
    return days


@lru_cache(maxsize=32)
def national_days(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """``(days off, weekend days worked)`` of a year, before the override table."""
    vietnam = holidays.Vietnam(years=year)
    off = set(vietnam)
    off.update(date(year, m, d) for m, d, first in LABOUR_CODE_DAYS if year >= first)
    worked = {d for d in getattr(vietnam, "weekend_workdays", ()) if d.year == year}
    return frozenset(off), frozenset(worked)


def local(dt: datetime) -> datetime:
    """``dt`` in Asia/Ho_Chi_Minh; naive datetimes are a programming error."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("the working-time calendar needs timezone-aware datetimes")
    return dt.astimezone(TZ)


def to_decimal(amount: Decimal | float | int) -> Decimal:
    """Floats go through ``str`` so 1.1 stays 1.1 (not 1.100000000000000088…)."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    if not value.is_finite() or value < 0:
        raise ValueError(f"a duration must be a finite, non-negative number: {amount!r}")
    return value


def hours_delta(hours: Decimal | float | int) -> timedelta:
    micro = (to_decimal(hours) * MICROSECONDS_PER_HOUR).to_integral_value(ROUND_HALF_UP)
    return timedelta(microseconds=int(micro))


def add_months(dt: datetime, months: int) -> datetime:
    """Same day of the month ``months`` later, or that month's last day (31/1 + 1 → 28/2)."""
    index = dt.year * 12 + dt.month - 1 + months
    year, month = divmod(index, 12)
    day = min(dt.day, gregorian.monthrange(year, month + 1)[1])
    return dt.replace(year=year, month=month + 1, day=day)


class WorkingCalendar:
    """Working time of one agency (or the default), with the national holidays and overrides.

    ``overrides`` (``{date: CalendarOverride.Kind}``) replaces the database table, for tests
    and callers that already hold the rows; when it is ``None`` each year's rows are read once.
    """

    def __init__(
        self,
        periods: Periods,
        weekdays: frozenset[int],
        overrides: Mapping[date, str] | None = None,
    ) -> None:
        self.periods = periods
        self.weekdays = weekdays
        self._fixed_overrides = overrides
        self._overrides: dict[int, dict[date, str]] = {}
        day = date(2000, 1, 1)
        self.day_length = sum(
            (datetime.combine(day, b) - datetime.combine(day, a) for a, b in periods), timedelta()
        )
        self.hours_per_day = Decimal(self.day_length // timedelta(microseconds=1)) / (
            MICROSECONDS_PER_HOUR
        )

    # --- days -----------------------------------------------------------------------------

    def _override(self, d: date) -> str | None:
        if self._fixed_overrides is not None:
            return self._fixed_overrides.get(d)
        if d.year not in self._overrides:
            rows = CalendarOverride.objects.filter(date__year=d.year).values_list("date", "kind")
            self._overrides[d.year] = dict(rows)
        return self._overrides[d.year].get(d)

    def is_working_day(self, d: date) -> bool:
        kind = self._override(d)
        if kind is not None:
            return kind == CalendarOverride.Kind.WORKING_DAY
        days_off, weekends_worked = national_days(d.year)
        if d in weekends_worked:
            return True
        return d not in days_off and d.isoweekday() in self.weekdays

    def _day_periods(self, d: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(d):
            return []
        return [
            (datetime.combine(d, a, tzinfo=TZ), datetime.combine(d, b, tzinfo=TZ))
            for a, b in self.periods
        ]

    def _periods_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods that end after ``at``, the first one cut to start at ``at``."""
        d, idle = at.date(), 0
        while idle < MAX_DAYS_WITHOUT_WORK:
            day_periods = [(max(s, at), e) for s, e in self._day_periods(d) if e > at]
            idle = 0 if day_periods else idle + 1
            yield from day_periods
            d += timedelta(days=1)
        raise ValueError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days of {at:%d/%m/%Y}")

    # --- moments --------------------------------------------------------------------------

    def is_working_time(self, dt: datetime) -> bool:
        """Inside a working period, its end included (a deadline at 17:00 is in time)."""
        at = local(dt)
        return any(s <= at <= e for s, e in self._day_periods(at.date()))

    def next_working_moment(self, dt: datetime) -> datetime:
        """``dt`` when working time follows it at once; else the start of the next period."""
        return next(self._periods_from(local(dt)))[0]

    def add_working_hours(self, start: datetime, hours: Decimal | float | int) -> datetime:
        """The moment ``hours`` of working time after ``start``; it is always working time."""
        remaining = hours_delta(hours)
        at = self.next_working_moment(start)
        if not remaining:
            return at
        for s, e in self._periods_from(at):
            if remaining <= e - s:
                return s + remaining
            remaining -= e - s
        raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover

    def working_hours_between(self, start: datetime, end: datetime) -> Decimal:
        """Hours of working time from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        a, b = local(start), local(end)
        if b < a:
            return -self.working_hours_between(end, start)
        total = timedelta()
        for s, e in self._periods_from(a):
            if s >= b:
                break
            total += min(e, b) - s
        return Decimal(total // timedelta(microseconds=1)) / MICROSECONDS_PER_HOUR

    def end_of_working_day(self, dt: datetime) -> datetime:
        """The close of the working day that :meth:`next_working_moment` of ``dt`` falls in."""
        at = self.next_working_moment(dt)
        return self._day_periods(at.date())[-1][1]

    def _in_working_time(self, dt: datetime) -> datetime:
        return dt if self.is_working_time(dt) else self.next_working_moment(dt)

    # --- deadlines ------------------------------------------------------------------------

    def due_at(self, received_at: datetime, amount: Decimal | float | int, unit: str) -> datetime:
        """Due moment of a duration of ``amount`` ``unit`` counted from a reception.

        See the module's docstring for when counting starts and how each unit counts.
        """
        unit = DurationUnit(unit)
        value = to_decimal(amount)
        start = self.next_working_moment(received_at)
        if unit == DurationUnit.WORKING_DAY:
            return self.add_working_hours(start, value * self.hours_per_day)
        if unit == DurationUnit.HOUR:
            return self.add_working_hours(start, value)
        if unit == DurationUnit.SAME_DAY:
            return self.end_of_working_day(start)
        if unit == DurationUnit.DAY:
            return self._in_working_time(start + hours_delta(value * 24))
        if value != value.to_integral_value():
            raise ValueError(f"a duration in months must be whole: {amount!r}")
        return self._in_working_time(add_months(start, int(value)))

    def shift(self, due: datetime, paused_from: datetime, paused_to: datetime) -> datetime:
        """The due date moved on by the working time paused (supplement, "shift" rule)."""
        if paused_to < paused_from:
            raise ValueError("a pause cannot end before it starts")
        paused = self.working_hours_between(paused_from, paused_to)
        return self.add_working_hours(due, paused)


def default_calendar(overrides: Mapping[date, str] | None = None) -> WorkingCalendar:
    return WorkingCalendar(
        parse_periods(settings.WORKING_HOURS), parse_weekdays(settings.WORKING_WEEKDAYS), overrides
    )


def calendar_for(agency) -> WorkingCalendar:
    """The calendar of ``agency``: its own working hours, else the default (also for None)."""
    hours = None
    if agency is not None:
        hours = WorkingHours.objects.filter(agency=agency).first()
    if hours is None:
        return default_calendar()
    return WorkingCalendar(hours.periods(), hours.weekday_set())


def classify_finished(due_at: datetime, finished_at: datetime) -> str:
    """trước hạn / đúng hạn / quá hạn: the local date of the finish against the due date."""
    due, done = local(due_at).date(), local(finished_at).date()
    if done < due:
        return Lateness.EARLY.value
    return Lateness.ON_TIME.value if done == due else Lateness.LATE.value


def classify_open(due_at: datetime, at: datetime) -> str:
    """trong hạn / quá hạn of an open dossier at ``at``: late from the day after the due date."""
    late = local(at).date() > local(due_at).date()
    return OpenLateness.LATE.value if late else OpenLateness.IN_TIME.value
