"""The citizen's profile page, the header of every page, and VNeID assurance levels."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from identity.citizens import assurance_problem
from identity.models import Citizen, Role, StaffRole
from procedures.models import Agency, OnlineLevel, Procedure
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

ACCOUNT = "/account/"


@pytest.fixture
def english(client, settings):
    """Pages in English, so assertions do not depend on the Vietnamese catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def citizen(english) -> Citizen:
    citizen = CitizenFactory(first_login=True)
    english.force_login(citizen.user)
    return citizen


def communes():
    return Agency.objects.filter(level=Agency.Level.COMMUNE).order_by("name")


def errors_of(html: str, field: str) -> str:
    match = re.search(rf'<p class="field__error" id="id_{field}_error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


# --- Who may see the page ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_vneid_login(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == "/auth/vneid/login/?next=%2Faccount%2F"


def test_an_official_gets_403(english):
    official = get_user_model().objects.create_user(username="official", password="x")
    StaffRole.objects.create(user=official, role=Role.SPECIALIST, agency=communes().first())
    english.force_login(official)
    response = english.get(ACCOUNT)
    assert response.status_code == 403
    assert "Citizens only" in response.content.decode()


def test_a_staff_user_gets_403(english):
    staff = get_user_model().objects.create_user(username="admin", password="x", is_staff=True)
    english.force_login(staff)
    assert english.get(ACCOUNT).status_code == 403


# --- What the page shows ----------------------------------------------------------------


def test_profile_shows_the_vneid_data_read_only(english, citizen):
    response = english.get(ACCOUNT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Văn An" in html
    assert "079085001234" in html
    assert "12/03/1985" in html
    assert ">Male<" in html
    assert "Citizen" in html
    assert "Level 2" in html
    # Only contact data can be edited: no input carries a VNeID field.
    names = set(re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', html))
    assert names - {"csrfmiddlewaretoken", "language", "next"} == {
        "phone",
        "email",
        "address",
        "ward",
    }
    assert "My documents" in html
    assert "empty" in html


def test_level_1_profile_explains_how_to_upgrade(english):
    citizen = CitizenFactory(first_login=True, assurance_level=1)
    english.force_login(citizen.user)
    html = english.get(ACCOUNT).content.decode()
    assert "Level 1" in html
    assert "police" in html


def test_ward_choices_are_the_168_communes_by_name(english, citizen):
    html = english.get(ACCOUNT).content.decode()
    select = re.search(r'<select name="ward"[^>]*>(.*?)</select>', html, re.S).group(1)
    values = re.findall(r'<option value="(\d*)"', select)
    assert values[0] == ""  # "choose your ward"
    expected = list(communes())
    assert len(expected) == 168
    assert [int(v) for v in values[1:]] == [agency.pk for agency in expected]


# --- Saving contact data ----------------------------------------------------------------


def test_contact_details_are_saved_and_nothing_else_changes(english, citizen):
    ward = communes()[10]
    response = english.post(
        ACCOUNT,
        {
            "phone": "0912 345 678",
            "email": "an@example.vn",
            "address": "  12   Lê Lợi ",
            "ward": ward.pk,
            "full_name": "Someone Else",
            "id_number": "001085009999",
            "assurance_level": "2",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == ACCOUNT
    citizen.refresh_from_db()
    assert citizen.phone == "0912345678"
    assert citizen.email == "an@example.vn"
    assert citizen.address == "12 Lê Lợi"
    assert citizen.ward == ward
    assert citizen.full_name == "Nguyễn Văn An"
    assert citizen.id_number == "079085001234"
    assert citizen.birth_date == datetime.date(1985, 3, 12)
    assert "have been saved" in english.get(ACCOUNT).content.decode()


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(028) 3829-1234", "02838291234"),
        ("0386.123.456", "0386123456"),
        ("", ""),
    ],
)
def test_vietnamese_phone_numbers_are_accepted_in_national_form(english, citizen, phone, stored):
    assert english.post(ACCOUNT, {"phone": phone}).status_code == 302
    citizen.refresh_from_db()
    assert citizen.phone == stored


@pytest.mark.parametrize(
    "phone",
    ["12345", "0112345678", "091234567", "09123456789", "+1 202 555 0100", "0912abc678"],
)
def test_bad_phone_numbers_are_refused_next_to_the_field(english, citizen, phone):
    response = english.post(ACCOUNT, {"phone": phone, "email": "an@example.vn"})
    assert response.status_code == 400
    html = response.content.decode()
    assert errors_of(html, "phone")
    assert not errors_of(html, "email")
    assert 'aria-invalid="true"' in html


def test_errors_keep_what_was_typed_and_lose_nothing(english, citizen):
    ward = communes()[3]
    english.post(
        ACCOUNT,
        {
            "phone": "0912345678",
            "email": "an@example.vn",
            "address": "1 Lý Tự Trọng",
            "ward": ward.pk,
        },
    )

    response = english.post(
        ACCOUNT,
        {"phone": "0912", "email": "not-an-email", "address": "5 Hai Bà Trưng", "ward": ward.pk},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Vietnamese phone number" in errors_of(html, "phone")
    assert "email address" in errors_of(html, "email")
    assert 'value="5 Hai Bà Trưng"' in html  # the citizen does not type it again
    assert 'value="not-an-email"' in html
    citizen.refresh_from_db()
    assert (citizen.phone, citizen.email, citizen.address, citizen.ward) == (
        "0912345678",
        "an@example.vn",
        "1 Lý Tự Trọng",
        ward,
    )


def test_a_ward_that_is_not_a_commune_is_refused(english, citizen):
    department = Agency.objects.filter(level=Agency.Level.DEPARTMENT).first()
    response = english.post(ACCOUNT, {"ward": department.pk})
    assert response.status_code == 400
    assert "from the list" in errors_of(response.content.decode(), "ward")


# --- Assurance levels -------------------------------------------------------------------


def procedure_needing(level: int):
    return SimpleNamespace(current_version=SimpleNamespace(required_assurance_level=level))


def test_level_1_citizen_cannot_apply_for_a_level_2_procedure():
    citizen = Citizen(assurance_level=1)
    with translation.override("en"):
        problem = assurance_problem(citizen, procedure_needing(2))
    assert problem is not None
    assert "level 2" in problem and "level 1" in problem
    assert "police" in problem and "identity card" in problem


@pytest.mark.parametrize(("has", "needs"), [(2, 2), (2, 1), (1, 1)])
def test_a_sufficient_level_has_no_problem(has, needs):
    assert assurance_problem(Citizen(assurance_level=has), procedure_needing(needs)) is None


def test_a_real_procedure_needs_level_2_by_default():
    procedure = Procedure.objects.exclude(current_version=None).first()
    assert procedure.current_version.required_assurance_level == 2
    assert assurance_problem(Citizen(assurance_level=1), procedure) is not None


def online_procedure() -> Procedure:
    return (
        Procedure.objects.exclude(current_version=None)
        .exclude(online_level=OnlineLevel.NONE)
        .order_by("national_code")
        .first()
    )


def test_detail_page_shows_the_vneid_level_needed(english):
    procedure = online_procedure()
    html = english.get(f"/procedures/{procedure.national_code}/").content.decode()
    assert "VNeID account to apply online" in html
    assert "Level 2" in html
    assert "To upgrade" not in html


def test_detail_page_explains_the_upgrade_to_a_level_1_citizen(english):
    citizen = CitizenFactory(first_login=True, assurance_level=1)
    english.force_login(citizen.user)
    procedure = online_procedure()
    html = english.get(f"/procedures/{procedure.national_code}/").content.decode()
    with translation.override("en"):
        explanation = assurance_problem(citizen, procedure)
    assert explanation in " ".join(html.split())


def test_detail_page_has_no_explanation_for_a_level_2_citizen(english, citizen):
    html = english.get(f"/procedures/{online_procedure().national_code}/").content.decode()
    assert "VNeID account to apply online" in html
    assert "To upgrade" not in html


# --- The header -------------------------------------------------------------------------


def test_header_offers_vneid_login_to_anonymous_visitors(client):
    html = client.get("/procedures/").content.decode()
    with translation.override("vi"):
        label = translation.gettext("Log in with VNeID")
    assert re.search(
        rf'<form class="lang-switch" action="/auth/vneid/login/" method="get">\s*'
        rf'<input type="hidden" name="next" value="/procedures/">\s*'
        rf"<button type=\"submit\">{re.escape(label)}</button>",
        html,
    )


def test_header_shows_the_citizen_name_and_a_logout_button(english, citizen):
    html = english.get("/").content.decode()
    assert re.search(r'<a href="/account/"[^>]*>.*Nguyễn Văn An</a>', html)
    assert '<form class="lang-switch" action="/auth/logout/" method="post">' in html
    assert "/auth/vneid/login/" not in html
    assert "/backoffice/" not in html


def test_header_shows_the_back_office_to_officials(english):
    official = get_user_model().objects.create_user(username="official", password="x")
    StaffRole.objects.create(user=official, role=Role.RECEPTION, agency=communes().first())
    english.force_login(official)
    html = english.get("/").content.decode()
    assert '<a href="/backoffice/">Back office</a>' in html
    assert 'action="/auth/logout/" method="post"' in html
    assert "/account/" not in html
