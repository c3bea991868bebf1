"""The fault switch: make the stand-in fail on purpose, for tests and fault drills.

- ``error500``: pushes get 500 (nothing stored);
- ``timeout``: a push is stored, then the answer waits ``seconds`` (past the portal's timeout), so
  the portal sends it again and must be told it is a duplicate;
- ``down``: pushes get 503 (nothing stored) and the poller pauses;
- ``ok``: normal.

With ``minutes`` (a fraction is fine: 0.5 is 30 s) the mode ends by itself (back to ``ok``);
without, it stays until changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .models import FaultMode, FaultSwitch

DEFAULT_TIMEOUT_SECONDS = 35  # past the portal's default push timeout of 30 s
MAX_MINUTES = 24 * 60
MAX_SECONDS = 600


class InvalidFault(ValueError):
    pass


@dataclass(frozen=True)
class Fault:
    mode: str
    until: datetime | None
    seconds: int

    @property
    def failing(self) -> bool:
        return self.mode != FaultMode.OK

    def as_json(self) -> dict:
        return {
            "mode": self.mode,
            "until": self.until.isoformat() if self.until else None,
            "seconds": self.seconds,
        }


def _number(value, name: str, upper: int, whole: bool) -> float | None:
    """A positive number up to ``upper`` from JSON, a form or the command line (None if blank)."""
    if value is None or value == "":
        return None
    kind = "số nguyên dương (a positive integer)" if whole else "số dương (a positive number)"
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or (whole and not number.is_integer()):
        raise InvalidFault(f"{name} phải là {kind}")
    if not 0 < number <= upper:
        raise InvalidFault(f"{name} phải lớn hơn 0 và không quá {upper} ({name}: 0 < n ≤ {upper})")
    return number


def set_fault(mode: str, minutes=None, seconds=None) -> Fault:
    """Switch the stand-in to ``mode``; raises :class:`InvalidFault` for a bad value."""
    if mode not in FaultMode.values:
        raise InvalidFault(
            f"Chế độ phải là một trong {', '.join(FaultMode.values)} "
            f"(mode must be one of {', '.join(FaultMode.values)})"
        )
    minutes = _number(minutes, "minutes", MAX_MINUTES, whole=False)
    seconds = int(_number(seconds, "seconds", MAX_SECONDS, whole=True) or DEFAULT_TIMEOUT_SECONDS)
    until = timezone.now() + timedelta(minutes=minutes) if minutes and mode != "ok" else None
    with transaction.atomic():
        switch, _ = FaultSwitch.objects.select_for_update().get_or_create(pk=1)
        switch.mode, switch.until, switch.timeout_seconds = mode, until, seconds
        switch.save()
    return Fault(mode, until, seconds)


def current() -> Fault:
    """The mode in force now (an expired one reads as ``ok``)."""
    switch = FaultSwitch.objects.filter(pk=1).first()
    if switch is None:
        return Fault(FaultMode.OK, None, DEFAULT_TIMEOUT_SECONDS)
    if switch.mode != FaultMode.OK and switch.until and switch.until <= timezone.now():
        return Fault(FaultMode.OK, None, switch.timeout_seconds)
    return Fault(switch.mode, switch.until, switch.timeout_seconds)
