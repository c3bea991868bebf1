"""Cached search answers are never stale, never mixed between languages, never per user.

The search API's body and the catalogue page's results fragment are kept per catalogue
generation (procedures.search_cache, procedures.generation). These tests change the catalogue
the ways it changes in real life and search again at once: the change must show.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation

from procedures import search_cache
from procedures.generation import CATALOGUE, FILTER_OPTIONS, catalogue_changed
from procedures.models import Agency, Procedure, ProcedureVersion
from procedures.services import new_draft_from, publish_version
from tests.factories import CitizenFactory
from tests.test_receipt_pdf import submitted

pytestmark = pytest.mark.django_db

API = "/api/v1/procedures/"
PAGE = "/procedures/"


def _codes(response) -> list[str]:
    return [item["national_code"] for item in response.json()["results"]]


def _first_hit(client, q: str) -> Procedure:
    code = _codes(client.get(API, {"q": q}))[0]
    return Procedure.objects.get(national_code=code)


def test_a_newly_published_version_is_found_at_once(client):
    procedure = _first_hit(client, "ho tich")
    client.get(PAGE, {"q": "ho tich"})  # both answers are now cached
    assert client.get(API, {"q": "bo nho dem"}).json()["count"] == 0

    draft = new_draft_from(procedure.current_version)
    draft.name = f"{draft.name} (bộ nhớ đệm)"
    draft.save()
    publish_version(draft)

    found = client.get(API, {"q": "bo nho dem"}).json()
    assert [item["national_code"] for item in found["results"]] == [procedure.national_code]
    assert found["results"][0]["name"] == draft.name
    assert draft.name in client.get(API, {"q": "ho tich"}).content.decode()
    assert draft.name in client.get(PAGE, {"q": "ho tich"}).content.decode()


def test_a_procedure_renamed_in_place_shows_its_new_name(client):
    procedure = _first_hit(client, "ho tich")
    page = client.get(PAGE, {"q": "ho tich"}).content.decode()
    assert procedure.name in page
    procedure.name = "Tên mới sau khi sửa"
    procedure.save()  # as the admin saves it
    assert "Tên mới sau khi sửa" in client.get(API, {"q": "ho tich"}).content.decode()
    assert "Tên mới sau khi sửa" in client.get(PAGE, {"q": "ho tich"}).content.decode()


def test_a_retired_procedure_leaves_the_answers(client):
    procedure = _first_hit(client, "ho tich")
    before = client.get(API, {"q": "ho tich"}).json()["count"]
    Procedure.objects.filter(pk=procedure.pk).update(current_version=None)
    ProcedureVersion.objects.filter(pk=procedure.current_version_id).update(
        status=ProcedureVersion.Status.RETIRED
    )
    catalogue_changed()  # what a bulk write does (sync_listing, rebuild_vocabulary)
    after = client.get(API, {"q": "ho tich"}).json()
    assert after["count"] == before - 1
    assert procedure.national_code not in [item["national_code"] for item in after["results"]]


def test_a_renamed_agency_shows_in_cached_results(client):
    agency = Agency.objects.get(code="H29.04")
    params = {"q": "xay dung", "agency": agency.code}
    assert agency.name in client.get(API, params).content.decode()
    options = FILTER_OPTIONS.current()
    agency.name = "Sở Xây dựng (đổi tên)"
    agency.save()
    assert FILTER_OPTIONS.current() != options
    assert "Sở Xây dựng (đổi tên)" in client.get(API, params).content.decode()


def test_the_generation_moves_again_when_the_change_is_committed(
    django_capture_on_commit_callbacks,
):
    """An answer another process computed from the old rows before the commit is dropped."""
    before = CATALOGUE.current()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        catalogue_changed()
        during = CATALOGUE.current()
        assert during != before
    assert len(callbacks) == 1
    assert CATALOGUE.current() not in (before, during)


def test_languages_are_never_mixed(client):
    vietnamese = client.get(PAGE, {"q": "ho tich"}).content.decode()
    assert "thủ tục" in vietnamese and "procedures found" not in vietnamese
    client.cookies["django_language"] = "en"
    english = client.get(PAGE, {"q": "ho tich"}).content.decode()
    assert "procedures found" in english
    del client.cookies["django_language"]
    assert "procedures found" not in client.get(PAGE, {"q": "ho tich"}).content.decode()


def test_the_api_key_follows_the_language_host_and_parameters():
    factory = RequestFactory()

    def key(path: str, language: str = "vi", **extra) -> str | None:
        with translation.override(language):
            return search_cache.answer_key("api", factory.get(path, **extra), absolute=True)

    assert key("/api/v1/procedures/?q=ho+tich&page=2") == key(
        "/api/v1/procedures/?page=2&q=ho%20tich"
    )
    assert key("/api/v1/procedures/?q=ho+tich") != key("/api/v1/procedures/?q=ho+tich", "en")
    assert key("/api/v1/procedures/?q=ho+tich") != key(
        "/api/v1/procedures/?q=ho+tich", HTTP_HOST="localhost"
    )
    # Pagination links repeat the text as typed: "Ho  tich" is another answer.
    assert key("/api/v1/procedures/?q=ho+tich") != key("/api/v1/procedures/?q=Ho++tich")
    # Unknown or repeated parameters are answered without the cache.
    assert key("/api/v1/procedures/?q=ho+tich&x=1") is None
    assert key("/api/v1/procedures/?q=ho&q=tich") is None


def test_a_parameter_the_search_does_not_know_bypasses_the_cache(
    client, django_assert_max_num_queries
):
    client.get(API, {"q": "ho tich", "utm": "a"})
    with django_assert_max_num_queries(2) as captured:
        client.get(API, {"q": "ho tich", "utm": "a"})
    assert len(captured) > 0


def test_errors_are_not_cached(client):
    bad = {"q": "ho tich", "level": "nowhere"}
    assert client.get(API, bad).status_code == 400
    assert client.get(API, bad).status_code == 400
    assert client.get(PAGE, bad).status_code == 400


def test_a_citizens_dossier_is_never_served_to_another_user(client):
    """Dossier answers are per person: after the owner reads one, another citizen gets 404."""
    owner = CitizenFactory(with_contact=True)
    dossier = submitted(owner)
    client.force_login(owner.user)
    assert client.get(f"/api/v1/dossiers/{dossier.code}/").status_code == 200
    assert client.get(f"/dossiers/{dossier.code}/").status_code == 200

    other = CitizenFactory(with_contact=True, id_number="079085004321", full_name="Trần Thị Bình")
    client.force_login(other.user)
    api = client.get(f"/api/v1/dossiers/{dossier.code}/")
    assert api.status_code == 404
    assert dossier.code not in api.content.decode()
    assert client.get(f"/dossiers/{dossier.code}/").status_code == 404
