"""Everything under /api/ answers JSON in the documented error shape, 404 and 500 included;
other paths keep the portal's HTML pages."""

from __future__ import annotations

import pytest
from django.test import Client

import procedures.api
import procedures.views

pytestmark = pytest.mark.django_db


@pytest.fixture
def http() -> Client:
    return Client(raise_request_exception=False)


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["detail"], str) and error["detail"]
    assert error["fields"] == {}
    return error


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/sync/v1/nothing", "/api/", "/api/v2/procedures/"]
)
def test_an_unknown_api_path_is_a_json_404(http, path):
    error = assert_json_error(http.get(path), 404)
    assert error["detail"] == "Không có gì ở địa chỉ này của API."


def test_an_unknown_api_path_answers_in_english_when_asked(http):
    error = assert_json_error(http.get("/api/v1/nothing/", HTTP_ACCEPT_LANGUAGE="en"), 404)
    assert error["detail"] == "There is nothing at this address of the API."


def test_an_unhandled_exception_in_an_api_view_is_a_json_500(http, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail 079085001234")

    monkeypatch.setattr(procedures.api, "search", broken)
    response = http.get("/api/v1/procedures/", {"q": "khai sinh"})

    error = assert_json_error(response, 500)
    assert "079085001234" not in response.content.decode()
    assert "RuntimeError" not in error["detail"]


def test_pages_outside_the_api_keep_their_html(http, monkeypatch):
    missing = http.get("/khong-co-trang-nay/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("text/html")
    assert "Không tìm thấy trang" in missing.content.decode()

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(procedures.views, "run_search", broken)
    failed = http.get("/procedures/", {"q": "khai sinh"})
    assert failed.status_code == 500
    assert failed["Content-Type"].startswith("text/html")


def test_with_debug_on_as_in_the_demo_api_errors_are_still_json(http, monkeypatch, settings):
    # DEBUG answers 404 and 500 with Django's technical pages before any handler runs.
    settings.DEBUG = True
    error = assert_json_error(http.get("/api/v1/nothing-here/"), 404)
    assert error["detail"] == "Không có gì ở địa chỉ này của API."

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail 079085001234")

    monkeypatch.setattr(procedures.api, "search", broken)
    response = http.get("/api/v1/procedures/", {"q": "khai sinh"})
    assert_json_error(response, 500)
    assert "079085001234" not in response.content.decode()
    # Outside the API the technical page stays, for whoever develops the portal.
    assert http.get("/khong-co-trang-nay/")["Content-Type"].startswith("text/html")
