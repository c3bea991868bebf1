"""A citizen's status read is kept per dossier revision (dossiers.read_cache) and is never stale.

Each test reads the API answer and the page once (which keeps them), proves the second read is
served from the cache, changes something the answer shows, and reads again.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.template import Template, TemplateSyntaxError

from dossiers import read_cache
from dossiers.lifecycle import transitions
from dossiers.models import Dossier, DossierDocument
from dossiers.tasks import render_receipt
from identity.models import Role
from tests.factories import (
    HOME_WARD,
    CitizenFactory,
    OfficialFactory,
    StoredDocumentFactory,
)
from tests.test_receipt_pdf import submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen():
    return CitizenFactory(with_contact=True)


@pytest.fixture
def dossier(citizen):
    return submitted(citizen)


@pytest.fixture
def owner(client, citizen):
    client.force_login(citizen.user)
    return client


def api(client, dossier):
    return client.get(f"/api/v1/dossiers/{dossier.code}/")


def page(client, dossier):
    return client.get(f"/dossiers/{dossier.code}/")


def kept_both(client, dossier, django_assert_num_queries):
    """Read both once (kept), then again without a single query; the second answers."""
    first_api, first_page = api(client, dossier), page(client, dossier)
    assert first_api.status_code == first_page.status_code == 200
    with django_assert_num_queries(0):
        again_api, again_page = api(client, dossier), page(client, dossier)
    assert again_api.content == first_api.content
    assert _panels(again_page) == _panels(first_page)
    return again_api.json(), again_page.content.decode()


def _panels(response) -> str:
    html = response.content.decode()
    return html[html.index('<section class="panel"') : html.index("</main>")]


def test_a_second_read_costs_no_query_and_the_page_is_still_rendered_per_request(
    owner, dossier, django_assert_num_queries
):
    body, html = kept_both(owner, dossier, django_assert_num_queries)
    assert body["code"] == dossier.code and body["status"] == 1
    assert 'data-status="1"' in html and dossier.procedure_version.name in html
    # The page around the kept parts is the request's own: the sign-out form's CSRF token.
    tokens = [
        page(owner, dossier).content.decode().split('name="csrfmiddlewaretoken" value="')[1][:64]
        for _twice in range(2)
    ]
    assert tokens[0] != tokens[1]  # masked anew on every request, never a kept copy


def test_a_transition_shows_at_once(owner, dossier, django_assert_num_queries):
    kept_both(owner, dossier, django_assert_num_queries)
    desk = OfficialFactory(username="ward.reception", role=Role.RECEPTION, agency=HOME_WARD)
    transitions.receive(dossier, desk, note="Đủ giấy tờ")
    body = api(owner, dossier).json()
    assert body["status"] == 2
    assert body["timeline"][-1]["action"] == "accepted"
    assert 'data-status="2"' in page(owner, dossier).content.decode()


def test_a_written_receipt_shows_at_once(owner, dossier, django_assert_num_queries):
    body, html = kept_both(owner, dossier, django_assert_num_queries)
    assert body["receipt_url"] is None and "data-receipt-pending" in html
    assert render_receipt(dossier.code)
    receipt_url = api(owner, dossier).json()["receipt_url"]
    assert receipt_url.endswith(f"/dossiers/{dossier.code}/receipt.pdf")
    assert "data-receipt>" in page(owner, dossier).content.decode()


def test_a_document_change_shows_at_once(owner, citizen, dossier, django_assert_num_queries):
    kept_both(owner, dossier, django_assert_num_queries)
    stored = StoredDocumentFactory(owner=citizen, original_name="giay-xac-nhan.pdf")
    DossierDocument.objects.create(dossier=dossier, slot_id="extra", stored=stored)
    assert "giay-xac-nhan.pdf" in page(owner, dossier).content.decode()
    names = [document["original_name"] for document in api(owner, dossier).json()["documents"]]
    assert "giay-xac-nhan.pdf" in names
    # Renaming the stored file (no row of the dossier changes) shows too.
    stored.title, stored.original_name = "Giấy xác nhận mới", "giay-moi.pdf"
    stored.save()
    documents = api(owner, dossier).json()["documents"]
    assert {"Giấy xác nhận mới", "giay-moi.pdf"} <= {
        value for document in documents for value in (document["name"], document["original_name"])
    }
    assert "giay-moi.pdf" in page(owner, dossier).content.decode()


def test_another_citizen_still_gets_not_found(client, owner, dossier, django_assert_num_queries):
    kept_both(owner, dossier, django_assert_num_queries)
    client.force_login(CitizenFactory(id_number="079085004321").user)
    assert api(client, dossier).status_code == 404
    assert page(client, dossier).status_code == 404
    client.logout()
    assert api(client, dossier).status_code == 403
    assert page(client, dossier).status_code == 302  # to the VNeID login


def test_the_other_language_gets_its_own_answer(owner, dossier, django_assert_num_queries):
    body, html = kept_both(owner, dossier, django_assert_num_queries)
    assert body["status_label"] == "Mới đăng ký" and "Trạng thái" in html
    owner.cookies["django_language"] = "en"
    assert api(owner, dossier).json()["status_label"] == "Newly registered"
    english = page(owner, dossier).content.decode()
    assert "Newly registered" in english and "Mới đăng ký" not in english


def test_a_deactivated_citizen_is_signed_out_at_once(owner, citizen, dossier):
    assert api(owner, dossier).status_code == 200  # the user is kept (identity.backends)
    citizen.user.is_active = False
    citizen.user.save()
    assert api(owner, dossier).status_code == 403
    assert page(owner, dossier).status_code == 302


# --- what moves a dossier's stamp ---------------------------------------------------------------


def _models_pointing_to_dossier() -> list[type]:
    """Every model with a foreign key or one-to-one field to Dossier, found independently of
    dossiers.read_cache."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if any(
            getattr(field, "remote_field", None) is not None
            and field.remote_field.model is Dossier
            and not field.many_to_many
            for field in model._meta.get_fields(include_hidden=True)
            if field.concrete
        )
    ]


