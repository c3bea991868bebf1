"""The OpenAPI schema says what the API does: code patterns that every real code matches, the
Idempotency-Key limit (enforced), the 4xx answers, and download names that survive."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from django.conf import settings
from django.test import Client

from dossiers.api import IDEMPOTENCY_KEY_MAX
from portal.downloads import ascii_fallback, content_disposition
from portal.pagination import MAX_PAGE_NUMBER
from procedures.models import Agency, Procedure, Sector
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

SCHEMA = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text("utf-8"))


def operation(path: str, method: str) -> dict:
    return SCHEMA["paths"][path][method]


def parameter(op: dict, name: str) -> dict:
    return next(p for p in op["parameters"] if p["name"] == name)


def test_every_real_code_matches_the_documented_patterns():
    search = operation("/api/v1/procedures/", "get")
    sector = re.compile(parameter(search, "sector")["schema"]["pattern"])
    agency = re.compile(parameter(search, "agency")["schema"]["pattern"])
    detail = operation("/api/v1/procedures/{code}/", "get")
    procedure = re.compile(parameter(detail, "code")["schema"]["pattern"])

    assert Sector.objects.count() > 100
    assert all(sector.fullmatch(code) for code in Sector.objects.values_list("code", flat=True))
    assert all(agency.fullmatch(code) for code in Agency.objects.values_list("code", flat=True))
    for national, local in Procedure.objects.values_list("national_code", "local_code"):
        assert procedure.fullmatch(national) and procedure.fullmatch(local)
    assert not procedure.fullmatch("1.004222; DROP")


def test_the_start_request_documents_and_enforces_the_procedure_code():
    body = SCHEMA["components"]["schemas"]["DossierStartRequest"]["properties"]["procedure"]
    assert body["pattern"]
    http = Client()
    http.force_login(CitizenFactory().user)
    response = http.post("/api/v1/dossiers/", {"procedure": "khai sinh"}, "application/json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["procedure"]


def test_the_idempotency_key_limit_is_documented():
    submit = operation("/api/v1/dossiers/{ref}/submit", "post")
    header = parameter(submit, "Idempotency-Key")
    assert header["in"] == "header" and header["required"] is True
    assert header["schema"]["maxLength"] == IDEMPOTENCY_KEY_MAX == 64


@pytest.mark.parametrize("length, refused", [(64, False), (65, True)])
def test_the_idempotency_key_limit_is_enforced(length, refused):
    http = Client()
    http.force_login(CitizenFactory().user)
    draft = http.post("/api/v1/dossiers/", {"procedure": "1.003197"}, "application/json").json()
    response = http.post(
        f"/api/v1/dossiers/{draft['public_id']}/submit",
        {"consent": True},
        "application/json",
        headers={"Idempotency-Key": "k" * length},
    )
    # An incomplete draft: the key itself is fine at 64, so the refusal is about the draft.
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert ("Idempotency-Key" in fields) is refused


@pytest.mark.parametrize(
    "path, method, codes",
    [
        ("/api/v1/dossiers/", "get", {"400", "401", "403", "404"}),
        ("/api/v1/dossiers/", "post", {"400", "401", "403"}),
        ("/api/v1/dossiers/{ref}/", "patch", {"400", "401", "403", "404", "409"}),
        ("/api/v1/dossiers/{ref}/documents/", "post", {"400", "401", "403", "404", "409", "413"}),
        ("/api/v1/dossiers/{ref}/submit", "post", {"400", "401", "403", "404", "409", "422"}),
        ("/api/v1/documents/", "get", {"400", "401", "403", "404"}),
        ("/api/v1/procedures/", "get", {"400", "404"}),
        ("/api/v1/audit/", "get", {"400", "401", "403"}),
        ("/api/v1/auth/token", "post", {"400", "401", "429"}),
    ],
)
def test_the_answers_that_can_happen_are_documented(path, method, codes):
    assert codes <= set(operation(path, method)["responses"])


def test_page_numbers_are_documented_with_their_bounds():
    page = parameter(operation("/api/v1/procedures/", "get"), "page")["schema"]
    assert page == {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER}


@pytest.mark.parametrize(
    "name, fallback",
    [
        ("Giấy khai sinh.pdf", "Giay khai sinh.pdf"),
        ("Đơn đề nghị.pdf", "Don de nghi.pdf"),
        ('a"b\\c.png', "a_b_c.png"),
        ("文件.pdf", "__.pdf"),
    ],
)
def test_download_names_are_given_exactly_and_without_accents(name, fallback):
    assert ascii_fallback(name) == fallback
    header = content_disposition(name)
    assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == name
    assert content_disposition(name, attachment=False).startswith("inline;")
