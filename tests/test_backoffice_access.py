"""Back-office access: officials see their own agency (and its divisions) and nothing else."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from backoffice.views import received_procedures
from identity import access
from identity.models import AuditEvent, Role, StaffRole
from procedures.models import Agency
from tests.factories import CitizenFactory, OfficialFactory, sign_in

pytestmark = pytest.mark.django_db

DENIED = AuditEvent.Action.PERMISSION_DENIED


def agency(code):
    return Agency.objects.get(code=code)


def official(username, code, role=Role.RECEPTION, division=None):
    return OfficialFactory(username=username, agency=code, role=role, division=division)


def citizen_user():
    return CitizenFactory(id_number="079201000001", full_name="Trần Thị B").user


@pytest.fixture
def tuphap(client):
    return sign_in(client, official("tuphap.motcua", "H29.03"))


# --- The rule in one place ----------------------------------------------------------------------


def test_agency_ids_for_an_official_are_their_agency_and_its_divisions():
    user = official("tuphap.motcua", "H29.03")
    codes = set(
        Agency.objects.filter(id__in=access.agency_ids_for(user)).values_list("code", flat=True)
    )
    assert codes == {"H29.03", "H29.03.01", "H29.03.02"}
    assert not access.agency_ids_for(user, roles=[Role.AGENCY_ADMIN]).exists()
    assert access.can_access_agency(user, agency("H29.03.01"))
    assert not access.can_access_agency(user, agency("H29.04"))


def test_city_admin_and_superuser_get_every_agency():
    admin = official("thanhpho.quantri", "H29", Role.CITY_ADMIN)
    root = get_user_model().objects.create_superuser("root", password="x-Password-1")
    total = Agency.objects.count()
    assert access.agency_ids_for(admin).count() == total
    assert access.agency_ids_for(root, roles=[Role.AGENCY_ADMIN]).count() == total


def test_a_citizen_gets_no_agency_even_with_a_role():
    user = citizen_user()
    StaffRole.objects.create(user=user, role=Role.CITY_ADMIN, agency=agency("H29"))
    assert not access.agency_ids_for(user).exists()
    assert not access.is_official(user)


# --- Pages --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page_with_next(client):
    response = client.get("/backoffice/agencies/H29.03/")
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/login/?next=/backoffice/agencies/H29.03/"


def test_inbox_lists_roles_and_what_each_agency_receives(tuphap):
    response = tuphap.get("/backoffice/")
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row["agency"].code == "H29.03"
    expected = received_procedures(agency("H29.03")).count()
    assert expected > 0 and row["procedure_count"] == expected
    html = response.content.decode()
    assert "Sở Tư pháp" in html and 'href="/backoffice/agencies/H29.03/"' in html
    assert response.context["directory"] is None


def test_official_sees_their_agency_workspace(tuphap):
    response = tuphap.get("/backoffice/agencies/H29.03/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sở Tư pháp" in html
    assert "Phòng Hành chính tư pháp" in html
    assert "tuphap.motcua" in html
    page = response.context["page_obj"]
    assert page.paginator.count == received_procedures(agency("H29.03")).count()
    assert len(page.object_list) == min(20, page.paginator.count)
    assert tuphap.get("/backoffice/agencies/H29.03.01/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/backoffice/agencies/H29.04/",
        "/backoffice/agencies/H29.04/staff/",
        "/api/v1/backoffice/agencies/H29.04/",
        "/api/v1/backoffice/agencies/H29.04/staff/",
        "/backoffice/agencies/H29.04.01/",
    ],
)
def test_another_agency_is_not_found_and_the_refusal_is_audited(tuphap, url):
    response = tuphap.get(url)
    assert response.status_code == 404
    assert "Sở Xây dựng" not in response.content.decode()
    event = AuditEvent.objects.get(action=DENIED)
    assert event.actor == "tuphap.motcua"
    assert "H29.04" in str(event.detail)


def test_another_agency_looks_exactly_like_a_missing_one(tuphap):
    other = tuphap.get("/api/v1/backoffice/agencies/H29.04/")
    missing = tuphap.get("/api/v1/backoffice/agencies/H29.99/")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_commune_official_cannot_see_another_commune(client):
    sign_in(client, official("benthanh.motcua", "H29.26743"))
    own = client.get("/backoffice/agencies/H29.26743/")
    assert own.status_code == 200
    assert "Phường Bến Thành" in own.content.decode()
    assert own.context["page_obj"].paginator.count > 20  # every commune-level procedure
    assert len(client.get("/backoffice/agencies/H29.26743/?page=2").context["page_obj"]) > 0
    assert client.get("/backoffice/agencies/H29.25777/").status_code == 404
    assert client.get("/api/v1/backoffice/agencies/H29.25777/").status_code == 404


def test_citizen_gets_403_on_pages_and_api_and_it_is_audited(client):
    user = citizen_user()
    client.force_login(user)
    assert client.get("/backoffice/").status_code == 403
    assert client.get("/api/v1/backoffice/agencies/H29.03/").status_code == 403
    events = AuditEvent.objects.filter(action=DENIED).order_by("pk")
    assert [e.path for e in events] == ["/backoffice/", "/api/v1/backoffice/agencies/H29.03/"]
    assert {e.actor_type for e in events} == {AuditEvent.ActorType.CITIZEN}
    assert {e.actor for e in events} == {"079201000001"}


def test_verified_user_without_a_role_gets_403(client):
    sign_in(client, get_user_model().objects.create_user("nobody"))
    assert client.get("/backoffice/").status_code == 403
    assert AuditEvent.objects.filter(action=DENIED, actor="nobody").exists()


def test_anonymous_api_is_refused(client):
    response = client.get("/api/v1/backoffice/agencies/H29.03/")
    assert response.status_code in {401, 403}
    assert client.get("/api/v1/backoffice/agencies/H29.03/staff/").status_code in {401, 403}


# --- API ---------------------------------------------------------------------------------------


def test_api_agency_and_staff_of_own_agency(tuphap):
    official("tuphap.chuyenvien", "H29.03", Role.SPECIALIST, division="H29.03.01")
    official("xaydung.motcua", "H29.04")
    data = tuphap.get("/api/v1/backoffice/agencies/H29.03/").json()
    assert data["code"] == "H29.03"
    assert data["level"] == "department"
    assert data["parent"]["code"] == "H29"
    assert {d["code"] for d in data["divisions"]} == {"H29.03.01", "H29.03.02"}
    assert data["procedure_count"] == received_procedures(agency("H29.03")).count()

    staff = tuphap.get("/api/v1/backoffice/agencies/H29.03/staff/").json()
    assert {(s["username"], s["role"], s["division"]) for s in staff} == {
        ("tuphap.motcua", "reception", None),
        ("tuphap.chuyenvien", "specialist", "H29.03.01"),
    }


# --- Staff management ---------------------------------------------------------------------------


def test_agency_admin_adds_and_removes_roles_in_their_agency(client):
    admin = official("tuphap.quantri", "H29.03", Role.AGENCY_ADMIN)
    clerk = official("tuphap.motcua", "H29.03")
    sign_in(client, admin)
    assert client.get("/backoffice/agencies/H29.03/staff/").status_code == 200

    response = client.post(
        "/backoffice/agencies/H29.03/staff/",
        {
            "action": "add",
            "username": "tuphap.motcua",
            "role": "specialist",
            "division": agency("H29.03.02").pk,
        },
    )
    assert response.status_code == 302
    added = StaffRole.objects.get(user=clerk, role=Role.SPECIALIST)
    assert added.agency.code == "H29.03" and added.division.code == "H29.03.02"

    response = client.post(
        "/backoffice/agencies/H29.03/staff/", {"action": "remove", "role_id": added.pk}
    )
    assert response.status_code == 302
    assert not StaffRole.objects.filter(pk=added.pk).exists()

    from identity.models import AuditEvent

    changes = list(
        AuditEvent.objects.filter(action__in=["role_granted", "role_revoked"])
        .order_by("pk")
        .values_list("action", "actor", "detail")
    )
    expected = {"official": "tuphap.motcua", "role": "specialist", "agency": "H29.03"}
    assert changes == [
        ("role_granted", "tuphap.quantri", expected),
        ("role_revoked", "tuphap.quantri", expected),
    ]


def test_agency_admin_cannot_touch_other_agencies_or_outsiders(client):
    admin = official("tuphap.quantri", "H29.03", Role.AGENCY_ADMIN)
    outsider = official("xaydung.motcua", "H29.04")
    sign_in(client, admin)
    outsider_role = StaffRole.objects.get(user=outsider)

    assert client.get("/backoffice/agencies/H29.04/staff/").status_code == 404
    assert (
        client.post(
            "/backoffice/agencies/H29.04/staff/", {"action": "remove", "role_id": outsider_role.pk}
        ).status_code
        == 404
    )
    # Posting another agency's role id to one's own page does not reach it either.
    client.post(
        "/backoffice/agencies/H29.03/staff/", {"action": "remove", "role_id": outsider_role.pk}
    )
    assert StaffRole.objects.filter(pk=outsider_role.pk).exists()

    # Someone who does not work in Sở Tư pháp cannot be given a role there by its admin.
    response = client.post(
        "/backoffice/agencies/H29.03/staff/",
        {"action": "add", "username": "xaydung.motcua", "role": "specialist"},
    )
    assert response.status_code == 400
    assert not StaffRole.objects.filter(user=outsider, agency__code="H29.03").exists()

    # Nor can they make anyone a city administrator.
    response = client.post(
        "/backoffice/agencies/H29.03/staff/",
        {"action": "add", "username": "tuphap.quantri", "role": "city_admin"},
    )
    assert response.status_code == 400
    assert not StaffRole.objects.filter(role=Role.CITY_ADMIN).exists()


def test_agency_admin_cannot_remove_their_own_admin_role(client):
    admin = official("tuphap.quantri", "H29.03", Role.AGENCY_ADMIN)
    sign_in(client, admin)
    own = StaffRole.objects.get(user=admin)
    client.post("/backoffice/agencies/H29.03/staff/", {"action": "remove", "role_id": own.pk})
    assert StaffRole.objects.filter(pk=own.pk).exists()


def test_a_citizen_account_cannot_be_given_a_role(client):
    sign_in(client, official("thanhpho.quantri", "H29", Role.CITY_ADMIN))
    citizen_user()
    response = client.post(
        "/backoffice/agencies/H29.03/staff/",
        {"action": "add", "username": "079201000001", "role": "reception"},
    )
    assert response.status_code == 400
    assert not StaffRole.objects.filter(user__username="079201000001").exists()


def test_plain_official_cannot_manage_staff_even_of_their_agency(tuphap):
    response = tuphap.get("/backoffice/agencies/H29.03/staff/")
    assert response.status_code == 403
    event = AuditEvent.objects.get(action=DENIED)
    assert event.detail["reason"] == "staff_management"
    assert "Manage" not in tuphap.get("/backoffice/agencies/H29.03/").content.decode()


def test_city_admin_sees_and_manages_every_agency(client):
    sign_in(client, official("thanhpho.quantri", "H29", Role.CITY_ADMIN))
    clerk = official("tuphap.motcua", "H29.03")
    for url in (
        "/backoffice/agencies/H29.04/",
        "/backoffice/agencies/H29.16.02/",
        "/backoffice/agencies/H29.26743/",
        "/api/v1/backoffice/agencies/H29.25777/",
        "/api/v1/backoffice/agencies/H29.04/staff/",
        "/backoffice/agencies/H29.04/staff/",
    ):
        assert client.get(url).status_code == 200, url
    inbox = client.get("/backoffice/")
    assert len(inbox.context["directory"]["communes"]) == 168

    response = client.post(
        "/backoffice/agencies/H29.04/staff/",
        {"action": "add", "username": "tuphap.motcua", "role": "leader", "title": "Phó Giám đốc"},
    )
    assert response.status_code == 302
    assert StaffRole.objects.filter(user=clerk, agency__code="H29.04", role=Role.LEADER).exists()
