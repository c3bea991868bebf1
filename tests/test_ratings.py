"""Satisfaction: the applicant rates once after the result (page and API), a second rating and
a rating before the result are refused with a clear message, officials see their agency's."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from dossiers import ratings
from dossiers.errors import Conflict, DossierError
from dossiers.lifecycle import transitions
from dossiers.models import ServiceRating
from dossiers.results import ResultChoice
from identity.models import Role
from tests import test_results
from tests.factories import HOME_WARD, OfficialFactory, sign_in
from tests.fixtures.documents import make_citizen

pytestmark = pytest.mark.django_db

# The leader, desk and specialist of the home ward, and a dossier being processed there.
staff = test_results.staff
processing = test_results.processing


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def decided(processing, staff):
    return transitions.approve(processing, staff[Role.LEADER], result=ResultChoice(render=True))


def test_rating_once_after_the_result(processing, staff):
    citizen = processing.applicant
    with translation.override("vi"), pytest.raises(DossierError) as early:
        ratings.rate(processing, citizen, True)
    assert early.value.message.startswith("Bạn có thể đánh giá")
    dossier = transitions.approve(processing, staff[Role.LEADER], result=ResultChoice(render=True))
    rating = ratings.rate(dossier, citizen, False, "  Chờ lâu quá  ")
    assert (rating.satisfied, rating.comment, rating.agency.code) == (
        False,
        "Chờ lâu quá",
        HOME_WARD,
    )
    with translation.override("vi"), pytest.raises(Conflict) as again:
        ratings.rate(dossier, citizen, True)
    assert "một lần" in again.value.message
    with pytest.raises(DossierError) as long_comment:
        ratings.rate(dossier, citizen, True, "x" * 1001)
    assert "comment" in long_comment.value.errors
    assert ServiceRating.objects.get().satisfied is False


def test_someone_else_cannot_rate(decided):
    stranger = make_citizen()
    with pytest.raises(DossierError):
        ratings.rate(decided, stranger, True)
    assert not ServiceRating.objects.exists()


def test_rating_on_the_dossier_page(client, decided):
    client.force_login(decided.applicant.user)
    page = client.get(f"/dossiers/{decided.code}/").content.decode()
    assert f'href="/dossiers/{decided.code}/rating/" data-rate' in page
    form = client.get(f"/dossiers/{decided.code}/rating/").content.decode()
    assert 'name="satisfied"' in form and 'name="comment"' in form
    refused = client.post(f"/dossiers/{decided.code}/rating/", {"comment": "?"})
    assert refused.status_code == 400 and not ServiceRating.objects.exists()
    done = client.post(f"/dossiers/{decided.code}/rating/", {"satisfied": "yes", "comment": "Tốt"})
    assert done.status_code == 302 and done["Location"] == f"/dossiers/{decided.code}/"
    assert ServiceRating.objects.get(dossier=decided).satisfied is True
    page = client.get(f"/dossiers/{decided.code}/").content.decode()
    assert "data-rated" in page and "data-rate>" not in page  # the kept page followed the change
    again = client.post(f"/dossiers/{decided.code}/rating/", {"satisfied": "no"}, follow=True)
    assert "data-rated" in again.content.decode()
    assert ServiceRating.objects.get(dossier=decided).satisfied is True


def test_rating_through_the_api(decided):
    api = Client()
    api.force_login(decided.applicant.user)
    url = f"/api/v1/dossiers/{decided.code}/rating/"
    bad = api.post(url, json.dumps({"satisfied": "maybe"}), content_type="application/json")
    assert bad.status_code == 400 and "satisfied" in json.dumps(bad.json())
    done = api.post(url, json.dumps({"satisfied": False, "comment": "Chậm"}), "application/json")
    assert done.status_code == 201 and done.json()["satisfied"] is False
    again = api.post(url, json.dumps({"satisfied": True}), content_type="application/json")
    assert again.status_code == 409 and again["Content-Type"].startswith("application/json")
    other = Client()
    other.force_login(make_citizen().user)
    hidden = other.post(url, json.dumps({"satisfied": True}), content_type="application/json")
    assert hidden.status_code == 404


def test_officials_see_their_agencys_ratings(client, decided, staff):
    ratings.rate(decided, decided.applicant, False, "Cán bộ hướng dẫn chưa rõ")
    sign_in(client, staff[Role.RECEPTION])
    page = client.get(f"/backoffice/agencies/{HOME_WARD}/ratings/")
    body = page.content.decode()
    assert page.status_code == 200 and "Cán bộ hướng dẫn chưa rõ" in body and decided.code in body
    assert 'data-dissatisfied="1"' in body and 'data-total="1"' in body
    outsider = OfficialFactory(username="other.desk", role=Role.RECEPTION, agency="H29.03")
    sign_in(client, outsider)
    assert client.get(f"/backoffice/agencies/{HOME_WARD}/ratings/").status_code == 404
