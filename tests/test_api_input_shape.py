"""Draft data keeps the shape the API promises, and NUL characters are refused (400 in the
shared error shape) wherever they come in, before they reach a JSON or text column."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dossiers.models import Dossier
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/dossiers/"
PROCEDURE = "1.003197"  # Xóa đăng ký thường trú
NUL_MESSAGE = "Nội dung chứa ký tự NUL (\\u0000), ký tự này không được phép."


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def http() -> Client:
    http = Client(raise_request_exception=False)
    http.force_login(CitizenFactory().user)
    return http


@pytest.fixture
def draft(http) -> dict:
    response = http.post(API, {"procedure": PROCEDURE}, content_type="application/json")
    assert response.status_code == 201
    return response.json()


def assert_400(response, field: str) -> dict:
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["detail"]
    assert field in error["fields"], error
    return error


def patch(http, draft, body):
    return http.patch(f"{API}{draft['public_id']}/", body, content_type="application/json")


@pytest.mark.parametrize(
    "section",
    [
        pytest.param({"full_name": [None, None]}, id="list-of-nulls-for-text"),
        pytest.param({"full_name": {"first": "An"}}, id="object-for-text"),
        pytest.param({"full_name": ["An"]}, id="list-of-text"),
        pytest.param({"Full Name": "An"}, id="not-a-field-id"),
        pytest.param({"rows": [{"a": [{"b": [{"c": "deep"}]}]}]}, id="nested-too-deep"),
    ],
)
def test_section_values_of_the_wrong_shape_are_refused_and_nothing_saved(http, draft, section):
    before = Dossier.objects.get(public_id=draft["public_id"]).form_data

    assert_400(patch(http, draft, {"form_data": {"applicant": section}}), "form_data")

    assert Dossier.objects.get(public_id=draft["public_id"]).form_data == before


def test_the_whole_section_as_a_list_is_refused(http, draft):
    assert_400(patch(http, draft, {"form_data": {"applicant": [None, None]}}), "form_data")


def test_scalars_and_group_rows_are_the_shape_and_are_kept(http, draft):
    section = {"address": "12 Lê Lợi", "count": 2, "agree": True, "note": None}
    rows = {"rows": [{"name": "An", "age": 3}]}
    response = patch(http, draft, {"form_data": {"applicant": {**section, **rows}}})
    assert response.status_code == 200, response.content[:500]
    saved = Dossier.objects.get(public_id=draft["public_id"]).form_data["applicant"]
    assert saved == {**section, **rows}


@pytest.mark.parametrize(
    "body, where",
    [
        ({"form_data": {"applicant": {"full_name": "An\u0000"}}}, "form_data.applicant.full_name"),
        ({"form_data": {"applicant": {"rows": [{"x": "\u0000"}]}}}, "form_data.applicant.rows.0.x"),
        ({"receiving_agency": "H29\u0000"}, "receiving_agency"),
    ],
)
def test_a_nul_in_a_json_body_is_refused_naming_where(http, draft, body, where):
    error = assert_400(patch(http, draft, body), where)
    assert error["detail"] == NUL_MESSAGE
    assert Dossier.objects.get(public_id=draft["public_id"]).form_data == draft["form_data"]


def test_a_nul_in_a_multipart_field_is_refused(http, draft):
    file = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = http.post(
        f"{API}{draft['public_id']}/documents/", {"slot_id": "x\u0000", "file": file}
    )
    assert assert_400(response, "slot_id")["detail"] == NUL_MESSAGE


@pytest.mark.parametrize(
    "path, params, where",
    [
        ("/api/v1/procedures/", {"q": "khai\u0000sinh"}, "q"),
        ("/api/v1/procedures/", {"agency": "\u0000"}, "agency"),
        (API, {"status": "1\u0000"}, "status"),
        ("/api/v1/audit/", {"actor": "\u0000"}, "actor"),
    ],
)
def test_a_nul_in_a_query_string_is_refused_naming_the_parameter(http, path, params, where):
    error = assert_400(http.get(path, params), where)
    assert error == {"status": 400, "detail": NUL_MESSAGE, "fields": {where: [NUL_MESSAGE]}}
