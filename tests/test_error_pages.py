"""Error pages citizens may meet: 400, 403, the CSRF failure and 429 are translated pages in the
site's layout; under /api/ the same errors stay JSON in the API's error shape."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from dossiers import services, views_tracking
from dossiers.models import Dossier
from procedures.models import Procedure
from tests.factories import CitizenFactory
from tests.test_tracking import UNKNOWN_CODES, fresh_ip

pytestmark = pytest.mark.django_db

MARRIAGE = "1.000894"


def vietnamese_page(response) -> str:
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in html and 'class="site-header"' in html, "not in the layout"
    return html


def test_csrf_failure_is_a_vietnamese_page_that_leads_back_to_the_form():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/lookup/",
        {"code": "H29.26743-000101-0001", "factor": "079085001234"},
        HTTP_REFERER="http://testserver/lookup/",
    )
    assert response.status_code == 403
    html = vietnamese_page(response)
    assert "Biểu mẫu đã hết hạn" in html
    assert "Những gì bạn đã lưu trước đó vẫn được giữ nguyên." in html
    assert 'href="http://testserver/lookup/"' in html
    assert "CSRF" not in html and "Forbidden" not in html  # not Django's English page
    # Without the cookie the page also says what to allow.
    assert "cho phép cookie" in html


def test_csrf_failure_never_links_back_to_another_site():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/lookup/", {}, HTTP_REFERER="https://evil.example/phish")
    html = vietnamese_page(response)
    assert "evil.example" not in html
    assert 'href="/"' in html


def test_an_expired_form_changes_nothing_saved():
    citizen = CitizenFactory(with_contact=True)
    draft = services.start_draft(citizen, Procedure.objects.get(national_code=MARRIAGE))
    saved = dict(draft.form_data)
    section = draft.form_schema["sections"][0]["id"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen.user)
    response = strict.post(
        f"/dossiers/drafts/{draft.public_id}/step/{section}/",
        {f"{section}.full_name": "Kẻ Giả Mạo", "_action": "continue"},
    )
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in vietnamese_page(response)
    assert Dossier.objects.get(pk=draft.pk).form_data == saved


def test_csrf_failure_under_the_api_is_json():
    from portal.errors import csrf_failure

    response = csrf_failure(RequestFactory().post("/api/v1/anything/"), reason="x")
    assert response.status_code == 403
    assert json.loads(response.content)["error"]["status"] == 403


def test_a_malformed_request_gets_the_vietnamese_400_page(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"f{n}": "x" for n in range(10)}
    response = client.post("/lookup/", fields, REMOTE_ADDR=fresh_ip())
    assert response.status_code == 400
    html = vietnamese_page(response)
    assert 'data-error-page="400"' in html and "Yêu cầu không hợp lệ" in html


@pytest.mark.urls("tests.error_urls")
def test_a_refusal_gets_the_vietnamese_403_page_and_json_under_the_api(client):
    page = client.get("/refused-for-test/")
    assert page.status_code == 403
    html = vietnamese_page(page)
    assert 'data-error-page="403"' in html and "Không có quyền truy cập" in html

    api = client.get("/api/v1/refused-for-test/")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/json"
    assert set(api.json()["error"]) == {"status", "detail", "fields"}


def test_bad_request_under_the_api_is_json():
    from portal.errors import bad_request

    response = bad_request(RequestFactory().get("/api/v1/procedures/"))
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["status"] == 400


def test_the_rate_limited_lookup_answers_429_with_retry_after(client, settings):
    from django.core.cache import cache

    settings.LOOKUP_MAX_ATTEMPTS = 2
    settings.LOOKUP_WINDOW_SECONDS = 300
    ip = fresh_ip()
    cache.delete_many([views_tracking.rate_key("code", code) for code in UNKNOWN_CODES])
    for code in UNKNOWN_CODES[:2]:
        assert client.post(
            "/lookup/", {"code": code, "factor": "079085001234"}, REMOTE_ADDR=ip
        ).status_code
    limited = client.post(
        "/lookup/", {"code": UNKNOWN_CODES[2], "factor": "079085001234"}, REMOTE_ADDR=ip
    )
    assert limited.status_code == 429
    assert limited["Retry-After"] == "300"
    html = vietnamese_page(limited)
    assert 'data-error-page="429"' in html
    assert "đợi 5 phút" in html
