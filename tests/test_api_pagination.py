"""Every paginated list of the API refuses page numbers and cursors it cannot serve with 400 in
the shared error shape, before they reach the database (they used to be 500s)."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from identity import audit
from identity.jwt import issue_machine_token
from identity.machine import ensure_client
from portal.pagination import MAX_PAGE_NUMBER
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

OVERFLOWING_PAGE = "461168601842738792"  # (page - 1) * 20 overflows a bigint offset


def assert_400_naming(response, parameter: str) -> dict:
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["detail"] == error["fields"][parameter][0]
    assert list(error["fields"]) == [parameter]
    return error


@pytest.fixture
def http() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def citizen_http(http):
    http.force_login(CitizenFactory().user)
    return http


@pytest.fixture
def auditor_http(http):
    ensure_client("auditor", "Kiểm toán", "audit:read")
    token, _ = issue_machine_token("auditor", ["audit:read"], 300)
    http.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return http


BAD_PAGES = [OVERFLOWING_PAGE, str(MAX_PAGE_NUMBER + 1), "0", "-1", "abc", "1.5", "١"]


@pytest.mark.parametrize("page", BAD_PAGES)
def test_the_catalogue_refuses_a_page_it_cannot_serve(http, page):
    error = assert_400_naming(http.get("/api/v1/procedures/", {"page": page}), "page")
    assert str(MAX_PAGE_NUMBER) in error["detail"]


@pytest.mark.parametrize("path", ["/api/v1/dossiers/", "/api/v1/documents/"])
@pytest.mark.parametrize("page", [OVERFLOWING_PAGE, "0", "-1", "abc"])
def test_the_citizens_lists_refuse_a_page_they_cannot_serve(citizen_http, path, page):
    assert_400_naming(citizen_http.get(path, {"page": page}), "page")


def test_a_valid_page_past_the_end_is_still_404(http):
    response = http.get("/api/v1/procedures/", {"page": MAX_PAGE_NUMBER})
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_the_last_page_and_the_first_still_work(http):
    first = http.get("/api/v1/procedures/", {"page": "1", "page_size": 100}).json()
    last = http.get("/api/v1/procedures/", {"page": "last", "page_size": 100}).json()
    assert first["count"] == last["count"] > 100
    assert last["next"] is None and first["previous"] is None


def cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "value",
    [
        "cD1hYmM=",  # p=abc, as found
        cursor("p=2025-13-45 00:00:00+00:00"),
        cursor("p=99999-01-01"),
        cursor("o=abc"),
        cursor("r=x"),
        "not base64!",
        "ủa",
        cursor("p=2025-01-01\x00"),
    ],
)
def test_the_audit_log_refuses_a_crafted_cursor(auditor_http, value):
    audit.record(audit.Action.TOKEN_ISSUED, actor_type="machine", actor="someone")
    assert_400_naming(auditor_http.get("/api/v1/audit/", {"cursor": value}), "cursor")


def test_a_cursor_the_log_handed_out_still_works(auditor_http):
    for index in range(4):
        audit.record(audit.Action.TOKEN_ISSUED, actor_type="machine", actor=f"c-{index}")
    first = auditor_http.get("/api/v1/audit/", {"page_size": 2}).json()
    second = auditor_http.get(first["next"])
    assert second.status_code == 200
    assert len(second.json()["results"]) == 2
