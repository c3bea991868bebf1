"""Configuration of working time: the government's yearly swaps and each agency's office hours.

The rules that use these rows live in :mod:`workflow.calendar`; nothing here computes a deadline.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """Ngày nghỉ bù / ngày làm bù: one date the government moved, for every agency.

    Each year the government swaps days (e.g. a Monday off before 2/9, worked back on a
    Saturday); an administrator enters them here. A row wins over weekends and holidays.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Extra day off")
        WORKING_DAY = "working_day", _("Extra working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(
        _("reason"), max_length=255, help_text=_("For example the government notice.")
    )

    class Meta:
        ordering = ["-date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}: {self.get_kind_display()}"


WEEKDAYS_RE = re.compile(r"^[1-7]{1,7}$")


class WorkingHours(models.Model):
    """Giờ làm việc of one agency, when it differs from the default of the settings.

    Two periods a day (morning and afternoon) on the listed ISO weekdays (1 = Monday).
    """

    agency = models.OneToOneField(
        "procedures.Agency",
        on_delete=models.CASCADE,
        related_name="working_hours",
        verbose_name=_("agency"),
    )
    morning_start = models.TimeField(_("morning starts"))
    morning_end = models.TimeField(_("morning ends"))
    afternoon_start = models.TimeField(_("afternoon starts"))
    afternoon_end = models.TimeField(_("afternoon ends"))
    weekdays = models.CharField(
        _("working weekdays"),
        max_length=7,
        default="12345",
        validators=[RegexValidator(WEEKDAYS_RE, _("Use the digits 1 (Monday) to 7 (Sunday)."))],
        help_text=_("Digits 1 (Monday) to 7 (Sunday), e.g. 12345 for Monday to Friday."),
    )

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return str(self.agency)

    def clean(self) -> None:
        times = [self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end]
        if None in times:
            return  # the field errors already say what is missing
        ms, me, as_, ae = times
        if not (ms < me <= as_ < ae):
            raise ValidationError(
                _("Each period must start before it ends, and the morning before the afternoon.")
            )

    def periods(self):
        """The day's working periods, ``((start, end), (start, end))``."""
        return (
            (self.morning_start, self.morning_end),
            (self.afternoon_start, self.afternoon_end),
        )

    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.weekdays)
