"""The catalogue REST API (/api/v1/procedures/) against the real catalogue of 2,625 procedures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from procedures.forms import ProcedureSearchForm
from procedures.models import Agency, Procedure, Sector

pytestmark = pytest.mark.django_db

LIST = "/api/v1/procedures/"
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh
RESIDENCE = "1.004222"  # Đăng ký thường trú
COMMITTED_SCHEMA = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def search(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def codes(body) -> list[str]:
    return [item["national_code"] for item in body["results"]]


def assert_error(response, status: int) -> dict:
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status
    assert error["detail"]
    assert isinstance(error["fields"], dict)
    return error


# --- search -------------------------------------------------------------------------------


def test_accents_are_optional(client):
    plain = search(client, q="dang ky khai sinh")
    accented = search(client, q="đăng ký khai sinh")
    assert codes(plain)[0] == BIRTH
    assert codes(accented)[0] == BIRTH
    assert plain["count"] == accented["count"]


@pytest.mark.parametrize("q", [RESIDENCE, f"{RESIDENCE}.000.00.00.H29"])
def test_national_and_local_code_find_the_procedure(client, q):
    body = search(client, q=q)
    assert codes(body)[0] == RESIDENCE
    assert body["results"][0]["local_code"] == f"{RESIDENCE}.000.00.00.H29"


def test_a_code_prefix_lists_procedures_by_code(client):
    found = codes(search(client, q="1.0042"))
    assert len(found) > 1
    assert all(code.startswith("1.0042") for code in found)
    assert found == sorted(found)


def test_partial_words_match_by_prefix(client):
    assert codes(search(client, q="thuong tr"))[0] == RESIDENCE


def test_list_item_shape(client):
    item = search(client, q=BIRTH)["results"][0]
    assert set(item) == {
        "national_code",
        "local_code",
        "name",
        "sector",
        "level",
        "online_level",
        "is_fee_free",
        "receiving_agency",
        "receives_at_commune",
        "url",
        "html_url",
    }
    assert item["name"] == "Thủ tục đăng ký khai sinh"
    assert item["sector"] == {"code": "ho-tich", "name": "Hộ tịch"}
    assert item["level"] == "commune"
    assert item["receives_at_commune"] is True
    assert set(item["receiving_agency"]) == {"code", "name"}
    assert item["url"] == f"http://testserver/api/v1/procedures/{BIRTH}/"
    assert item["html_url"] == f"http://testserver/procedures/{BIRTH}/"
    # The API URL it gives is the one that serves the detail.
    assert client.get(item["url"]).json()["national_code"] == BIRTH


def test_empty_query_lists_the_whole_catalogue_paginated(client):
    body = search(client)
    assert body["count"] == Procedure.objects.filter(current_version__isnull=False).count()
    assert body["count"] > 2000
    assert len(body["results"]) == 20
    assert body["next"].endswith("page=2")
    assert body["previous"] is None


# --- filters ------------------------------------------------------------------------------


def test_level_filter(client):
    everything = search(client)["count"]
    body = search(client, level="commune", page_size=100)
    assert 0 < body["count"] < everything
    assert {item["level"] for item in body["results"]} == {"commune"}


def test_fee_filter(client):
    free = search(client, fee="true", page_size=100)
    paid = search(client, fee="false", page_size=100)
    assert free["count"] > 0 and paid["count"] > 0
    assert all(item["is_fee_free"] for item in free["results"])
    assert not any(item["is_fee_free"] for item in paid["results"])
    assert free["count"] + paid["count"] == search(client)["count"]


def test_sector_filter(client):
    sector = Sector.objects.get(name="Hộ tịch")
    body = search(client, sector=sector.code, page_size=100)
    assert body["count"] == Procedure.objects.filter(sector=sector).count()
    assert {item["sector"]["code"] for item in body["results"]} == {sector.code}


def test_online_filter(client):
    body = search(client, online="full", page_size=100)
    assert 0 < body["count"] < search(client)["count"]
    assert {item["online_level"] for item in body["results"]} == {"full"}


def test_commune_agency_gives_procedures_filed_at_any_commune(client):
    commune = Agency.objects.get(code="H29.26743")  # Phường Bến Thành
    assert commune.level == Agency.Level.COMMUNE
    body = search(client, agency=commune.code, page_size=100)
    assert body["count"] == Procedure.objects.filter(receives_at_commune=True).count()
    assert all(item["receives_at_commune"] for item in body["results"])


def test_filters_combine_with_text(client):
    body = search(client, q="khai sinh", level="commune", fee="true", page_size=100)
    assert codes(body)[0] == BIRTH
    assert all(item["level"] == "commune" and item["is_fee_free"] for item in body["results"])


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["level", "online", "fee", "sector", "agency"])
def test_unknown_filter_value_is_a_400_naming_the_parameter(client, name):
    error = assert_error(client.get(LIST, {name: "bogus"}), 400)
    assert list(error["fields"]) == [name]
    assert error["detail"] == error["fields"][name][0]


def test_validation_messages_follow_the_request_language(client):
    english = client.get(LIST, {"level": "bogus"}, HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error(english, 400)["fields"]["level"] == ["Unknown level “bogus”."]
    vietnamese = client.get(LIST, {"level": "bogus"}, HTTP_ACCEPT_LANGUAGE="vi")
    with translation.override("vi"):
        expected = str(ProcedureSearchForm.base_fields["level"].error_messages["invalid_choice"])
    assert assert_error(vietnamese, 400)["fields"]["level"] == [expected % {"value": "bogus"}]
    assert vietnamese.json()["error"]["detail"] != english.json()["error"]["detail"]
    vietnamese = client.get("/api/v1/procedures/9.999999/", HTTP_ACCEPT_LANGUAGE="vi")
    assert assert_error(vietnamese, 404)["detail"] == "Không tìm thấy."


def test_too_long_search_text_is_a_400(client):
    error = assert_error(client.get(LIST, {"q": "khai sinh " * 500}), 400)
    assert list(error["fields"]) == ["q"]


@pytest.mark.parametrize("q", ["%", "_", "\\", "%%%", "__", "*", "'", '"', ";"])
def test_like_wildcards_and_punctuation_do_not_match_everything(client, q):
    assert search(client, q=q)["count"] == 0


def test_sql_injection_attempt_is_just_text(client):
    body = search(client, q="' OR 1=1 --")
    assert body["count"] < search(client)["count"]
    assert Procedure.objects.count() > 2000  # and nothing happened to the table


@pytest.mark.parametrize("name", ["q", "sector", "agency", "level", "online", "fee"])
def test_nul_byte_is_a_400(client, name):
    error = assert_error(client.get(LIST, {name: "ho\x00tich"}), 400)
    assert list(error["fields"]) == [name]


def test_nul_byte_in_a_code_is_a_404(client):
    assert_error(client.get("/api/v1/procedures/1.001193%00/"), 404)


@pytest.mark.parametrize(
    "q", ["1.%", "1._", "1.004222%", "H29", ".", "...", "1..2", "ǅ", "🙂", "thủ tục " * 20]
)
def test_odd_input_never_fails(client, q):
    response = client.get(LIST, {"q": q})
    assert response.status_code in (200, 400)
    body = response.json()
    assert "results" in body or "error" in body


def test_page_size_is_capped_at_100(client):
    body = search(client, page_size=1000)
    assert len(body["results"]) == 100
    assert body["count"] > 100


def test_page_size_chooses_the_page_length(client):
    assert len(search(client, page_size=7)["results"]) == 7


def test_page_out_of_range_is_a_404_in_the_error_shape(client):
    assert_error(client.get(LIST, {"q": BIRTH, "page": 99}), 404)


def test_pages_share_the_total_and_do_not_overlap(client):
    first = search(client, q="dang ky", page_size=10)
    second = search(client, q="dang ky", page_size=10, page=2)
    assert first["count"] == second["count"] > 20
    assert not set(codes(first)) & set(codes(second))
    everything = search(client, q="dang ky", page_size=100)
    assert codes(everything)[:20] == codes(first) + codes(second)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5"])
def test_invalid_page_number_is_a_400(client, page):
    error = assert_error(client.get(LIST, {"q": "dang ky", "page": page}), 400)
    assert list(error["fields"]) == ["page"]


def test_list_queries_do_not_grow_with_the_page(client):
    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            search(client, q="dang ky", page_size=page_size)
        return len(captured)

    assert queries(2) == queries(60)


# --- detail -------------------------------------------------------------------------------


@pytest.fixture
def birth_record(catalogue_records):
    return next(record for record in catalogue_records if record["code"] == BIRTH)


def test_detail_matches_the_source_record(client, birth_record):
    response = client.get(f"/api/v1/procedures/{BIRTH}/")
    assert response.status_code == 200
    body = response.json()
    assert body["national_code"] == BIRTH
    assert body["name"] == birth_record["name"]
    assert body["decision"] == birth_record["decision"]
    assert body["kind"] == birth_record["kind"]
    assert body["sector"]["name"] == birth_record["sector"]
    assert body["applicant_types"] == birth_record["applicants"]
    assert body["authority_levels"] == ["commune"]
    assert body["steps"] == birth_record["steps"].strip()
    assert body["version"]["number"] == 1
    assert body["version"]["status"] == "published"
    assert body["version"]["valid_from"]
    assert [
        (ch["kind"], ch["duration"], ch["fee_free"], ch["fee_text"]) for ch in body["channels"]
    ] == [
        (ch["channel"], ch["duration"], ch["fee_free"], ch["fee_text"])
        for ch in birth_record["channels"]
    ]
    # "unit": null in the record; the steps say the result comes the same day.
    assert all(ch["unit"] == "same_day" for ch in body["channels"])
    assert not any(ch["unit_assumed"] for ch in body["channels"])
    assert [doc["name"] for doc in body["documents"]] == [
        doc["name"].strip() for doc in birth_record["documents"]
    ]
    assert [(doc["originals"], doc["copies"], doc["group"]) for doc in body["documents"]] == [
        (doc["original"], doc["copy"], doc["group"] or "") for doc in birth_record["documents"]
    ]
    assert len(body["results"]) == len(birth_record["results"])
    assert len(body["legal_basis"]) == len(birth_record["legal_basis"]) > 0


def test_detail_by_local_code_is_the_same(client):
    national = client.get(f"/api/v1/procedures/{BIRTH}/").json()
    local = client.get(f"/api/v1/procedures/{BIRTH}.000.00.00.H29/").json()
    assert local == national


def test_detail_fees_are_listed(client):
    procedure = (
        Procedure.objects.filter(current_version__channels__fees__amount_vnd__gt=0)
        .distinct()
        .first()
    )
    body = client.get(f"/api/v1/procedures/{procedure.national_code}/").json()
    amounts = [fee["amount_vnd"] for ch in body["channels"] for fee in ch["fees"]]
    assert any(amount and amount > 0 for amount in amounts)
    assert body["is_fee_free"] is False


def test_detail_queries_are_constant(client):
    small = Procedure.objects.exclude(national_code=BIRTH).order_by("national_code").first()

    def queries(code: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/procedures/{code}/").status_code == 200
        return len(captured)

    assert queries(BIRTH) == queries(small.national_code) <= 6


def test_unknown_code_is_a_404_in_the_error_shape(client):
    error = assert_error(client.get("/api/v1/procedures/9.999999/"), 404)
    assert error["fields"] == {}


def test_procedure_without_a_version_in_force_is_a_404(client):
    Procedure.objects.filter(national_code=BIRTH).update(current_version=None)
    assert_error(client.get(f"/api/v1/procedures/{BIRTH}/"), 404)
    assert BIRTH not in codes(search(client, q=BIRTH))


def test_the_api_is_read_only(client):
    assert client.post(LIST, {}, content_type="application/json").status_code == 405
    assert client.delete(f"/api/v1/procedures/{BIRTH}/").status_code == 405
    assert Procedure.objects.filter(national_code=BIRTH).exists()


# --- schema and docs ----------------------------------------------------------------------


def test_schema_endpoint_lists_both_paths(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/procedures/", "/api/v1/procedures/{code}/"} <= set(paths)
    listed = {param["name"] for param in paths["/api/v1/procedures/"]["get"]["parameters"]}
    assert listed >= {"q", "sector", "level", "agency", "online", "fee", "page", "page_size"}


def test_swagger_ui_is_served_from_local_static_files(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # No script or style from a CDN (the page's random nonces may spell "cdn": left out).
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources and not [src for src in sources if "cdn" in src.lower()]
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_committed_schema_is_up_to_date(tmp_path):
    """Fails when the API changed and docs/openapi.yaml was not regenerated (``make schema``)."""
    fresh = tmp_path / "openapi.yaml"
    call_command(
        "spectacular", "--lang", "en", "--validate", "--fail-on-warn", "--file", str(fresh)
    )
    assert COMMITTED_SCHEMA.read_bytes() == fresh.read_bytes(), (
        "docs/openapi.yaml is out of date: run 'make schema' and commit it"
    )
