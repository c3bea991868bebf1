"""The audit log (nhật ký): what gets recorded, that it cannot be changed, the admin and the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import path
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from identity import audit
from identity.models import AuditEvent, Citizen, Role
from tests.conftest import otp_verified_login, requires_postgres
from tests.factories import OFFICIAL_PASSWORD, CitizenFactory, OfficialFactory, sign_in

pytestmark = pytest.mark.django_db

AUDIT = "/api/v1/audit/"
ADMIN_LOGIN = "/admin/login/?next=/admin/"
PASSWORD = OFFICIAL_PASSWORD
Action = AuditEvent.Action
User = get_user_model()


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def make_citizen(id_number="079203001234") -> Citizen:
    return CitizenFactory(id_number=id_number, birth_date=None, gender="", phone="", ward=None)


def rows(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- what is recorded ---------------------------------------------------------------------------


def test_login_and_logout_of_an_official_are_recorded(client):
    from identity.management.commands.otp_code import current_code

    device = OfficialFactory(username="official.one", role=Role.RECEPTION).device
    response = client.post(
        "/backoffice/login/",
        {
            "username": "official.one",
            "password": PASSWORD,
            "otp_token": current_code(device),
        },
    )
    assert response.status_code == 302
    client.post("/backoffice/logout/")

    [login] = rows(Action.LOGIN)
    [logout] = rows(Action.LOGOUT)
    assert (login.actor_type, login.actor) == ("official", "official.one")
    assert (logout.actor_type, logout.actor) == ("official", "official.one")
    assert login.ip == "127.0.0.1"
    assert login.path == "/backoffice/login/"


def test_a_citizen_is_recorded_by_id_number(client):
    citizen = make_citizen()
    client.force_login(citizen.user)
    [login] = rows(Action.LOGIN)
    assert (login.actor_type, login.actor) == ("citizen", "079203001234")


def test_a_failed_login_records_the_username_and_never_the_password(client):
    OfficialFactory(username="official.two", is_staff=True, without_role=True)
    client.post(ADMIN_LOGIN, {"username": "official.two", "password": "Wrong-Secret-99"})

    [failed] = rows(Action.LOGIN_FAILED)
    assert failed.detail == {"username": "official.two"}
    assert failed.actor_type == "anonymous"
    stored = json.dumps([failed.detail, failed.actor, failed.path, failed.user_agent])
    assert "Wrong-Secret-99" not in stored
    assert not rows(Action.LOGIN)


def test_repeated_failures_lock_the_account_and_the_lockout_is_recorded(client):
    OfficialFactory(username="official.three", is_staff=True, without_role=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(ADMIN_LOGIN, {"username": "official.three", "password": "nope-nope"})

    lockouts = rows(Action.LOCKOUT)
    assert lockouts
    assert lockouts[0].detail["username"] == "official.three"
    assert len(rows(Action.LOGIN_FAILED)) >= settings.AXES_FAILURE_LIMIT
    # even the right password is refused now
    client.post(ADMIN_LOGIN, {"username": "official.three", "password": PASSWORD})
    assert not rows(Action.LOGIN)


def test_the_axes_lockout_signal_is_recorded():
    request = RequestFactory().post("/backoffice/login/", REMOTE_ADDR="203.0.113.9")
    user_locked_out.send("axes", request=request, username="someone", ip_address="203.0.113.9")
    [lockout] = rows(Action.LOCKOUT)
    assert lockout.detail == {"username": "someone", "ip_address": "203.0.113.9"}
    assert lockout.ip == "203.0.113.9"


def test_time_is_stored_in_utc():
    event = audit.record(Action.LOGIN, actor_type="official", actor="clock")
    stored = AuditEvent.objects.get(pk=event.pk).at
    assert stored.utcoffset() == timedelta(0)
    assert abs(stored - datetime.now(UTC)) < timedelta(minutes=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT at FROM identity_auditevent WHERE id = %s", [event.pk])
        raw = cursor.fetchone()[0]
    if isinstance(raw, str):  # SQLite keeps text
        raw = datetime.fromisoformat(raw)
    if raw.tzinfo is None:
        raw = raw.replace(tzinfo=UTC)  # naive in the database means UTC, not Asia/Ho_Chi_Minh
    assert raw.utcoffset() == timedelta(0)
    assert abs(raw - datetime.now(UTC)) < timedelta(minutes=1)


# --- append-only --------------------------------------------------------------------------------


def test_an_event_cannot_be_changed_or_deleted_through_the_orm():
    event = audit.record(Action.LOGIN, actor_type="official", actor="someone")
    event.actor = "someone-else"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(pk=event.pk).update(actor="forged")
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).actor == "someone"


@requires_postgres
def test_the_database_refuses_update_and_delete():
    event = audit.record(Action.LOGIN, actor_type="official", actor="someone")
    for sql in (
        "UPDATE identity_auditevent SET actor = 'forged' WHERE id = %s",
        "DELETE FROM identity_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).actor == "someone"


# --- admin --------------------------------------------------------------------------------------


def test_the_admin_changelist_is_readable_and_offers_no_add_or_delete(client):
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    otp_verified_login(client, root)
    event = audit.record(Action.TOKEN_ISSUED, actor_type="machine", actor="national-portal")

    listing = client.get("/admin/identity/auditevent/")

    assert listing.status_code == 200
    assert b"national-portal" in listing.content
    assert b"/admin/identity/auditevent/add/" not in listing.content
    assert listing.context["cl"].model_admin.has_add_permission(listing.wsgi_request) is False
    assert listing.context["action_form"] is None  # not even "delete selected"
    assert client.get("/admin/identity/auditevent/add/").status_code == 403
    assert client.post(f"/admin/identity/auditevent/{event.pk}/delete/").status_code == 403
    detail = client.get(f"/admin/identity/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    # searching by actor and by address works on both databases
    assert client.get("/admin/identity/auditevent/?q=national").status_code == 200
    assert client.get("/admin/identity/auditevent/?q=127.0").status_code == 200
    assert client.get("/admin/identity/auditevent/?action__exact=token_issued").status_code == 200


def test_staff_need_the_view_permission_for_the_audit_log(client):
    official = OfficialFactory(username="staff.viewer", is_staff=True, without_role=True)
    sign_in(client, official)
    assert client.get("/admin/identity/auditevent/").status_code == 403
    official.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    assert client.get("/admin/identity/auditevent/").status_code == 200


def test_citizen_personal_data_is_read_only_in_the_admin(client):
    citizen = make_citizen()
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    otp_verified_login(client, root)
    page = client.get(f"/admin/identity/citizen/{citizen.pk}/change/")
    assert page.status_code == 200
    assert b'name="full_name"' not in page.content
    assert "Nguyễn Văn An".encode() in page.content
    assert client.get("/admin/identity/citizen/add/").status_code == 403


@pytest.mark.parametrize(
    "page",
    [
        "/admin/identity/citizen/",
        "/admin/identity/staffrole/",
        "/admin/identity/staffrole/add/",
        "/admin/identity/machineclient/",
        "/admin/identity/machineclient/add/",
    ],
)
def test_identity_admin_pages_open(client, page):
    make_citizen()
    OfficialFactory(username="with.role", is_staff=True, role=Role.RECEPTION)
    otp_verified_login(client, User.objects.create_superuser("root", "root@example.com", PASSWORD))
    assert client.get(page).status_code == 200


# --- the API ------------------------------------------------------------------------------------


def test_a_citizen_session_gets_403_and_one_audit_row(client):
    citizen = make_citizen()
    client.force_login(citizen.user)

    response = client.get(AUDIT)

    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403
    [denied] = rows(Action.PERMISSION_DENIED)
    assert (denied.actor_type, denied.actor) == ("citizen", "079203001234")
    assert denied.path == AUDIT
    assert denied.detail["view"] == "identity.api.AuditLogView"


def test_anonymous_gets_401_and_is_recorded(client):
    response = client.get(AUDIT)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")
    [denied] = rows(Action.PERMISSION_DENIED)
    assert denied.actor_type == "anonymous"
    assert denied.detail["reason"] == "not_authenticated"


def test_officials_need_the_city_admin_role_and_a_second_factor(client):
    sign_in(client, OfficialFactory(username="agency.admin", role=Role.AGENCY_ADMIN))
    assert client.get(AUDIT).status_code == 403
    client.logout()

    client.force_login(
        OfficialFactory(username="city.admin.nootp", role=Role.CITY_ADMIN, without_device=True)
    )
    assert client.get(AUDIT).status_code == 403
    client.logout()

    sign_in(client, OfficialFactory(username="city.admin", role=Role.CITY_ADMIN))
    assert client.get(AUDIT).status_code == 200


def test_a_password_only_superuser_cannot_read_the_log_through_the_api(client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", PASSWORD))
    assert client.get("/api/v1/audit/").status_code == 403


def test_a_superuser_reads_the_log_newest_first_in_utc(client):
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    otp_verified_login(client, root)  # writes a LOGIN row
    audit.record(Action.TOKEN_ISSUED, actor_type="machine", actor="national-portal")

    body = client.get(AUDIT).json()

    actions = [event["action"] for event in body["results"]]
    assert actions[:2] == ["token_issued", "login"]
    first = body["results"][0]
    assert first["at"].endswith("Z")
    assert first["actor"] == "national-portal"
    assert set(first) == {
        "id",
        "at",
        "action",
        "actor_type",
        "actor",
        "ip",
        "user_agent",
        "path",
        "detail",
    }


@pytest.fixture
def admin_client_with_events(client):
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    otp_verified_login(client, root)
    for index in range(5):
        audit.record(Action.TOKEN_ISSUED, actor_type="machine", actor=f"client-{index}")
    audit.record(Action.LOGIN_FAILED, actor_type="anonymous", actor="", detail={"username": "x"})
    return client


def test_filters_by_action_actor_and_time(admin_client_with_events):
    client = admin_client_with_events
    failed = client.get(AUDIT, {"action": "login_failed"}).json()["results"]
    assert [e["action"] for e in failed] == ["login_failed"]
    one = client.get(AUDIT, {"actor": "client-3"}).json()["results"]
    assert [e["actor"] for e in one] == ["client-3"]
    machines = client.get(AUDIT, {"actor_type": "machine"}).json()["results"]
    assert len(machines) == 5

    middle = AuditEvent.objects.get(actor="client-2").at
    since = client.get(AUDIT, {"since": middle.isoformat(), "actor_type": "machine"}).json()
    assert {e["actor"] for e in since["results"]} == {"client-2", "client-3", "client-4"}
    until = client.get(AUDIT, {"until": middle.isoformat(), "actor_type": "machine"}).json()
    assert {e["actor"] for e in until["results"]} == {"client-0", "client-1"}
    # no offset means UTC; a "+" left unescaped in a query string arrives as a space
    naive = middle.astimezone(UTC).replace(tzinfo=None).isoformat()
    assert client.get(AUDIT, {"since": naive}).json()["results"]
    local = middle.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + " 00:00"
    assert client.get(f"{AUDIT}?since={local}").status_code == 200
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert client.get(AUDIT, {"since": future}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2025-13-45T00:00:00"}, "until"),
        ({"action": "coffee"}, "action"),
        ({"actor": "nul\x00byte"}, "actor"),
        ({"since": "2025-06-02T00:00:00Z", "until": "2025-06-01T00:00:00Z"}, "until"),
    ],
)
def test_bad_filters_give_400_in_the_shared_shape(admin_client_with_events, params, field):
    response = admin_client_with_events.get(AUDIT, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["detail"]
    assert list(error["fields"]) == [field]


def test_the_log_is_paginated_with_a_cursor(admin_client_with_events):
    client = admin_client_with_events
    first = client.get(AUDIT, {"page_size": 3}).json()
    assert len(first["results"]) == 3
    assert first["next"]
    second = client.get(first["next"]).json()
    seen = [e["id"] for e in first["results"] + second["results"]]
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen, reverse=True)


# --- one row per refusal ------------------------------------------------------------------------


class RefusesAndAudits(BasePermission):
    """Like the back office's permission classes: writes its own audit row, then refuses."""

    def has_permission(self, request, view) -> bool:
        audit.record(Action.PERMISSION_DENIED, request=request._request, detail={"reason": "own"})
        return False


class SelfAuditingView(APIView):
    permission_classes = [RefusesAndAudits]

    def get(self, request):  # pragma: no cover - never reached
        return Response({})


urlpatterns = [path("self-auditing/", SelfAuditingView.as_view())]


@pytest.mark.urls("tests.test_audit")
def test_a_refusal_already_audited_by_a_permission_class_is_not_recorded_twice(client):
    citizen = make_citizen()
    client.force_login(citizen.user)
    assert client.get("/self-auditing/").status_code == 403
    [denied] = rows(Action.PERMISSION_DENIED)
    assert denied.detail == {"reason": "own"}


def test_the_admin_needs_the_one_time_code_too(client):
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(root)  # password only
    response = client.get("/admin/identity/auditevent/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    otp_verified_login(client, root)
    assert client.get("/admin/identity/auditevent/").status_code == 200
