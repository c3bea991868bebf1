"""Số định danh cá nhân: checking a personal identification number.

A 12-digit number (căn cước công dân, CCCD) is built as

    PPP  G  YY  NNNNNN
    │    │  │   └ six digits given out in sequence
    │    │  └ last two digits of the year of birth
    │    └ century and gender of birth (even: male, odd: female)
    └ code of the province of birth registration

(Decree 137/2015/NĐ-CP art. 7 and Circular 07/2016/TT-BCA, kept by Circular 59/2021/TT-BCA).
A 9-digit number is a legacy identity card (chứng minh nhân dân, CMND): its digits carry no
birth data, so it can only be checked for its shape.

Every function returns a result with a translated ``reason`` instead of raising, so callers can
show the citizen exactly what is wrong.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

# Province codes of the 63 provinces as listed in the annex of Circular 07/2016/TT-BCA. They
# are the statistical office's province codes (Decision 124/2004/QĐ-TTg) with a leading zero,
# which is why the range 001–096 has gaps. Numbers issued before the 2025 merger of provinces
# keep the code of the province of birth as it was then, so the list stays valid for them.
PROVINCE_CODES: frozenset[str] = frozenset(
    f"{code:03d}"
    for code in (
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33,
        34, 35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64,
        66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94,
        95, 96,
    )
)  # fmt: skip

# Century/gender digit → (first year of the century, gender). Even digits are men.
# Circular 07/2016/TT-BCA art. 7: 0/1 = 1900s, 2/3 = 2000s, … 8/9 = 2300s.
CENTURY_DIGITS: dict[int, tuple[int, str]] = {
    0: (1900, "male"),
    1: (1900, "female"),
    2: (2000, "male"),
    3: (2000, "female"),
    4: (2100, "male"),
    5: (2100, "female"),
    6: (2200, "male"),
    7: (2200, "female"),
    8: (2300, "male"),
    9: (2300, "female"),
}

MALE = "male"
FEMALE = "female"


@dataclass(frozen=True)
class IdNumber:
    """The outcome of reading a number: ``valid`` with its parts, or not with a ``reason``."""

    value: str
    valid: bool
    reason: str = ""
    legacy: bool = False
    province_code: str = ""
    gender: str = ""  # "male" / "female" for 12-digit numbers
    birth_year: int | None = None  # century + the two year digits, for 12-digit numbers

    def __bool__(self) -> bool:
        return self.valid


def parse_id_number(raw: object) -> IdNumber:
    """Read a personal ID number (12 digits) or a legacy ID card number (9 digits)."""
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        return IdNumber(value, False, _("The ID number is missing."))
    if not (value.isascii() and value.isdigit()):
        return IdNumber(value, False, _("The ID number may contain digits only."))
    if len(value) == 9:
        return IdNumber(value, True, legacy=True)
    if len(value) != 12:
        return IdNumber(
            value,
            False,
            _("The ID number must have 12 digits (or 9 for an old identity card), not %(n)d.")
            % {"n": len(value)},
        )
    province = value[:3]
    if province not in PROVINCE_CODES:
        return IdNumber(
            value,
            False,
            _("The ID number starts with %(code)s, which is not a province code.")
            % {"code": province},
        )
    century, gender = CENTURY_DIGITS[int(value[3])]
    return IdNumber(
        value,
        True,
        province_code=province,
        gender=gender,
        birth_year=century + int(value[4:6]),
    )


def consistency_problem(
    number: IdNumber, birth_date: datetime.date | None, gender: str | None = None
) -> str | None:
    """Why ``number`` contradicts the birth date or gender claimed with it (None: it does not).

    Legacy 9-digit numbers carry neither, so only 12-digit numbers can be checked. A missing
    birth date or gender is not a contradiction.
    """
    if not number.valid:
        return number.reason
    if number.legacy:
        return None
    if birth_date is not None and birth_date.year != number.birth_year:
        return _(
            "The ID number says the holder was born in %(id_year)d (its 4th to 6th digits), "
            "but the birth date is %(date)s."
        ) % {"id_year": number.birth_year, "date": birth_date.strftime("%d/%m/%Y")}
    if gender and gender != number.gender:
        if number.gender == MALE:
            return _("The ID number (4th digit) is that of a man, but the gender given is female.")
        return _("The ID number (4th digit) is that of a woman, but the gender given is male.")
    return None
