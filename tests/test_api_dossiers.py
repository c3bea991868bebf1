"""The dossier REST API for citizens' apps (/api/v1/dossiers/): a draft to a submitted dossier,
and who may see what."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dossiers.models import Dossier, DossierDocument, DossierFile, Status, StoredDocument
from identity.jwt import issue_machine_token
from identity.machine import ensure_client
from identity.models import Role, StaffRole
from procedures.models import Agency, Procedure
from tests.factories import CitizenFactory
from tests.fixtures.documents import pdf_bytes

pytestmark = pytest.mark.django_db

API = "/api/v1/dossiers/"
# Xóa đăng ký thường trú: filed online at any commune, VNeID level 2, two required documents.
PROCEDURE = "1.003197"
WARD = "H29.26743"
CODE = re.compile(r"^H29\.[0-9.]+-\d{6}-\d{4}$")
PDF = pdf_bytes()  # uploads are parsed: a PDF a reader opens
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def citizen():
    return CitizenFactory()


@pytest.fixture
def stranger():
    return CitizenFactory(id_number="079190005678", full_name="Trần Thị Bình")


def url(ref: str, action: str = "") -> str:
    suffix = {"": "", "documents": "documents/", "submit": "submit", "withdraw": "withdraw"}
    return f"{API}{ref}/{suffix[action]}"


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:800]
    error = response.json()["error"]
    assert error["status"] == status
    assert error["detail"]
    assert isinstance(error["fields"], dict)
    return error


def start(client, procedure: str = PROCEDURE) -> dict:
    response = client.post(API, {"procedure": procedure}, content_type="application/json")
    assert response.status_code == 201, response.content[:800]
    return response.json()


def patch(client, ref: str, body: dict):
    return client.patch(url(ref), body, content_type="application/json")


def submit(client, ref: str, key: str | None, consent=True):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        url(ref, "submit"), {"consent": consent}, content_type="application/json", headers=headers
    )


def upload(client, ref: str, slot_id: str, name: str = "giay-to.pdf", content: bytes = PDF):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(url(ref, "documents"), {"slot_id": slot_id, "file": file})


def reuse(client, ref: str, slot_id: str, stored_public_id):
    return client.post(
        url(ref, "documents"),
        {"slot_id": slot_id, "stored_document": str(stored_public_id)},
        content_type="application/json",
    )


def sample(f: dict):
    """A valid value for a field of any type (the form may be generated or detailed)."""
    kind = f["type"]
    if kind == "group":
        return [sample_section(f["fields"]) for _ in range(max(1, f.get("min_items", 1)))]
    if kind == "choice":
        return f["choices"][0]["value"]
    if kind == "date":
        if f.get("min") == "today":
            return (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        return "1990-01-15"
    if kind == "number":
        return f["min"] if isinstance(f.get("min"), int | float) else 1
    return {
        "ward": WARD,
        "id_number": "079085001234",
        "phone": "0912345678",
        "email": "an@example.vn",
    }.get(kind, "Nội dung yêu cầu")


def sample_section(fields: list[dict], given: dict | None = None) -> dict:
    values = dict(given or {})
    for f in fields:
        if values.get(f["id"]) in (None, "", []):
            values[f["id"]] = sample(f)
    return values


def valid_sections(draft: dict) -> dict:
    """Every section filled in; the applicant keeps the prefilled values, valid phone."""
    sections = {
        section["id"]: sample_section(section["fields"], draft["form_data"].get(section["id"]))
        for section in draft["form_schema"]["sections"]
    }
    sections["applicant"].update(address="12 Lê Lợi", phone="0912345678")
    return sections


def ready_draft(client) -> dict:
    """A draft with valid data and every required document (one upload, the rest reused)."""
    draft = start(client)
    ref = draft["public_id"]
    assert patch(client, ref, {"form_data": valid_sections(draft)}).json()["errors"] == {}
    missing = [slot["id"] for slot in draft["missing_documents"]]
    first = upload(client, ref, missing[0]).json()
    stored = StoredDocument.objects.get(attachments__pk=first["id"])
    for slot_id in missing[1:]:
        assert reuse(client, ref, slot_id, stored.public_id).status_code == 201
    return client.get(url(ref)).json()


@pytest.fixture
def submitted(client, citizen) -> dict:
    client.force_login(citizen.user)
    draft = ready_draft(client)
    response = submit(client, draft["public_id"], "fixture-key")
    assert response.status_code == 201, response.content[:800]
    return response.json()


# --- the journey ----------------------------------------------------------------------------


def test_a_citizen_files_a_dossier_from_draft_to_code(client, citizen):
    client.force_login(citizen.user)

    draft = start(client)
    ref = draft["public_id"]
    assert draft["status"] == Status.DRAFT and draft["code"] is None
    assert draft["procedure"]["code"] == PROCEDURE
    assert draft["receiving_agency"]["code"] == WARD
    assert draft["form_data"]["applicant"]["full_name"] == "Nguyễn Văn An"
    assert draft["form_schema"]["sections"][0]["id"] == "applicant"
    assert draft["submitted_data"] is None
    assert len(draft["missing_documents"]) >= 1

    # Invalid data is kept and reported, with 200.
    applicant = {**draft["form_data"]["applicant"], "phone": "12"}
    response = patch(client, ref, {"form_data": {"applicant": applicant}})
    assert response.status_code == 200
    assert "applicant.phone" in response.json()["errors"]
    assert response.json()["form_data"]["applicant"]["phone"] == "12"
    assert Dossier.objects.get(public_id=ref).form_data["applicant"]["phone"] == "12"

    response = patch(client, ref, {"form_data": valid_sections(draft)})
    assert response.json()["errors"] == {}

    # Upload a PDF to the first missing slot, then reuse that file for the others.
    missing = [slot["id"] for slot in draft["missing_documents"]]
    response = upload(client, ref, missing[0])
    assert response.status_code == 201, response.content[:800]
    document = response.json()
    stored = StoredDocument.objects.get(attachments__pk=document["id"])
    assert document["slot_id"] == missing[0]
    assert document["reused"] is False
    assert document["original_name"] == "giay-to.pdf"
    assert document["size"] == len(PDF)
    assert document["download_url"].endswith(f"/documents/{stored.public_id}/")
    # Reuse the same file for the other required slots, and for an optional one too.
    optional = [
        slot["id"]
        for slot in draft["form_schema"]["documents"]
        if slot["id"] not in missing and "case" not in slot
    ][:1]
    for slot_id in missing[1:] + optional:
        response = reuse(client, ref, slot_id, stored.public_id)
        assert response.status_code == 201, response.content[:800]
        assert response.json()["reused"] is True
    detail = client.get(url(ref)).json()
    assert detail["missing_documents"] == []
    assert {d["slot_id"] for d in detail["documents"]} == set(missing + optional)
    assert len(missing + optional) >= 2  # the reuse path was exercised

    # Submitting: consent is required, then a code; a retry returns the same dossier.
    assert_error(submit(client, ref, None), 400)
    error = assert_error(submit(client, ref, "key-1", consent=False), 400)
    assert "consent" in error["fields"]
    assert Dossier.objects.get(public_id=ref).status == Status.DRAFT

    response = submit(client, ref, "key-1")
    assert response.status_code == 201, response.content[:800]
    body = response.json()
    assert CODE.match(body["code"]), body["code"]
    assert body["status"] == Status.SUBMITTED
    assert body["submitted_data"]["applicant"]["address"] == "12 Lê Lợi"
    assert body["form_data"] is None and body["form_schema"] is None
    assert [event["action"] for event in body["timeline"]] == ["submitted"]

    again = submit(client, ref, "key-1")
    assert again.status_code == 200
    assert again.json()["code"] == body["code"]
    by_code = submit(client, body["code"], "key-1")
    assert by_code.status_code == 200 and by_code.json()["code"] == body["code"]
    assert Dossier.objects.filter(applicant=citizen).count() == 1

    listed = client.get(API).json()
    assert listed["count"] == 1
    assert listed["results"][0]["code"] == body["code"]
    assert listed["results"][0]["url"].endswith(f"{API}{body['code']}/")


def test_consent_that_is_not_sent_is_no_consent(client, citizen):
    client.force_login(citizen.user)
    draft = ready_draft(client)
    response = client.post(
        url(draft["public_id"], "submit"),
        {},
        content_type="application/json",
        headers={"Idempotency-Key": "k-no-consent"},
    )
    assert "consent" in assert_error(response, 400)["fields"]
    assert Dossier.objects.get(public_id=draft["public_id"]).code is None


def test_changes_through_the_session_need_the_csrf_token(citizen):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(citizen.user)
    response = browser.post(API, {"procedure": PROCEDURE}, content_type="application/json")
    assert_error(response, 403)
    assert not Dossier.objects.filter(applicant=citizen).exists()
    assert browser.get(API).status_code == 200  # reading needs no token


def test_validation_problems_come_back_by_path(client, citizen):
    client.force_login(citizen.user)
    draft = start(client)
    error = assert_error(submit(client, draft["public_id"], "k-incomplete"), 400)
    assert "applicant.address" in error["fields"]
    assert any(path.startswith("documents.") for path in error["fields"])
    assert all(isinstance(messages, list) for messages in error["fields"].values())


def test_an_executable_renamed_pdf_is_refused_and_the_draft_is_unchanged(client, citizen):
    client.force_login(citizen.user)
    draft = start(client)
    ref = draft["public_id"]
    before = Dossier.objects.get(public_id=ref).form_data

    response = upload(client, ref, draft["missing_documents"][0]["id"], "to-khai.pdf", EXE)

    error = assert_error(response, 400)
    assert "PDF" in error["detail"] and "to-khai.pdf" in error["detail"]
    assert "file" in error["fields"]
    assert Dossier.objects.get(public_id=ref).form_data == before
    assert not DossierDocument.objects.filter(dossier__public_id=ref).exists()
    assert not StoredDocument.objects.filter(owner=citizen).exists()


def test_a_document_is_removed_from_a_draft(client, citizen):
    client.force_login(citizen.user)
    draft = start(client)
    slot = draft["missing_documents"][0]["id"]
    document = upload(client, draft["public_id"], slot).json()

    response = client.delete(f"{url(draft['public_id'], 'documents')}{document['id']}/")

    assert response.status_code == 204
    detail = client.get(url(draft["public_id"])).json()
    assert detail["documents"] == []
    assert slot in {s["id"] for s in detail["missing_documents"]}
    again = client.delete(f"{url(draft['public_id'], 'documents')}{document['id']}/")
    assert_error(again, 404)


def test_reusing_a_document_that_is_not_in_my_store_is_refused(client, citizen):
    client.force_login(citizen.user)
    draft = start(client)
    response = reuse(client, draft["public_id"], draft["missing_documents"][0]["id"], uuid.uuid4())
    error = assert_error(response, 400)
    assert "stored_document" in error["fields"]


# --- drafts ----------------------------------------------------------------------------------


def test_a_level_one_account_cannot_start_a_level_two_procedure(client):
    weak = CitizenFactory(id_number="079085009999", full_name="Lê Văn Cường", assurance_level=1)
    client.force_login(weak.user)
    response = client.post(API, {"procedure": PROCEDURE}, content_type="application/json")
    error = assert_error(response, 403)
    assert "VNeID" in error["detail"]
    assert not Dossier.objects.filter(applicant=weak).exists()


def test_an_unknown_procedure_is_a_bad_request(client, citizen):
    client.force_login(citizen.user)
    response = client.post(API, {"procedure": "9.999999"}, content_type="application/json")
    assert "procedure" in assert_error(response, 400)["fields"]


def test_a_draft_is_found_by_its_local_procedure_code_too(client, citizen):
    client.force_login(citizen.user)
    draft = start(client, Procedure.objects.get(national_code=PROCEDURE).local_code)
    assert draft["procedure"]["code"] == PROCEDURE


def test_an_agency_that_cannot_receive_the_procedure_saves_nothing(client, citizen):
    client.force_login(citizen.user)
    draft = start(client)
    applicant = {**draft["form_data"]["applicant"], "address": "99 Nguyễn Huệ"}
    response = patch(
        client,
        draft["public_id"],
        {"form_data": {"applicant": applicant}, "receiving_agency": "H29"},
    )
    assert "receiving_agency" in assert_error(response, 400)["fields"]
    saved = Dossier.objects.get(public_id=draft["public_id"])
    assert "address" not in saved.form_data["applicant"]
    assert saved.receiving_agency.code == WARD


def test_another_ward_may_be_chosen_for_a_commune_procedure(client, citizen):
    client.force_login(citizen.user)
    draft = start(client)
    other = Agency.objects.filter(level=Agency.Level.COMMUNE).exclude(code=WARD).first()
    response = patch(client, draft["public_id"], {"receiving_agency": other.code})
    assert response.status_code == 200
    assert response.json()["receiving_agency"]["code"] == other.code


def test_an_unknown_section_is_refused(client, citizen):
    client.force_login(citizen.user)
    draft = start(client)
    response = patch(client, draft["public_id"], {"form_data": {"nonsense": {"a": 1}}})
    assert "form_data" in assert_error(response, 400)["fields"]


def test_a_draft_is_deleted_but_a_submitted_dossier_is_not(client, citizen, submitted):
    draft = start(client)
    assert client.delete(url(draft["public_id"])).status_code == 204
    assert_error(client.get(url(draft["public_id"])), 404)

    assert_error(client.delete(url(submitted["code"])), 409)
    assert Dossier.objects.filter(code=submitted["code"]).exists()


def test_a_submitted_dossier_can_no_longer_be_edited(client, submitted):
    response = patch(client, submitted["code"], {"form_data": {"request": {"request": "x"}}})
    assert_error(response, 409)
    slot = submitted["documents"][0]["slot_id"]
    assert_error(upload(client, submitted["code"], slot), 409)
    assert_error(submit(client, submitted["code"], "a-new-key"), 409)


def test_a_key_already_used_for_another_dossier_is_refused(client, submitted):
    draft = start(client)
    response = submit(client, draft["public_id"], "fixture-key")
    assert "Idempotency-Key" in assert_error(response, 422)["fields"]
    assert Dossier.objects.get(public_id=draft["public_id"]).status == Status.DRAFT


def test_a_too_long_idempotency_key_is_refused(client, citizen):
    client.force_login(citizen.user)
    draft = start(client)
    assert_error(submit(client, draft["public_id"], "k" * 65), 400)


def test_the_receipt_link_appears_once_the_receipt_exists(client, submitted):
    assert submitted["receipt_url"] is None
    assert submitted["urls"]["html"].endswith(f"/dossiers/{submitted['code']}/")
    dossier = Dossier.objects.get(code=submitted["code"])
    DossierFile.objects.create(
        dossier=dossier, kind=DossierFile.Kind.RECEIPT, storage_name="r.pdf", sha256="0" * 64
    )
    detail = client.get(url(submitted["public_id"])).json()
    assert detail["receipt_url"].endswith(f"/dossiers/{submitted['code']}/receipt.pdf")


def test_a_draft_links_to_where_it_is_filled_in(client, citizen):
    client.force_login(citizen.user)
    draft = start(client)
    assert draft["urls"]["html"].endswith(f"/dossiers/drafts/{draft['public_id']}/")
    assert draft["urls"]["api"].endswith(f"{API}{draft['public_id']}/")


# --- listing ---------------------------------------------------------------------------------


def test_the_list_is_mine_newest_first_and_filters_by_status(client, citizen, stranger, submitted):
    draft = start(client)
    client.force_login(stranger.user)
    start(client)
    client.force_login(citizen.user)

    listed = client.get(API).json()
    assert [item["public_id"] for item in listed["results"]] == [
        draft["public_id"],
        submitted["public_id"],
    ]
    only_submitted = client.get(API, {"status": Status.SUBMITTED}).json()
    assert [item["code"] for item in only_submitted["results"]] == [submitted["code"]]
    drafts = client.get(API, {"status": Status.DRAFT}).json()
    assert [item["public_id"] for item in drafts["results"]] == [draft["public_id"]]


@pytest.mark.parametrize("value", ["abc", "11", "-1"])
def test_an_unknown_status_filter_is_a_bad_request(client, citizen, value):
    client.force_login(citizen.user)
    assert "status" in assert_error(client.get(API, {"status": value}), 400)["fields"]


# --- withdrawing -----------------------------------------------------------------------------


def test_a_submitted_dossier_is_withdrawn_once(client, submitted):
    response = client.post(
        url(submitted["code"], "withdraw"), {"reason": "Nộp nhầm"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == Status.WITHDRAWN
    assert response.json()["timeline"][-1]["note"] == "Nộp nhầm"

    again = client.post(
        url(submitted["code"], "withdraw"), {"reason": "lần nữa"}, content_type="application/json"
    )
    assert_error(again, 409)


# --- who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["code", "public_id"])
def test_another_citizens_dossier_is_not_found(client, stranger, submitted, by):
    ref = submitted[by]
    client.force_login(stranger.user)

    assert_error(client.get(url(ref)), 404)
    assert_error(patch(client, ref, {"form_data": {"request": {"request": "x"}}}), 404)
    assert_error(upload(client, ref, submitted["documents"][0]["slot_id"]), 404)
    assert_error(submit(client, ref, "stranger-key"), 404)
    withdraw = client.post(url(ref, "withdraw"), {"reason": "x"}, content_type="application/json")
    assert_error(withdraw, 404)
    assert_error(client.delete(url(ref)), 404)
    assert client.get(API).json()["count"] == 0
    assert Dossier.objects.get(code=submitted["code"]).status == Status.SUBMITTED


def test_another_citizens_draft_is_not_found(client, citizen, stranger):
    client.force_login(citizen.user)
    draft = start(client)
    client.force_login(stranger.user)
    assert_error(client.get(url(draft["public_id"])), 404)
    assert_error(client.delete(url(draft["public_id"])), 404)
    assert Dossier.objects.filter(public_id=draft["public_id"]).exists()


def test_an_unknown_ref_is_not_found(client, citizen):
    client.force_login(citizen.user)
    assert_error(client.get(url("H29.26743-250101-0001")), 404)
    assert_error(client.get(url(str(uuid.uuid4()))), 404)
    assert_error(client.get(url("bad%00code")), 404)


def test_an_official_is_refused(client, submitted):
    official = get_user_model().objects.create_user("can-bo", password="x")
    StaffRole.objects.create(
        user=official, role=Role.RECEPTION, agency=Agency.objects.get(code=WARD)
    )
    client.force_login(official)
    assert_error(client.get(API), 403)
    assert_error(client.get(url(submitted["code"])), 403)
    assert_error(client.post(API, {"procedure": PROCEDURE}, content_type="application/json"), 403)


def test_a_machine_client_is_refused(client, submitted):
    ensure_client("citizen-app-test", "Test app", "sync:read audit:read")
    token, _ = issue_machine_token("citizen-app-test", ["sync:read", "audit:read"], 300)
    headers = {"Authorization": f"Bearer {token}"}
    client.logout()
    assert_error(client.get(API, headers=headers), 403)
    assert_error(client.get(url(submitted["code"]), headers=headers), 403)


def test_an_anonymous_caller_is_refused(client, submitted):
    client.logout()
    response = client.get(API)
    assert response.status_code in (401, 403)
    assert response.json()["error"]["status"] == response.status_code
    assert client.get(url(submitted["code"])).status_code in (401, 403)
    assert client.post(API, {"procedure": PROCEDURE}).status_code in (401, 403)


def test_the_document_store_lists_only_my_files_with_the_id_to_reuse(client, citizen, stranger):
    client.force_login(citizen.user)
    draft = start(client)
    slot = draft["missing_documents"][0]["id"]
    attached = upload(client, draft["public_id"], slot).json()

    listing = client.get("/api/v1/documents/")
    assert listing.status_code == 200
    [stored] = listing.json()["results"]
    assert stored["id"] == attached["stored_document"]
    assert stored["original_name"] == "giay-to.pdf" and stored["size"] == len(PDF)
    assert stored["download_url"].endswith(f"/documents/{stored['id']}/")

    client.force_login(stranger.user)
    assert client.get("/api/v1/documents/").json()["results"] == []
    client.logout()
    assert client.get("/api/v1/documents/").status_code == 403
