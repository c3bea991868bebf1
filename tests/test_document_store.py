"""The documents step of a draft, downloading stored documents, and "My documents"."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest

from dossiers import services, uploads
from dossiers.models import DossierDocument, Status, StoredDocument
from tests.fixtures import upload_setup
from tests.fixtures.documents import (
    exe_bytes,
    make_citizen,
    make_official,
    pdf_bytes,
    png_bytes,
    upload,
)
from tests.fixtures.upload_setup import draft, files_in

pytestmark = pytest.mark.django_db

PLAIN = "1.001766"  # generated form (no detailed JSON), no cases
WITH_CASES = "1.000020"
ANY = {"accept": ["pdf", "jpeg", "png"], "max_size_mb": 10, "title": "Căn cước công dân"}


# Shared (tests/fixtures/upload_setup.py): private storage per test.
private_root = upload_setup.private_root


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def citizen(english):
    citizen = make_citizen()
    english.force_login(citizen.user)
    return citizen


@pytest.fixture
def other():
    return make_citizen(full_name="Trần Thị Bình")


def step_url(dossier) -> str:
    return f"/dossiers/drafts/{dossier.public_id}/documents/"


def slot_section(html: str, slot_id: str) -> str:
    match = re.search(rf'<section[^>]*id="slot-{re.escape(slot_id)}".*?</section>', html, re.S)
    assert match, f"no section for {slot_id}"
    return match.group(0)


# --- the page ------------------------------------------------------------------------------------


def test_the_step_lists_the_chosen_cases_slots_with_their_forms(english, citizen):
    dossier = draft(citizen, WITH_CASES, case="case_1")
    response = english.get(step_url(dossier))
    assert response.status_code == 200
    html = response.content.decode()
    active = services.active_document_slots(dossier)
    shown = re.findall(r'data-slot="([^"]+)"', html)
    assert shown == [slot["id"] for slot in active]
    inactive = [s for s in dossier.form_schema["documents"] if s not in active]
    assert inactive and all(f'data-slot="{s["id"]}"' not in html for s in inactive)

    first = active[0]
    section = slot_section(html, first["id"])
    assert "Required" in section if first["required"] else "Optional" in section
    assert "Accepted: PDF, JPEG, PNG, up to 10 MB per file." in section
    assert 'enctype="multipart/form-data"' in section
    assert 'type="file"' in section and 'name="file"' in section
    assert f'name="slot_id" value="{first["id"]}"' in section
    if first.get("originals"):
        assert f"{first['originals']} original" in section
    last_section = dossier.form_schema["sections"][-1]["id"]
    assert f'href="/dossiers/drafts/{dossier.public_id}/step/{last_section}/"' in html
    assert f'href="/dossiers/drafts/{dossier.public_id}/review/"' in html


def test_the_step_offers_reuse_of_acceptable_stored_documents_only(english, citizen, other):
    mine = uploads.store_upload(citizen, upload("cccd.pdf", pdf_bytes()), **ANY)
    photo = uploads.store_upload(citizen, upload("anh.png", png_bytes()), **ANY)
    theirs = uploads.store_upload(other, upload("cua-binh.pdf", pdf_bytes()), **ANY)
    dossier = draft(citizen)
    slot = dossier.form_schema["documents"][0]
    slot["accept"] = ["pdf"]
    dossier.save()
    section = slot_section(english.get(step_url(dossier)).content.decode(), slot["id"])
    assert f'value="{mine.public_id}"' in section
    assert f'value="{photo.public_id}"' not in section  # PNG not accepted here
    assert str(theirs.public_id) not in section


def test_uploading_through_the_page_attaches_the_file(english, citizen, private_root):
    dossier = draft(citizen)
    slot_id = services.active_document_slots(dossier)[0]["id"]
    response = english.post(
        step_url(dossier), {"slot_id": slot_id, "file": upload("to-khai.pdf", pdf_bytes())}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{step_url(dossier)}#slot-{slot_id}"
    document = DossierDocument.objects.get(dossier=dossier)
    assert document.slot_id == slot_id and not document.reused
    assert document.stored.original_name == "to-khai.pdf"
    assert len(files_in(private_root)) == 1
    page = english.get(step_url(dossier)).content.decode()
    assert "to-khai.pdf" in slot_section(page, slot_id)
    assert "was uploaded and attached" in page


def test_an_exe_renamed_pdf_is_refused_next_to_its_slot_and_the_draft_is_untouched(
    english, citizen, private_root
):
    dossier = draft(citizen)
    services.save_draft(dossier, citizen, {"request": {"request": "Xin cấp giấy phép"}})
    dossier.refresh_from_db()
    before = (dossier.form_data, dossier.updated_at)
    slot_id = services.active_document_slots(dossier)[1]["id"]
    response = english.post(
        step_url(dossier), {"slot_id": slot_id, "file": upload("virus.pdf", exe_bytes())}
    )
    assert response.status_code == 400
    section = slot_section(response.content.decode(), slot_id)
    assert "The content of “virus.pdf” is not a PDF file" in section
    assert 'class="field__error"' in section
    dossier.refresh_from_db()
    assert (dossier.form_data, dossier.updated_at) == before
    assert not StoredDocument.objects.exists()
    assert files_in(private_root) == []


@pytest.mark.parametrize(
    ("name", "content", "message", "status"),
    [
        ("trong.pdf", b"", "is empty", 400),
        ("anh.pdf", png_bytes(), "is not a PDF file", 400),
        # Stopped while the body is read (dossiers.documents.limits): 413.
        ("lon.pdf", pdf_bytes() + b"0" * (10 * 1024 * 1024), "larger than 10 MB", 413),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(
    english, citizen, name, content, message, status
):
    dossier = draft(citizen)
    slot_id = services.active_document_slots(dossier)[0]["id"]
    response = english.post(step_url(dossier), {"slot_id": slot_id, "file": upload(name, content)})
    assert response.status_code == status
    section = slot_section(response.content.decode(), slot_id)
    assert name in section and message in section
    assert not DossierDocument.objects.exists()


def test_a_request_body_beyond_the_slots_limits_is_refused_before_it_is_read(english, citizen):
    dossier = draft(citizen)
    response = english.post(
        step_url(dossier),
        {"slot_id": "doc-1", "file": upload("a.pdf", pdf_bytes())},
        CONTENT_LENGTH=str(uploads.HARD_CAP_BYTES * 2),
    )
    assert response.status_code == 413
    assert "larger than 10 MB, the limit for this document" in response.content.decode()
    assert not StoredDocument.objects.exists()


def test_a_post_without_a_file_or_with_an_unknown_slot_is_refused(english, citizen):
    dossier = draft(citizen)
    slot_id = services.active_document_slots(dossier)[0]["id"]
    no_file = english.post(step_url(dossier), {"slot_id": slot_id})
    assert no_file.status_code == 400
    assert "Choose a file to upload." in slot_section(no_file.content.decode(), slot_id)
    unknown = english.post(
        step_url(dossier), {"slot_id": "doc-999", "file": upload("a.pdf", pdf_bytes())}
    )
    assert unknown.status_code == 400
    assert "no such document" in unknown.content.decode()
    assert not StoredDocument.objects.exists()


def test_someone_elses_draft_is_404_and_nothing_is_stored(english, citizen, other, private_root):
    theirs = draft(other)
    slot_id = services.active_document_slots(theirs)[0]["id"]
    assert english.get(step_url(theirs)).status_code == 404
    response = english.post(
        step_url(theirs), {"slot_id": slot_id, "file": upload("a.pdf", pdf_bytes())}
    )
    assert response.status_code == 404
    assert english.get(f"/dossiers/drafts/{uuid.uuid4()}/documents/").status_code == 404
    assert not StoredDocument.objects.exists()
    assert files_in(private_root) == []


def test_anonymous_visitors_are_sent_to_log_in(client, other):
    dossier = draft(other)
    response = client.get(step_url(dossier))
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/vneid/login/?next=")


def test_reusing_through_the_page(english, citizen, other):
    mine = uploads.store_upload(citizen, upload("cccd.pdf", pdf_bytes()), **ANY)
    theirs = uploads.store_upload(other, upload("cua-binh.pdf", pdf_bytes()), **ANY)
    dossier = draft(citizen)
    slot_id = services.active_document_slots(dossier)[0]["id"]

    refused = english.post(
        step_url(dossier), {"action": "reuse", "slot_id": slot_id, "stored": theirs.public_id}
    )
    assert refused.status_code == 400
    assert "not found in your documents" in slot_section(refused.content.decode(), slot_id)
    assert not DossierDocument.objects.exists()

    for _ in range(2):  # a double click attaches once
        done = english.post(
            step_url(dossier), {"action": "reuse", "slot_id": slot_id, "stored": mine.public_id}
        )
        assert done.status_code == 302
    document = DossierDocument.objects.get(dossier=dossier)
    assert document.reused is True and document.stored == mine


def test_removing_through_the_page(english, citizen, other):
    dossier = draft(citizen)
    slot_id = services.active_document_slots(dossier)[0]["id"]
    document = uploads.attach_upload(dossier, citizen, slot_id, upload("a.pdf", pdf_bytes()))
    response = english.post(
        step_url(dossier), {"action": "remove", "slot_id": slot_id, "document": document.pk}
    )
    assert response.status_code == 302
    assert not DossierDocument.objects.filter(pk=document.pk).exists()
    assert StoredDocument.objects.filter(pk=document.stored_id).exists()


def test_after_submission_the_step_refuses_changes(english, citizen):
    dossier = draft(citizen)
    services.save_draft(
        dossier,
        citizen,
        {
            "applicant": {**dossier.form_data["applicant"], "address": "12 Lê Lợi"},
            "request": {"request": "Xin cấp giấy phép"},
        },
    )
    dossier.refresh_from_db()
    for slot in services.missing_documents(dossier):
        uploads.attach_upload(dossier, citizen, slot["id"], upload("giay-to.pdf", pdf_bytes()))
    submitted = services.submit(dossier, citizen, idempotency_key="k-docs", consent=True)
    assert submitted.status == Status.SUBMITTED
    attached = submitted.documents.count()
    slot_id = services.active_document_slots(submitted)[0]["id"]

    page = english.get(step_url(submitted))
    assert page.status_code == 200
    assert '<input type="file"' not in page.content.decode()
    assert "can no longer be changed" in page.content.decode()

    response = english.post(
        step_url(submitted), {"slot_id": slot_id, "file": upload("muon.pdf", pdf_bytes())}
    )
    assert response.status_code == 409
    assert "already been submitted" in response.content.decode()
    first = submitted.documents.first()
    removed = english.post(
        step_url(submitted), {"action": "remove", "slot_id": slot_id, "document": first.pk}
    )
    assert removed.status_code == 409
    assert submitted.documents.count() == attached
    assert not StoredDocument.objects.filter(original_name="muon.pdf").exists()


# --- downloading ---------------------------------------------------------------------------------


def test_the_owner_downloads_the_exact_bytes_as_an_attachment(english, citizen):
    content = pdf_bytes("bản gốc")
    stored = uploads.store_upload(citizen, upload("Giấy khai sinh.pdf", content), **ANY)
    response = english.get(f"/documents/{stored.public_id}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert hashlib.sha256(content).hexdigest() == stored.sha256
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh.pdf" in response["Content-Disposition"]
    assert 'filename="Giay khai sinh.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_a_traversal_name_is_a_harmless_download_name(english, citizen):
    stored = uploads.store_upload(citizen, upload('../../etc/pass"wd.pdf', pdf_bytes()), **ANY)
    response = english.get(f"/documents/{stored.public_id}/")
    assert response["Content-Disposition"] == (
        "attachment; filename=\"pass_wd.pdf\"; filename*=UTF-8''pass_wd.pdf"
    )


def test_nobody_else_can_download_and_nothing_confirms_existence(english, citizen, other, client):
    theirs = uploads.store_upload(other, upload("cua-binh.pdf", pdf_bytes()), **ANY)
    url = f"/documents/{theirs.public_id}/"
    assert english.get(url).status_code == 404  # another citizen
    assert english.get(f"/documents/{uuid.uuid4()}/").status_code == 404  # a guess
    assert english.get("/documents/1/").status_code == 404  # not even a uuid

    official = make_official()
    client.force_login(official)
    assert client.get(url).status_code == 404
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/auth/vneid/login/?next=")
    assert english.post(f"/documents/{theirs.public_id}/").status_code == 405


def test_a_missing_file_is_404_not_an_error(english, citizen, private_root):
    stored = uploads.store_upload(citizen, upload("a.pdf", pdf_bytes()), **ANY)
    for path in files_in(private_root):
        path.unlink()
    assert english.get(f"/documents/{stored.public_id}/").status_code == 404


# --- My documents on the account page ------------------------------------------------------------


def test_the_account_page_lists_my_documents_only(english, citizen, other):
    empty = english.get("/account/").content.decode()
    assert "You have no documents yet." in empty
    mine = uploads.store_upload(citizen, upload("cccd-mat-truoc.jpg", _jpeg()), **ANY)
    theirs = uploads.store_upload(other, upload("cua-binh.pdf", pdf_bytes()), **ANY)
    html = english.get("/account/").content.decode()
    section = re.search(r'<section[^>]*id="documents".*?</section>', html, re.S).group(0)
    assert "Căn cước công dân" in section
    assert "cccd-mat-truoc.jpg" in section
    assert f'href="/documents/{mine.public_id}/"' in section
    assert "Uploaded by the citizen" in section
    assert re.search(r"\d+(\.\d+)?\s(bytes|KB)", section)
    assert str(theirs.public_id) not in html and "cua-binh" not in html
    # the rest of the page is still there
    assert 'id="identity"' in html and 'id="contact"' in html


def _jpeg() -> bytes:
    from tests.fixtures.documents import jpeg_bytes

    return jpeg_bytes()
