"""Formatting helpers for catalogue pages: VND amounts and statutory durations."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language, gettext, ngettext

from procedures.models import DurationUnit

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    """``50000`` → ``"50.000 đ"`` (Vietnamese thousands separator, đồng sign)."""
    if amount is None or amount == "":
        return ""
    grouped = f"{int(amount):,}".replace(",", ".")
    return f"{grouped}\u00a0đ"


def _number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value.normalize(), "f")
    # Vietnamese writes a decimal comma: 0,5 ngày.
    return text if (get_language() or "").startswith("en") else text.replace(".", ",")


@register.filter
def duration(channel) -> str:
    """A channel's statutory duration, e.g. "15 ngày làm việc"; "" when it is not stated."""
    value = getattr(channel, "duration", None)
    if value is None:
        return ""
    if channel.unit == DurationUnit.SAME_DAY:
        return gettext("Within the same working day")
    number = _number(Decimal(value))
    count = int(value) if Decimal(value) == int(value) else 2
    unit = channel.unit
    if unit == DurationUnit.WORKING_DAY:
        text = ngettext("%(n)s working day", "%(n)s working days", count)
    elif unit == DurationUnit.DAY:
        text = ngettext("%(n)s day", "%(n)s days", count)
    elif unit == DurationUnit.HOUR:
        text = ngettext("%(n)s hour", "%(n)s hours", count)
    elif unit == DurationUnit.MONTH:
        text = ngettext("%(n)s month", "%(n)s months", count)
    else:  # rows imported before units were inferred: working days, the catalogue's usual unit
        text = ngettext("%(n)s working day", "%(n)s working days", count)
    return text % {"n": number}


@register.filter
def unit_assumed(channel) -> bool:
    """Whether the unit shown was assumed (the catalogue gave a bare number)."""
    return bool(getattr(channel, "unit_assumed", False)) and channel.duration is not None