def test_the_models_pointing_to_a_dossier_are_found():
    found = {model.__name__ for model in _models_pointing_to_dossier()}
    assert {"DossierEvent", "DossierDocument", "DossierFile", "IssuedForm"} <= found


@pytest.mark.parametrize("signal", [post_save, post_delete], ids=["save", "delete"])
@pytest.mark.parametrize("model", _models_pointing_to_dossier(), ids=lambda m: m.__name__)
def test_every_model_pointing_to_a_dossier_moves_its_stamp(dossier, model, signal):
    """A model added later (in any app) with a foreign key to Dossier is covered: this fails
    if saving or deleting one of its rows does not invalidate the kept answers."""
    row = model()
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is Dossier:
            setattr(row, field.name, dossier)
    keys = [read_cache.stamp_key(ref) for ref in read_cache.refs_of(dossier)]
    before = [read_cache.stamps.read("unused", key)[1] for key in keys]
    signal.send(sender=model, instance=row, created=False, raw=False, using="default")
    after = [cache.get(key) for key in keys]
    assert all(old != new for old, new in zip(before, after, strict=True))


def test_a_row_read_only_by_id_finds_its_dossier(dossier):
    """A row whose dossier is not loaded (a cascade, a row read by id) still moves the stamp."""
    event = dossier.events.first()
    event = type(event).objects.get(pk=event.pk)  # dossier not cached on it
    key = read_cache.stamp_key(dossier.code)
    before = read_cache.stamps.read("unused", key)[1]
    event.save()
    assert cache.get(key) != before


# --- the kept template parts --------------------------------------------------------------------


@pytest.mark.parametrize(
    "inside", ["{% csrf_token %}", "{{ csrf_token }}", "{{ request.path }}", "{{ csp_nonce }}"]
)
def test_a_kept_part_refuses_what_differs_per_request(inside):
    with pytest.raises(TemplateSyntaxError):
        Template("{% load kept_fragment %}{% kept 'part' %}" + inside + "{% endkept %}")
