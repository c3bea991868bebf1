"""The citizen's filing journey in HTML: start, form steps, review, submit, "My dossiers"."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.html import escape

from dossiers import services
from dossiers.models import Dossier, DossierDocument, Status, StoredDocument
from identity.citizens import assurance_problem
from procedures.eform_builder import applicant_section, generated_schema
from procedures.models import Agency, Procedure
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

MARRIAGE = "1.000894"  # commune procedure, level 2, online
HOME_WARD = "H29.26743"


@pytest.fixture
def citizen():
    return CitizenFactory()


@pytest.fixture
def browser(client, citizen):
    client.force_login(citizen.user)
    return client


def draft_with(citizen, schema=None, procedure=MARRIAGE) -> Dossier:
    """A draft; ``schema`` replaces its form snapshot so the test does not depend on which
    detailed form files exist."""
    dossier = services.start_draft(citizen, Procedure.objects.get(national_code=procedure))
    if schema is not None:
        Dossier.objects.filter(pk=dossier.pk).update(form_schema=schema)
        dossier.refresh_from_db()
    return dossier


def step(dossier, section):
    return f"/dossiers/drafts/{dossier.public_id}/step/{section}/"


def review(dossier):
    return f"/dossiers/drafts/{dossier.public_id}/review/"


def flat(section_id: str, values: dict) -> dict:
    """Form fields named by path, as the step page posts them."""
    posted = {}
    for key, value in values.items():
        name = f"{section_id}.{key}"
        if isinstance(value, list):
            posted[f"{name}._n"] = str(len(value))
            for index, item in enumerate(value):
                posted.update(flat(f"{name}.{index}", item))
        else:
            posted[name] = value
    return posted


def attach_all_required(dossier, citizen):
    dossier.refresh_from_db()
    for slot in services.missing_documents(dossier):
        stored = StoredDocument.objects.create(
            owner=citizen, source="upload", title=slot["name"][:50],
            original_name=f"{slot['id']}.pdf", storage_name=f"test-{dossier.pk}-{slot['id']}",
            content_type="application/pdf", size=10, sha256="0" * 64,
        )  # fmt: skip
        DossierDocument.objects.create(dossier=dossier, slot_id=slot["id"], stored=stored)


FAMILY = {
    "id": "family",
    "title": "Gia đình",
    "fields": [
        {"id": "married", "type": "choice", "label": "Đã kết hôn?", "required": True,
         "choices": [{"value": "yes", "label": "Có"}, {"value": "no", "label": "Chưa"}]},
        {"id": "spouse", "type": "text", "label": "Họ tên vợ/chồng", "required": True,
         "show_if": {"field": "married", "equals": "yes"}},
        {"id": "children", "type": "group", "label": "Con", "min_items": 0, "max_items": 2,
         "fields": [{"id": "name", "type": "text", "label": "Họ tên con", "required": True}]},
    ],
}  # fmt: skip


def family_schema() -> dict:
    return {
        "schema_version": 1,
        "title": "Thử nghiệm",
        "sections": [applicant_section(), FAMILY],
        "documents": [],
    }


# --- who may start ----------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_vneid_login_and_back(client):
    response = client.get(f"/procedures/{MARRIAGE}/apply/")
    assert response.status_code == 302
    assert response["Location"] == f"/auth/vneid/login/?next=%2Fprocedures%2F{MARRIAGE}%2Fapply%2F"


def test_official_gets_a_403_page(client):
    official = get_user_model().objects.create_user("can-bo", is_staff=True)
    client.force_login(official)
    response = client.get(f"/procedures/{MARRIAGE}/apply/")
    assert response.status_code == 403
    assert b'id="citizens-only"' in response.content
    assert client.get("/dossiers/").status_code == 403


def test_level_one_citizen_is_refused_with_an_explanation_and_no_draft(client):
    weak = CitizenFactory(assurance_level=1)
    procedure = Procedure.objects.get(national_code=MARRIAGE)
    client.force_login(weak.user)
    for method in (client.get, client.post):
        response = method(f"/procedures/{MARRIAGE}/apply/")
        assert response.status_code == 403
        with translation.override("vi"):
            explanation = escape(assurance_problem(weak, procedure))
        assert explanation in response.content.decode()
    assert not Dossier.objects.filter(applicant=weak).exists()


def test_procedure_without_online_channel_is_explained(browser):
    offline = Procedure.objects.filter(current_version__online_level="none").first()
    response = browser.get(f"/procedures/{offline.national_code}/apply/")
    assert response.status_code == 404
    assert f"/procedures/{offline.national_code}/" in response.content.decode()
    assert browser.get("/procedures/9.999999/apply/").status_code == 404


def test_start_page_lists_documents_then_start_creates_a_prefilled_draft(browser, citizen):
    procedure = Procedure.objects.get(national_code=MARRIAGE)
    page = browser.get(f"/procedures/{procedure.local_code}/apply/")
    assert page.status_code == 200
    text = page.content.decode()
    assert procedure.current_version.name in text
    first_document = procedure.current_version.documents.first().name
    assert first_document.split("\n")[0][:40] in text
    assert 'name="csrfmiddlewaretoken"' in text

    response = browser.post(f"/procedures/{MARRIAGE}/apply/")
    dossier = Dossier.objects.get(applicant=citizen)
    assert dossier.status == Status.DRAFT and dossier.code is None
    assert dossier.form_data["applicant"]["full_name"] == "Nguyễn Văn An"
    assert response["Location"] == step(dossier, "applicant")

    form = browser.get(step(dossier, "applicant")).content.decode()
    assert 'value="Nguyễn Văn An"' in form
    assert 'inputmode="tel"' in form
    assert re.search(r'type="date"[^>]*value="1985-03-12"|value="1985-03-12"[^>]*type="date"', form)
    # The ward list: 168 communes plus the empty choice, selected from the profile.
    ward_select = re.search(r'<select id="f-applicant-ward".*?</select>', form, re.S).group(0)
    assert ward_select.count("<option") == 169
    assert f'value="{HOME_WARD}" selected' in ward_select

    again = browser.get(f"/procedures/{MARRIAGE}/apply/").content.decode()
    assert f"/dossiers/drafts/{dossier.public_id}/" in again  # offered to resume


def test_procedure_page_links_to_apply_online(client):
    text = client.get(f"/procedures/{MARRIAGE}/").content.decode()
    assert f'href="/procedures/{MARRIAGE}/apply/"' in text


# --- steps ------------------------------------------------------------------------------------


def test_invalid_phone_is_shown_next_to_the_field_and_the_typed_value_is_kept(browser, citizen):
    dossier = draft_with(citizen)
    values = {**dossier.form_data["applicant"], "phone": "12"}
    response = browser.post(step(dossier, "applicant"), flat("applicant", values))
    assert response.status_code == 400
    text = response.content.decode()
    assert re.search(r'<p class="field__error" id="f-applicant-phone-error">[^<]+</p>', text)
    assert re.search(r'id="f-applicant-phone"[^>]*value="12"', text)
    assert 'aria-describedby="f-applicant-phone-error"' in text
    assert 'href="#f-applicant-phone"' in text  # the error summary links to it
    dossier.refresh_from_db()
    assert dossier.form_data["applicant"]["phone"] == "12"


def test_valid_section_continues_and_save_and_leave_keeps_the_draft(browser, citizen):
    dossier = draft_with(citizen)
    values = {**dossier.form_data["applicant"], "address": "12 Lê Lợi"}
    response = browser.post(step(dossier, "applicant"), flat("applicant", values))
    second = dossier.form_schema["sections"][1]["id"]
    assert response.status_code == 302 and response["Location"] == step(dossier, second)

    response = browser.post(
        step(dossier, second), {**flat(second, {"request": "Xin đăng ký"}), "_action": "leave"}
    )
    assert response["Location"] == "/dossiers/"
    listing = browser.get("/dossiers/").content.decode()
    assert 'class="alert alert--success" role="status"' in listing
    assert str(dossier.public_id) in listing
    dossier.refresh_from_db()
    assert dossier.form_data["applicant"]["address"] == "12 Lê Lợi"
    assert dossier.form_data[second].get("request") == "Xin đăng ký"


def test_missing_required_field_keeps_the_citizen_on_the_step(browser, citizen):
    dossier = draft_with(citizen)
    values = {k: v for k, v in dossier.form_data["applicant"].items() if k != "full_name"}
    response = browser.post(step(dossier, "applicant"), flat("applicant", values))
    assert response.status_code == 400
    assert 'id="f-applicant-full_name-error"' in response.content.decode()


def test_repeatable_group_add_and_remove_work_without_javascript(browser, citizen):
    dossier = draft_with(citizen, family_schema())
    url = step(dossier, "family")
    page = browser.get(url).content.decode()
    assert 'name="_action" value="add:family.children"' in page

    base = flat("family", {"married": "no", "children": []})
    response = browser.post(url, {**base, "_action": "add:family.children"})
    assert response["Location"] == f"{url}#f-family-children-0"
    page = browser.get(url).content.decode()
    assert 'name="family.children.0.name"' in page

    two = flat("family", {"married": "no", "children": [{"name": "Bé Một"}, {}]})
    browser.post(url, {**two, "_action": "add:family.children"})
    dossier.refresh_from_db()
    # max_items is 2: a third entry is never added, and the button disappears.
    assert dossier.form_data["family"]["children"] == [{"name": "Bé Một"}, {}]
    page = browser.get(url).content.decode()
    assert 'value="add:family.children"' not in page
    assert 'value="remove:family.children.1"' in page

    kept = flat("family", {"married": "no", "children": [{"name": "Bé Một"}, {"name": "Bé Hai"}]})
    browser.post(url, {**kept, "_action": "remove:family.children.0"})
    dossier.refresh_from_db()
    assert dossier.form_data["family"]["children"] == [{"name": "Bé Hai"}]


def test_show_if_field_appears_only_when_its_condition_holds(browser, citizen):
    dossier = draft_with(citizen, family_schema())
    url = step(dossier, "family")

    def spouse_hidden(text: str) -> bool:
        wrapper = re.search(r'<div class="field[^"]*" id="f-family-spouse-wrap"[^>]*>', text)
        return " hidden" in wrapper.group(0)

    assert spouse_hidden(browser.get(url).content.decode())

    # Without JavaScript: answering "yes" reveals the question, so the page stays.
    response = browser.post(url, flat("family", {"married": "yes", "children": []}))
    assert response.status_code == 400  # the revealed question is required
    text = response.content.decode()
    assert not spouse_hidden(text)
    assert 'id="f-family-spouse-error"' in text

    response = browser.post(url, flat("family", {"married": "no", "children": []}))
    assert response.status_code == 302  # nothing hidden is required
    assert spouse_hidden(browser.get(url).content.decode())


# --- review and submit ------------------------------------------------------------------------


def fill_generated(browser, dossier):
    """Fill every section of a generated form through the step pages."""
    applicant = {**dossier.form_data["applicant"], "address": "12 Lê Lợi"}
    assert browser.post(step(dossier, "applicant"), flat("applicant", applicant)).status_code == 302
    request = {"request": "Đăng ký kết hôn"}
    fields = {f["id"]: f for f in dossier.form_schema["sections"][1]["fields"]}
    if "case" in fields:
        request["case"] = fields["case"]["choices"][0]["value"]
    assert browser.post(step(dossier, "request"), flat("request", request)).status_code == 302


def generated_draft(citizen):
    procedure = Procedure.objects.get(national_code=MARRIAGE)
    schema = generated_schema(procedure.current_version)
    # At least one document applies whatever the case, so "missing documents" can be shown
    # (marriage itself asks for no upload online: VNeID and the e-form supply everything).
    schema["documents"].append({"id": "doc-test", "name": "Giấy tờ thử nghiệm", "required": True})
    return draft_with(citizen, schema)


def key_of(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)


def test_review_without_consent_is_refused_with_the_consent_error(browser, citizen):
    dossier = generated_draft(citizen)
    fill_generated(browser, dossier)
    attach_all_required(dossier, citizen)
    page = browser.get(review(dossier)).content.decode()
    assert "12 Lê Lợi" in page and 'name="consent"' in page
    response = browser.post(review(dossier), {"idempotency_key": key_of(page)})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="consent-error"' in text and 'href="#consent"' in text
    dossier.refresh_from_db()
    assert dossier.status == Status.DRAFT


def test_review_links_each_error_to_where_it_is_fixed(browser, citizen):
    dossier = generated_draft(citizen)  # address empty, no documents
    page = browser.get(review(dossier)).content.decode()
    assert "data-missing=" in page
    response = browser.post(review(dossier), {"idempotency_key": key_of(page), "consent": "yes"})
    assert response.status_code == 400
    text = response.content.decode()
    assert f'href="{step(dossier, "applicant")}?check=1#f-applicant-address"' in text
    assert f'href="/dossiers/drafts/{dossier.public_id}/documents/"' in text
    assert key_of(text) == key_of(page)  # the same form keeps its key


def test_complete_submit_redirects_to_the_dossier_and_a_resend_creates_nothing(browser, citizen):
    dossier = generated_draft(citizen)
    fill_generated(browser, dossier)
    attach_all_required(dossier, citizen)
    page = browser.get(review(dossier)).content.decode()
    form = {"idempotency_key": key_of(page), "consent": "yes", "agency": HOME_WARD}

    response = browser.post(review(dossier), form)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED and dossier.code
    assert response.status_code == 302 and response["Location"] == f"/dossiers/{dossier.code}/"

    again = browser.post(review(dossier), form)
    assert again["Location"] == f"/dossiers/{dossier.code}/"
    assert Dossier.objects.filter(applicant=citizen).exclude(code=None).count() == 1
    # The draft's pages now lead to the dossier.
    assert browser.get(step(dossier, "applicant"))["Location"] == f"/dossiers/{dossier.code}/"


def test_commune_procedure_lets_the_citizen_choose_where_to_file(browser, citizen):
    dossier = generated_draft(citizen)
    page = browser.get(review(dossier)).content.decode()
    assert (
        re.search(r'<select id="agency".*?</select>', page, re.S).group(0).count("<option") == 169
    )
    other = Agency.objects.filter(level=Agency.Level.COMMUNE).exclude(code=HOME_WARD).first()
    response = browser.post(
        review(dossier),
        {"idempotency_key": key_of(page), "agency": other.code, "_action": "agency"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.receiving_agency == other
    assert dossier.status == Status.DRAFT


# --- ownership and the list -------------------------------------------------------------------


def test_another_citizen_gets_404_on_the_draft(client, citizen):
    dossier = draft_with(citizen)
    stranger = CitizenFactory(id_number="079090001235", full_name="Trần Thị Bình")
    client.force_login(stranger.user)
    for url in (
        f"/dossiers/drafts/{dossier.public_id}/",
        step(dossier, "applicant"),
        review(dossier),
        f"/dossiers/drafts/{dossier.public_id}/delete/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(step(dossier, "applicant"), {"applicant.full_name": "x"}).status_code == 404
    assert client.post(f"/dossiers/drafts/{dossier.public_id}/delete/").status_code == 404
    dossier.refresh_from_db()
    assert dossier.form_data["applicant"]["full_name"] == "Nguyễn Văn An"


def test_my_dossiers_lists_drafts_and_submitted_dossiers(browser, citizen):
    submitted = generated_draft(citizen)
    fill_generated(browser, submitted)
    attach_all_required(submitted, citizen)
    submitted = services.submit(submitted, citizen, idempotency_key="k-list", consent=True)
    draft = draft_with(citizen, procedure="1.001193")
    stranger_draft = draft_with(CitizenFactory(id_number="079090001235", full_name="Trần Thị Bình"))

    text = browser.get("/dossiers/").content.decode()
    assert f'href="/dossiers/{submitted.code}/"' in text
    assert submitted.get_status_display() in text
    assert f"/dossiers/drafts/{draft.public_id}/" in text
    assert str(stranger_draft.public_id) not in text


def test_deleting_a_draft_asks_first_then_deletes(browser, citizen):
    dossier = draft_with(citizen)
    url = f"/dossiers/drafts/{dossier.public_id}/delete/"
    assert browser.get(url).status_code == 200
    assert Dossier.objects.filter(pk=dossier.pk).exists()
    response = browser.post(url)
    assert response["Location"] == "/dossiers/"
    assert not Dossier.objects.filter(pk=dossier.pk).exists()
