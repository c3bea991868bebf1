"""API answers with personal data are never cached and vary by who and in which language asks:
``Cache-Control: private, no-store`` and ``Vary: Cookie, Authorization, Accept-Language``."""

from __future__ import annotations

import pytest
from django.test import Client

from identity.jwt import issue_machine_token
from identity.machine import ensure_client
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def assert_personal(response) -> None:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives
    vary = {part.strip().lower() for part in response["Vary"].split(",")}
    assert {"cookie", "authorization", "accept-language"} <= vary


@pytest.fixture
def citizen_http() -> Client:
    http = Client()
    http.force_login(CitizenFactory().user)
    return http


def test_the_citizens_answers_are_private_and_never_stored(citizen_http):
    started = citizen_http.post(
        "/api/v1/dossiers/", {"procedure": "1.003197"}, content_type="application/json"
    )
    assert started.status_code == 201
    assert_personal(started)
    ref = started.json()["public_id"]
    for path in ["/api/v1/dossiers/", f"/api/v1/dossiers/{ref}/", "/api/v1/documents/"]:
        response = citizen_http.get(path)
        assert response.status_code == 200
        assert_personal(response)


def test_errors_about_a_dossier_are_private_too(citizen_http):
    response = citizen_http.get("/api/v1/dossiers/H29.26743-250101-0001/")
    assert response.status_code == 404
    assert_personal(response)


def test_the_audit_log_is_private_and_never_stored():
    ensure_client("auditor", "Kiểm toán", "audit:read")
    token, _ = issue_machine_token("auditor", ["audit:read"], 300)
    response = Client().get("/api/v1/audit/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert_personal(response)
    assert_personal(Client().get("/api/v1/audit/"))  # the 401 too


def test_the_public_catalogue_is_not_marked_personal(client):
    response = client.get("/api/v1/procedures/", {"q": "khai sinh"})
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_back_office_api_is_private_and_never_stored():
    from tests.factories import OfficialFactory, sign_in

    http = sign_in(Client(), OfficialFactory(agency="H29.03"))
    assert_personal(http.get("/api/v1/backoffice/dossiers/"))
    assert_personal(http.get("/api/v1/backoffice/agencies/H29.03/"))
    # A refusal too: an agency the official may not see.
    refused = http.get("/api/v1/backoffice/agencies/H29.04/")
    assert refused.status_code == 404
    assert_personal(refused)
