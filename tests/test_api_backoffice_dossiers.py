"""The back-office dossier API: the inbox and the transitions endpoint, with the answers an
integrator relies on (200 with the new state, 400, 403, 404, 409 in the error shape)."""

from __future__ import annotations

import pytest
from django.test import Client

from dossiers.models import Dossier, DossierEvent, Status
from identity.models import AuditEvent, Role
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory, sign_in

pytestmark = pytest.mark.django_db

INBOX = "/api/v1/backoffice/dossiers/"


def url(dossier: Dossier) -> str:
    return f"/api/v1/backoffice/dossiers/{dossier.code}/transitions/"


def client_for(role: str, agency: str = HOME_WARD, name: str = "") -> Client:
    user = OfficialFactory(username=name or f"{agency}.{role}", role=role, agency=agency)
    return sign_in(Client(), user)


def act(client: Client, dossier: Dossier, **body):
    return client.post(url(dossier), body, content_type="application/json")


@pytest.fixture
def dossier():
    return DossierFactory(submitted=True)


@pytest.fixture
def desk():
    return client_for(Role.RECEPTION)


def test_reception_receives_and_gets_the_new_state(desk, dossier):
    response = act(desk, dossier, action="receive", note="Đủ thành phần")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == dossier.code
    assert (body["status"], body["status_label"]) == (2, "Đã tiếp nhận")
    assert body["revision"] == dossier.revision + 1
    assert body["actions"] == ["route"]  # the desk routes it next
    event = DossierEvent.objects.get(dossier=dossier, action="accepted")
    assert (event.actor_type, event.actor, event.note) == (
        "official",
        f"{HOME_WARD}.reception",
        "Đủ thành phần",
    )


def test_a_missing_reason_is_400_naming_the_field(desk, dossier):
    response = act(desk, dossier, action="refuse", note="")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["note"] == ["Thao tác này cần nêu lý do."]
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_an_unknown_action_is_400(desk, dossier):
    response = act(desk, dossier, action="delete")
    assert response.status_code == 400
    assert "action" in response.json()["error"]["fields"]


def test_the_wrong_role_is_403_and_audited(dossier):
    specialist = client_for(Role.SPECIALIST)
    response = act(specialist, dossier, action="receive")
    assert response.status_code == 403
    assert response.json()["error"]["detail"] == (
        "Vai trò của bạn không được thực hiện thao tác này với hồ sơ."
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PERMISSION_DENIED, detail__reason="role"
    ).exists()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_another_agency_gets_404_like_an_unknown_code(dossier):
    other = client_for(Role.RECEPTION, agency="H29.03")
    response = act(other, dossier, action="receive")
    assert response.status_code == 404
    unknown = act(other, Dossier(code="H29.03-260101-9999"), action="receive")
    assert unknown.status_code == 404
    assert response.json()["error"]["detail"] == unknown.json()["error"]["detail"]
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_acting_again_on_a_moved_dossier_is_409(desk, dossier):
    assert act(desk, dossier, action="receive").status_code == 200
    again = act(desk, dossier, action="receive")
    assert again.status_code == 409
    assert again.json()["error"]["status"] == 409
    assert "Đã tiếp nhận" in again.json()["error"]["detail"]


def test_a_stale_revision_is_409(desk, dossier):
    response = act(desk, dossier, action="receive", revision=dossier.revision + 5)
    assert response.status_code == 409
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_a_citizen_and_an_unverified_official_cannot_use_it(dossier):
    citizen = Client()
    citizen.force_login(CitizenFactory(id_number="079201000009").user)
    assert act(citizen, dossier, action="receive").status_code == 403
    half = Client()
    half.force_login(OfficialFactory(username="no.otp", agency=HOME_WARD))
    assert half.get(INBOX).status_code == 403
    assert act(half, dossier, action="receive").status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_supplement_and_extension_through_the_api(desk, dossier):
    act(desk, dossier, action="receive")
    act(desk, dossier, action="route")
    specialist = client_for(Role.SPECIALIST)
    missing = act(specialist, dossier, action="request_supplement", note="Thiếu")
    assert missing.status_code == 400 and "items" in missing.json()["error"]["fields"]
    asked = act(specialist, dossier, action="request_supplement", note="Thiếu", items=["Tờ khai"])
    assert asked.status_code == 200 and asked.json()["supplement_count"] == 1
    assert act(desk, dossier, action="receive_supplement").status_code == 200
    twice = act(specialist, dossier, action="request_supplement", note="Nữa", items=["B"])
    assert twice.status_code == 400


def test_the_inbox_shows_each_role_what_it_acts_on(dossier):
    other = DossierFactory(submitted=True, applicant=dossier.applicant, key="key-2")
    desk = client_for(Role.RECEPTION)
    act(desk, other, action="receive")
    act(desk, other, action="route")

    def codes(client, query=""):
        response = client.get(INBOX + query)
        assert response.status_code == 200
        return [row["code"] for row in response.json()["results"]]

    assert codes(desk) == [dossier.code]  # newly registered; the processing one is not theirs
    leader = client_for(Role.LEADER)
    assert codes(leader) == [other.code]
    row = leader.get(INBOX).json()["results"][0]
    assert row["actions"] == ["forward", "stop", "apologise_and_extend", "approve"]
    assert row["procedure"]["code"] == dossier.procedure.national_code
    assert codes(desk, "?status=4") == []
    assert codes(leader, f"?procedure={dossier.procedure.national_code}") == [other.code]
    assert codes(leader, "?procedure=0.000000") == []
    assert client_for(Role.RECEPTION, agency="H29.03").get(INBOX).json()["results"] == []


def test_a_bad_filter_is_400(desk):
    response = desk.get(INBOX + "?status=42")
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
