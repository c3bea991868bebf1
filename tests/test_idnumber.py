"""Personal ID numbers (CCCD, 12 digits) and legacy identity card numbers (CMND, 9 digits)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from identity.idnumber import PROVINCE_CODES, consistency_problem, parse_id_number


@pytest.fixture(autouse=True)
def english():
    """The reasons are asserted on their English text; Vietnamese is checked below."""
    with translation.override("en"):
        yield


def test_reasons_are_translated_to_vietnamese():
    with translation.override("vi"):
        assert parse_id_number("").reason == "Chưa có số định danh cá nhân."


def test_a_hcmc_number_is_read_into_its_parts():
    number = parse_id_number("079085001234")
    assert number.valid and not number.legacy
    assert number.province_code == "079"
    assert number.gender == "male"
    assert number.birth_year == 1985


@pytest.mark.parametrize(
    ("digit", "century", "gender"),
    [
        ("0", 1900, "male"),
        ("1", 1900, "female"),
        ("2", 2000, "male"),
        ("3", 2000, "female"),
        ("4", 2100, "male"),
        ("5", 2100, "female"),
        ("6", 2200, "male"),
        ("7", 2200, "female"),
        ("8", 2300, "male"),
        ("9", 2300, "female"),
    ],
)
def test_the_fourth_digit_gives_century_and_gender(digit, century, gender):
    number = parse_id_number(f"001{digit}07123456")
    assert number.valid
    assert number.birth_year == century + 7
    assert number.gender == gender


def test_a_nine_digit_number_is_a_legacy_identity_card():
    number = parse_id_number("025123456")
    assert number.valid and number.legacy
    assert number.birth_year is None
    # Nothing in it can contradict a birth date or a gender.
    assert consistency_problem(number, datetime.date(1960, 1, 1), "female") is None


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "missing"),
        (None, "missing"),
        ("07908500123", "12 digits"),
        ("0790850012345", "12 digits"),
        ("07908500123A", "digits only"),
        ("０７９０８５００１２３４", "digits only"),  # full-width digits are not ASCII
        ("079 085 001234", "digits only"),
        ("000085001234", "000"),
        ("003085001234", "003"),  # a gap in the province list
        ("097085001234", "097"),
        ("099085001234", "099"),
    ],
)
def test_invalid_numbers_say_why(raw, fragment):
    number = parse_id_number(raw)
    assert not number.valid
    assert fragment in number.reason


def test_the_province_list_has_the_63_provinces_with_gaps():
    assert len(PROVINCE_CODES) == 63
    assert {"001", "079", "096"} <= PROVINCE_CODES
    assert not {"000", "003", "005", "097"} & PROVINCE_CODES


def test_surrounding_spaces_are_ignored():
    assert parse_id_number(" 079085001234 ").value == "079085001234"


def test_birth_date_consistent_with_the_number_passes():
    number = parse_id_number("079085001234")
    assert consistency_problem(number, datetime.date(1985, 3, 12), "male") is None
    assert consistency_problem(number, None, None) is None  # nothing claimed, nothing to compare


def test_birth_year_digits_contradicting_the_birth_date_are_named():
    problem = consistency_problem(parse_id_number("079095001111"), datetime.date(1998, 5, 5))
    assert problem is not None
    assert "1995" in problem and "05/05/1998" in problem


def test_century_digit_contradicting_the_birth_date_is_refused():
    # 2 = born in the 2000s, so "05" is 2005, not 1905.
    problem = consistency_problem(parse_id_number("079205001234"), datetime.date(1905, 1, 1))
    assert problem is not None and "2005" in problem


def test_gender_contradicting_the_number_is_refused():
    assert "woman" in consistency_problem(parse_id_number("079185001234"), None, "male")
    assert "man" in consistency_problem(parse_id_number("079085001234"), None, "female")
    assert consistency_problem(parse_id_number("079185001234"), None, "female") is None


def test_an_invalid_number_is_its_own_problem():
    assert "12 digits" in consistency_problem(parse_id_number("1234"), None)
