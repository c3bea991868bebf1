"""Statutory durations a citizen can read, and the unit when the catalogue leaves it out.

852 of the catalogue's 7,083 channel rows give a bare number ("Trực tuyến1Miễn phí"). The unit
is taken from the procedure's own text where it says it, in this order:

1. a duration of at most 1 whose text says the result comes the same day ("ngay trong ngày",
   "sau 15 giờ … trong ngày làm việc tiếp theo", "trả kết quả ngay") → same day;
2. the number itself followed by a unit in the text ("trong thời hạn 05 ngày làm việc",
   "48 giờ", "03 tháng") → that unit;
3. otherwise working days, the unit of most rows that state one, marked *assumed* so that
   administrators confirm it (admin filter, ``manage.py catalogue_report``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

WORKING_DAY, DAY, HOUR, MONTH, SAME_DAY = "working_day", "day", "hour", "month", "same_day"

_SAME_DAY = re.compile(
    r"ngay trong ngày|trong ngày làm việc tiếp theo|sau 15 giờ|trả kết quả ngay"
    r"|giải quyết ngay|trong ngày tiếp nhận",
    re.IGNORECASE,
)
_UNIT_WORDS = [
    (re.compile(r"^ngày làm việc", re.IGNORECASE), WORKING_DAY),
    (re.compile(r"^giờ", re.IGNORECASE), HOUR),
    (re.compile(r"^tháng", re.IGNORECASE), MONTH),
    (re.compile(r"^ngày", re.IGNORECASE), DAY),
]
WORDS_VI = {WORKING_DAY: "ngày làm việc", DAY: "ngày", HOUR: "giờ", MONTH: "tháng"}
SAME_DAY_VI = "Trong ngày làm việc"


def _number_pattern(value: Decimal) -> re.Pattern[str]:
    """The number as a time limit ("trong thời hạn 05 ngày", "không quá 48 giờ"), not a date
    ("ngày 01 tháng 7") or a count ("01 bộ")."""
    whole = int(value)
    return re.compile(
        r"(?:thời hạn|trong vòng|trong|không quá|tối đa|chậm nhất|sau)\s+"
        rf"(?:(?!ngày\b)\S+\s+){{0,2}}?0*{whole}(?![\d.,])\s*(?:\([^)]{{0,40}}\)\s*)?(\S+(?:\s+\S+){{0,2}})",
        re.IGNORECASE,
    )


def infer_unit(
    duration: float | Decimal | None, unit: str | None, texts: Iterable[str | None]
) -> tuple[str, bool]:
    """``(unit, assumed)`` for one channel row; see the module docstring."""
    if unit:
        return unit, False
    if duration is None:
        return "", False
    value = Decimal(str(duration))
    text = " ".join(t for t in texts if t)
    if value <= 1 and _SAME_DAY.search(text):
        return SAME_DAY, False
    if value == value.to_integral_value():
        for match in _number_pattern(value).finditer(text):
            for pattern, found in _UNIT_WORDS:
                if pattern.match(match.group(1)):
                    return found, False
    return WORKING_DAY, True


def number_vi(value: Decimal | float | int) -> str:
    """``15`` → ``"15"``, ``0.5`` → ``"0,5"`` (Vietnamese decimal comma)."""
    value = Decimal(str(value))
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f").replace(".", ",")


def duration_vi(duration: Decimal | float | None, unit: str) -> str:
    """A duration in Vietnamese ("15 ngày làm việc", "Trong ngày làm việc"); "" if unknown."""
    if duration is None:
        return ""
    if unit == SAME_DAY:
        return SAME_DAY_VI
    words = WORDS_VI.get(unit) or WORDS_VI[WORKING_DAY]
    return f"{number_vi(duration)} {words}"
