"""What citizens read most costs a fixed, small number of queries (bench/reads.py measures it).

Each count is the one measured when the limit was set; a change that adds a query per request
(an N+1, a lookup repeated, a count again) fails here. The catalogue page's filter lists are
rendered once per change of the sector and agency tables (procedures.filter_options): the tests
also check that the cached HTML is Django's own and follows a change.
"""

from __future__ import annotations

import pytest
from django import forms
from django.conf import settings

from dossiers.models import DossierDocument, StoredDocument
from procedures.filter_options import CachedSelect
from procedures.forms import ProcedureSearchForm
from procedures.generation import FILTER_OPTIONS
from procedures.models import Agency, Sector
from tests.factories import CitizenFactory
from tests.test_receipt_pdf import submitted

pytestmark = pytest.mark.django_db

SEARCH = {"q": "ho tich"}
# A signed-in request loads the user with its citizen profile (identity.backends, one query).
# The session is read from the cache (cached_db) and written at most once a minute
# (portal.session_refresh), not on every request.
SIGNED_IN = 1


@pytest.fixture
def owner(client):
    citizen = CitizenFactory(with_contact=True)
    dossier = submitted(citizen)
    # Marriage asks for no upload since its slots were classified: give the dossier documents
    # of its own, so a per-document query would show in the counts.
    for number in range(3):
        stored = StoredDocument.objects.create(
            owner=citizen, source="upload", title=f"Giấy tờ {number}",
            original_name=f"giay-to-{number}.pdf", storage_name=f"q-{dossier.pk}-{number}",
            content_type="application/pdf", size=10, sha256=f"{number}" * 64,
        )  # fmt: skip
        DossierDocument.objects.create(dossier=dossier, slot_id=f"extra{number}", stored=stored)
    client.force_login(citizen.user)
    client.get(f"/dossiers/{dossier.code}/")  # the session's first save after the login
    return client, dossier


# --- the catalogue ------------------------------------------------------------------------------


def test_the_search_api_reads_a_page_and_its_total_in_one_query(
    client, django_assert_max_num_queries
):
    # Whether every word matches somewhere (else the typo correction runs), then the ranked
    # page with COUNT(*) OVER ().
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/procedures/", SEARCH)
    assert response.status_code == 200
    assert response.json()["count"] > 20


def test_the_same_search_again_is_answered_from_the_cache(client, django_assert_num_queries):
    first = client.get("/api/v1/procedures/", SEARCH)
    with django_assert_num_queries(0):
        again = client.get("/api/v1/procedures/", SEARCH)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"


def test_a_filter_adds_one_lookup_of_its_row(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/procedures/", {**SEARCH, "sector": "ho-tich"})
    assert response.status_code == 200
    assert response.json()["count"] > 0


def test_the_catalogue_page_needs_no_count_and_no_option_queries(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    client.get("/procedures/")  # renders the filter lists once
    with django_assert_max_num_queries(2):
        response = client.get("/procedures/", SEARCH)
    assert response.status_code == 200
    page_obj = response.context["page_obj"]
    assert page_obj.paginator.count > 20
    assert page_obj.paginator.num_pages > 1
    assert len(page_obj.object_list) == 20
    # The same search again: the results fragment comes from the cache, no query at all.
    with django_assert_num_queries(0):
        again = client.get("/procedures/", SEARCH)
    assert _results(again) == _results(response)


def _results(response) -> str:
    html = response.content.decode()
    return html[html.index('<p class="result-count"') : html.index("</main>")]


def test_a_page_number_too_big_for_the_database_shows_the_last_page(client):
    response = client.get("/procedures/", {**SEARCH, "page": "461168601842738792"})
    assert response.status_code == 200
    page_obj = response.context["page_obj"]
    assert page_obj.number == page_obj.paginator.num_pages > 1


# --- the cached filter lists --------------------------------------------------------------------


def _plain_render(name: str, value: str) -> str:
    """The same field rendered by Django's ordinary Select, nothing cached."""
    form = ProcedureSearchForm({name: value})
    form.is_valid()
    field = form.fields[name]
    plain = forms.Select(choices=field.choices)
    plain.is_required = field.widget.is_required
    return plain.render(name, form[name].value(), attrs={"id": f"id_{name}"})


@pytest.mark.parametrize(("name", "value"), [("sector", ""), ("agency", "H29.04")])
def test_the_cached_list_is_djangos_own_html_with_the_choice_selected(name, value):
    form = ProcedureSearchForm({name: value})
    assert form.is_valid()
    assert isinstance(form.fields[name].widget, CachedSelect)
    for _twice in range(2):  # rendered, then served from the cache
        html = str(form[name])
        assert html == _plain_render(name, value)
    selected = f'<option value="{value}" selected>'
    assert html.count(" selected>") == 1 and selected in html


def test_a_new_sector_appears_in_the_list_at_once(client):
    client.get("/procedures/")
    before = FILTER_OPTIONS.current()
    Sector.objects.create(code="thu-nghiem-bo-nho-dem", name="Lĩnh vực thử nghiệm bộ nhớ đệm")
    assert FILTER_OPTIONS.current() != before
    html = client.get("/procedures/").content.decode()
    assert '<option value="thu-nghiem-bo-nho-dem">Lĩnh vực thử nghiệm bộ nhớ đệm</option>' in html


def test_a_renamed_agency_is_shown_with_its_new_name(client):
    client.get("/procedures/")
    agency = Agency.objects.get(code="H29.04")
    agency.name = "Sở Xây dựng (tên mới)"
    agency.save()
    assert "Sở Xây dựng (tên mới)</option>" in client.get("/procedures/").content.decode()


def test_the_list_follows_the_language(client):
    assert "Tất cả lĩnh vực" in client.get("/procedures/").content.decode()
    client.cookies["django_language"] = "en"
    assert "All sectors</option>" in client.get("/procedures/").content.decode()


# --- a citizen's dossier ------------------------------------------------------------------------


def test_reading_a_dossier_over_the_api(owner, django_assert_max_num_queries):
    client, dossier = owner
    # The dossier with its procedure, version and agency joined; its documents with their
    # stored files; the timeline; whether the receipt exists. Nothing written.
    with django_assert_max_num_queries(SIGNED_IN + 4):
        response = client.get(f"/api/v1/dossiers/{dossier.code}/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    body = response.json()
    assert body["code"] == dossier.code
    assert body["version"] == dossier.procedure_version.number
    assert body["documents"] and body["timeline"]


def test_the_dossier_page(owner, django_assert_max_num_queries):
    client, dossier = owner
    # The dossier (procedure, version and agency joined), the timeline, the documents with
    # their stored files, the forms issued for it, the receipt's file row, the agency's
    # requests to the applicant (Mẫu 02; each with its answer's documents). Nothing written.
    with django_assert_max_num_queries(SIGNED_IN + 6):
        response = client.get(f"/dossiers/{dossier.code}/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    html = response.content.decode()
    assert dossier.procedure_version.name in html
    assert 'data-status="1"' in html
