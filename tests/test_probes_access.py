"""Back-office access rules that a planted bug could remove without any test failing.

Each test names the rule of :mod:`identity.access` it holds in place; the staff-management
pages stop most of these cases with their form's choices, so the services are tried directly,
as the API and later features call them.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from identity import access
from identity.models import AuditEvent, Role, StaffRole
from procedures.models import Agency
from tests.test_backoffice_access import agency, citizen_user, official, sign_in

pytestmark = pytest.mark.django_db

DENIED = AuditEvent.Action.PERMISSION_DENIED


def codes(ids) -> set[str]:
    return set(Agency.objects.filter(id__in=ids).values_list("code", flat=True))


# --- who is an official, which agencies -----------------------------------------------------------


def test_a_deactivated_official_is_no_official():
    clerk = official("tuphap.motcua", "H29.03")
    assert access.is_official(clerk)
    clerk.is_active = False
    clerk.save()
    assert not access.is_official(clerk)


def test_a_citizen_with_a_city_admin_role_is_no_city_admin():
    user = citizen_user()
    StaffRole.objects.create(user=user, role=Role.CITY_ADMIN, agency=agency("H29"))
    assert not access.is_city_admin(user)


def test_an_official_of_the_city_committee_does_not_get_every_department_and_commune():
    """Only divisions come along with an agency: the city's departments and communes are its
    children too, but they are agencies of their own."""
    clerk = official("ubnd.motcua", "H29")
    assert codes(access.agency_ids_for(clerk)) == {"H29"}
    assert not access.can_access_agency(clerk, agency("H29.03"))
    assert not access.can_access_agency(clerk, agency("H29.26743"))


def test_staff_of_a_division_lists_the_officials_placed_in_it():
    official("tuphap.chuyenvien", "H29.03", Role.SPECIALIST, division="H29.03.01")
    official("tuphap.motcua", "H29.03")
    assert [r.user.username for r in access.staff_of(agency("H29.03.01"))] == ["tuphap.chuyenvien"]
    assert {r.user.username for r in access.staff_of(agency("H29.03"))} == {
        "tuphap.chuyenvien",
        "tuphap.motcua",
    }


def test_an_agency_code_with_a_nul_character_is_not_found_and_audited(client):
    """PostgreSQL refuses NUL in a query and in text or jsonb columns: both the lookup and the
    audit row of the refusal once made this a 500."""
    clerk = official("tuphap.motcua", "H29.03")
    with pytest.raises(Http404):
        access.get_agency_or_404_for(clerk, "H29.03\x00")
    sign_in(client, clerk)
    page = client.get("/backoffice/agencies/H29.03%00/", HTTP_USER_AGENT="probe\x00")
    assert page.status_code == 404
    assert client.get("/api/v1/backoffice/agencies/H29.03%00/").status_code == 404
    event = AuditEvent.objects.filter(action=DENIED).order_by("pk").first()
    assert event.detail == {"reason": "agency", "agency": "H29.03\\x00"}
    assert event.path == "/backoffice/agencies/H29.03\\x00/"
    assert event.user_agent == "probe\\x00"


# --- pages restricted to some roles ---------------------------------------------------------------


@pytest.fixture
def managers_only():
    """A page for agency administrators, as a later feature would declare it."""
    return access.official_required(roles=[Role.AGENCY_ADMIN])(lambda request: HttpResponse("ok"))


def call(view, user):
    request = RequestFactory().get("/backoffice/something/")
    request.user = user
    user.is_verified = lambda: True  # what django-otp's middleware sets after the code
    request.session = {}
    return view(request)


def test_a_role_restricted_page_refuses_other_roles_and_audits(managers_only):
    response = call(managers_only, official("tuphap.motcua", "H29.03"))
    assert response.status_code == 403
    assert AuditEvent.objects.get(action=DENIED).detail["reason"] == "role"


@pytest.mark.parametrize(
    ("code", "role"), [("H29.03", Role.AGENCY_ADMIN), ("H29", Role.CITY_ADMIN)]
)
def test_a_role_restricted_page_admits_the_role_and_city_admins(managers_only, code, role):
    response = call(managers_only, official(f"{code}.{role}", code, role))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_a_role_restricted_page_sends_anonymous_to_login(managers_only):
    request = RequestFactory().get("/backoffice/something/")
    request.user = AnonymousUser()
    response = managers_only(request)
    assert response.status_code == 302
    assert "next=/backoffice/something/" in response["Location"]


# --- staff management services --------------------------------------------------------------------


@pytest.fixture
def tuphap_admin():
    return official("tuphap.quantri", "H29.03", Role.AGENCY_ADMIN)


def test_an_agency_admin_cannot_give_the_city_admin_role(tuphap_admin):
    clerk = official("tuphap.motcua", "H29.03")
    with pytest.raises(access.StaffChangeRefused):
        access.grant_role(tuphap_admin, agency=agency("H29.03"), user=clerk, role=Role.CITY_ADMIN)
    assert not StaffRole.objects.filter(role=Role.CITY_ADMIN).exists()


def test_a_division_must_belong_to_the_agency(tuphap_admin):
    clerk = official("tuphap.motcua", "H29.03")
    with pytest.raises(access.StaffChangeRefused):
        access.grant_role(
            tuphap_admin,
            agency=agency("H29.03"),
            user=clerk,
            role=Role.SPECIALIST,
            division=agency("H29.04.01"),
        )
    assert not StaffRole.objects.filter(user=clerk, role=Role.SPECIALIST).exists()


def test_the_same_role_twice_is_refused(tuphap_admin):
    clerk = official("tuphap.motcua", "H29.03")
    with pytest.raises(access.StaffChangeRefused):
        access.grant_role(tuphap_admin, agency=agency("H29.03"), user=clerk, role=Role.RECEPTION)
    assert StaffRole.objects.filter(user=clerk).count() == 1


def test_only_a_city_admin_removes_a_city_admin_role():
    """Even an agency administrator of the city committee (H29), where the role is held."""
    city_admin = official("thanhpho.quantri", "H29", Role.CITY_ADMIN)
    committee_admin = official("ubnd.quantri", "H29", Role.AGENCY_ADMIN)
    held = StaffRole.objects.get(user=city_admin)
    with pytest.raises(access.StaffChangeRefused):
        access.revoke_role(committee_admin, held)
    assert StaffRole.objects.filter(pk=held.pk).exists()


def test_a_city_admin_cannot_remove_their_own_city_admin_role():
    city_admin = official("thanhpho.quantri", "H29", Role.CITY_ADMIN)
    held = StaffRole.objects.get(user=city_admin)
    with pytest.raises(access.StaffChangeRefused):
        access.revoke_role(city_admin, held)
    assert StaffRole.objects.filter(pk=held.pk).exists()
    # Another city administrator may.
    other = official("thanhpho.quantri2", "H29", Role.CITY_ADMIN)
    access.revoke_role(other, held)
    assert not StaffRole.objects.filter(pk=held.pk).exists()


def test_a_user_model_is_not_a_citizen_until_it_has_a_profile():
    """The rule every refusal above builds on, in both directions."""
    plain = get_user_model().objects.create_user("plain")
    assert not access.is_citizen(plain)
    assert access.is_citizen(citizen_user())
    assert not access.is_citizen(AnonymousUser())
