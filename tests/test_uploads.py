"""Uploads and the documents of a draft, through the services the pages and the API call."""

from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path

import pytest

from dossiers import services, uploads
from dossiers.models import DossierDocument, Status, StoredDocument
from procedures.models import Agency
from tests.fixtures import upload_setup
from tests.fixtures.documents import (
    exe_bytes,
    jpeg_bytes,
    make_citizen,
    make_official,
    pdf_bytes,
    png_bytes,
    upload,
)
from tests.fixtures.upload_setup import draft, files_in

pytestmark = pytest.mark.django_db

PDF_ONLY = {"accept": ["pdf"], "max_size_mb": 10, "title": "Giấy khai sinh"}
ANY = {"accept": ["pdf", "jpeg", "png"], "max_size_mb": 10, "title": "Ảnh chụp"}
PLAIN = "1.001766"  # generated form (no detailed JSON), no cases
WITH_CASES = "1.000020"  # two cases, each with its own documents


# Shared (tests/fixtures/upload_setup.py): private storage per test.
private_root = upload_setup.private_root


@pytest.fixture
def citizen():
    return make_citizen()


@pytest.fixture
def other():
    return make_citizen(full_name="Trần Thị Bình")


def first_slot(dossier) -> str:
    return services.active_document_slots(dossier)[0]["id"]


# --- storing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "content_type", "suffix"),
    [
        ("giay-khai-sinh.pdf", pdf_bytes, "application/pdf", ".pdf"),
        ("anh chup.JPG", jpeg_bytes, "image/jpeg", ".jpg"),
        ("so-do.jpeg", jpeg_bytes, "image/jpeg", ".jpg"),
        ("ban-ve.png", png_bytes, "image/png", ".png"),
    ],
)
def test_a_valid_file_is_stored_privately_under_a_generated_name(
    citizen, private_root, settings, name, make, content_type, suffix
):
    content = make()
    stored = uploads.store_upload(citizen, upload(name, content), **ANY)

    assert re.fullmatch(r"[0-9a-f]{32}" + re.escape(suffix), stored.storage_name)
    path = private_root / stored.storage_name[:2] / stored.storage_name
    assert path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert files_in(private_root) == [path]  # no temporary file left behind
    assert not path.resolve().is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not path.resolve().is_relative_to(Path(settings.BASE_DIR, "static").resolve())
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    assert stored.content_type == content_type
    assert stored.original_name == name
    assert stored.owner == citizen and stored.source == StoredDocument.Source.UPLOAD
    with uploads.open_stored(stored) as handle:
        assert handle.read() == content


def test_an_executable_renamed_pdf_is_refused_by_its_content(citizen, private_root):
    with pytest.raises(services.DossierError) as refused:
        uploads.store_upload(citizen, upload("to-khai.pdf", exe_bytes()), **PDF_ONLY)
    assert "to-khai.pdf" in refused.value.message
    assert "PDF" in refused.value.message
    assert refused.value.errors["file"] == refused.value.message
    assert not StoredDocument.objects.exists()
    assert files_in(private_root) == []


def test_a_png_named_pdf_is_refused(citizen, private_root):
    with pytest.raises(services.DossierError, match="anh.pdf"):
        uploads.store_upload(citizen, upload("anh.pdf", png_bytes()), **ANY)
    assert not StoredDocument.objects.exists()
    assert files_in(private_root) == []


def test_a_jpeg_named_png_is_refused(citizen):
    with pytest.raises(services.DossierError, match="PNG"):
        uploads.store_upload(citizen, upload("anh.png", jpeg_bytes()), **ANY)


def test_an_empty_file_is_refused(citizen, private_root):
    with pytest.raises(services.DossierError, match="không có nội dung") as refused:
        uploads.store_upload(citizen, upload("trong.pdf", b""), **PDF_ONLY)
    assert "trong.pdf" in refused.value.message
    assert files_in(private_root) == []


def test_a_file_larger_than_the_slot_limit_is_refused(citizen, private_root):
    content = pdf_bytes() + b"0" * (1024 * 1024)
    with pytest.raises(services.DossierError, match="1 MB"):
        uploads.store_upload(
            citizen, upload("lon.pdf", content), accept=["pdf"], max_size_mb=1, title="x"
        )
    assert files_in(private_root) == []


def test_the_hard_cap_applies_whatever_the_slot_allows(citizen, private_root):
    content = pdf_bytes() + b"0" * uploads.HARD_CAP_BYTES
    with pytest.raises(services.DossierError, match="50 MB"):
        uploads.store_upload(
            citizen, upload("rat-lon.pdf", content), accept=["pdf"], max_size_mb=500, title="x"
        )
    assert files_in(private_root) == []


def test_a_file_that_lies_about_its_size_is_stopped_while_copying(citizen, private_root):
    big = upload("noi-doi.pdf", pdf_bytes() + b"0" * (2 * 1024 * 1024))
    big.size = 100  # what a misbehaving client or handler might claim
    with pytest.raises(services.DossierError, match="1 MB"):
        uploads.store_upload(citizen, big, accept=["pdf"], max_size_mb=1, title="x")
    assert files_in(private_root) == []
    assert not StoredDocument.objects.exists()


@pytest.mark.parametrize("name", ["anh.png", "tai-lieu", "tai-lieu.exe", ".pdf", "a.pdf.exe"])
def test_an_extension_not_accepted_is_refused(citizen, name):
    with pytest.raises(services.DossierError, match="PDF"):
        uploads.store_upload(citizen, upload(name, pdf_bytes()), **PDF_ONLY)


def test_path_parts_and_control_characters_are_only_display_text(citizen, private_root):
    stored = uploads.store_upload(citizen, upload("../../etc/passwd.pdf", pdf_bytes()), **ANY)
    assert stored.original_name == "passwd.pdf"
    assert files_in(private_root) == [private_root / stored.storage_name[:2] / stored.storage_name]
    assert not Path("/etc/passwd.pdf").exists()

    weird = "..\\..\\windows\\x\u202egpj.\x00\x1b[31mbao-cao" + "a" * 400 + ".pdf"
    assert uploads.display_name(weird).startswith("xgpj.[31mbao-cao")
    assert "\u202e" not in uploads.display_name(weird)
    assert len(uploads.display_name(weird)) == 255
    assert uploads.display_name("/") == "document"


def test_two_uploads_never_share_a_storage_name(citizen):
    one = uploads.store_upload(citizen, upload("a.pdf", pdf_bytes("một")), **ANY)
    two = uploads.store_upload(citizen, upload("a.pdf", pdf_bytes("hai")), **ANY)
    assert one.storage_name != two.storage_name
    assert one.sha256 != two.sha256
    # The same content again is the same stored document (tests/test_store_dedupe.py).
    assert uploads.store_upload(citizen, upload("b.pdf", pdf_bytes("một")), **ANY) == one


# --- attaching to a draft ----------------------------------------------------------------------


def test_attach_upload_stores_and_attaches_to_an_active_slot(citizen, private_root):
    dossier = draft(citizen)
    slot = first_slot(dossier)
    document = uploads.attach_upload(dossier, citizen, slot, upload("to-khai.pdf", pdf_bytes()))
    assert document.dossier == dossier and document.slot_id == slot
    assert document.reused is False
    assert document.stored.owner == citizen
    assert document.stored.title == services.active_document_slots(dossier)[0]["name"][:255]
    assert len(files_in(private_root)) == 1


def test_a_slot_not_in_the_draft_is_refused(citizen, private_root):
    dossier = draft(citizen, WITH_CASES, case="case_1")
    active = {slot["id"] for slot in services.active_document_slots(dossier)}
    other_case = next(s["id"] for s in dossier.form_schema["documents"] if s["id"] not in active)
    for slot_id in ["doc-999", other_case, "../doc-1"]:
        with pytest.raises(services.DossierError) as refused:
            uploads.attach_upload(dossier, citizen, slot_id, upload("a.pdf", pdf_bytes()))
        assert "slot_id" in refused.value.errors
    assert not DossierDocument.objects.exists()
    assert not StoredDocument.objects.exists()
    assert files_in(private_root) == []


def test_only_the_chosen_case_has_slots(citizen):
    dossier = draft(citizen, WITH_CASES, case="case_2")
    slots = services.active_document_slots(dossier)
    assert slots and all(slot.get("case") in (None, "case_2") for slot in slots)
    uploads.attach_upload(dossier, citizen, slots[0]["id"], upload("a.pdf", pdf_bytes()))


def test_someone_elses_draft_is_refused_and_nothing_is_stored(citizen, other, private_root):
    dossier = draft(other)
    with pytest.raises(services.DossierError):
        uploads.attach_upload(dossier, citizen, first_slot(dossier), upload("a.pdf", pdf_bytes()))
    assert not StoredDocument.objects.exists()
    assert files_in(private_root) == []


def test_a_refused_file_leaves_the_draft_unchanged(citizen, private_root):
    dossier = draft(citizen)
    before = dossier.form_data
    with pytest.raises(services.DossierError):
        uploads.attach_upload(dossier, citizen, first_slot(dossier), upload("x.pdf", exe_bytes()))
    dossier.refresh_from_db()
    assert dossier.form_data == before
    assert not dossier.documents.exists()
    assert files_in(private_root) == []


def test_a_slot_limit_and_types_come_from_the_schema(citizen):
    dossier = draft(citizen)
    slot = dossier.form_schema["documents"][0]
    slot["accept"], slot["max_size_mb"] = ["png"], 0.001
    dossier.save()
    with pytest.raises(services.DossierError, match="PNG"):
        uploads.attach_upload(dossier, citizen, slot["id"], upload("a.pdf", pdf_bytes()))
    with pytest.raises(services.DossierError, match="0.001 MB"):
        uploads.attach_upload(
            dossier, citizen, slot["id"], upload("a.png", png_bytes() + b"\0" * 2000)
        )


# --- reusing from the document store ------------------------------------------------------------


def test_reusing_ones_own_document_attaches_it_as_reused_once(citizen):
    stored = uploads.store_upload(citizen, upload("cccd.pdf", pdf_bytes()), **ANY)
    dossier = draft(citizen)
    slot = first_slot(dossier)
    document = uploads.reuse_document(dossier, citizen, slot, str(stored.public_id))
    assert document.reused is True and document.stored == stored
    again = uploads.reuse_document(dossier, citizen, slot, stored.public_id)
    assert again.pk == document.pk
    assert dossier.documents.count() == 1
    assert StoredDocument.objects.count() == 1  # reusing copies nothing


def test_someone_elses_document_is_not_found(citizen, other):
    theirs = uploads.store_upload(other, upload("cua-binh.pdf", pdf_bytes()), **ANY)
    dossier = draft(citizen)
    with pytest.raises(services.DossierError) as refused:
        uploads.reuse_document(dossier, citizen, first_slot(dossier), theirs.public_id)
    with pytest.raises(services.DossierError) as unknown:
        uploads.reuse_document(dossier, citizen, first_slot(dossier), "not-a-uuid")
    assert refused.value.message == unknown.value.message  # no hint that it exists
    assert "cua-binh" not in refused.value.message
    assert not DossierDocument.objects.exists()


def test_a_stored_document_of_a_refused_type_cannot_be_reused(citizen):
    photo = uploads.store_upload(citizen, upload("anh.png", png_bytes()), **ANY)
    dossier = draft(citizen)
    dossier.form_schema["documents"][0]["accept"] = ["pdf"]
    dossier.save()
    with pytest.raises(services.DossierError, match="PDF"):
        uploads.reuse_document(
            dossier, citizen, dossier.form_schema["documents"][0]["id"], photo.public_id
        )
    assert not DossierDocument.objects.exists()


def test_detach_removes_the_attachment_but_keeps_the_stored_file(citizen, other):
    dossier = draft(citizen)
    document = uploads.attach_upload(
        dossier, citizen, first_slot(dossier), upload("a.pdf", pdf_bytes())
    )
    with pytest.raises(services.DossierError):
        uploads.detach(dossier, other, document.pk)
    with pytest.raises(services.DossierError):
        uploads.detach(dossier, citizen, "abc")
    uploads.detach(dossier, citizen, document.pk)
    assert not dossier.documents.exists()
    assert StoredDocument.objects.filter(pk=document.stored_id).exists()


def test_a_submitted_dossier_refuses_document_changes(citizen):
    dossier = draft(citizen)
    document = uploads.attach_upload(
        dossier, citizen, first_slot(dossier), upload("a.pdf", pdf_bytes())
    )
    stored = document.stored
    services.Dossier.objects.filter(pk=dossier.pk).update(status=Status.SUBMITTED, code="X-1")
    dossier.refresh_from_db()
    with pytest.raises(services.Conflict):
        uploads.attach_upload(dossier, citizen, first_slot(dossier), upload("b.pdf", pdf_bytes()))
    with pytest.raises(services.Conflict):
        uploads.reuse_document(dossier, citizen, first_slot(dossier), stored.public_id)
    with pytest.raises(services.Conflict):
        uploads.detach(dossier, citizen, document.pk)
    assert dossier.documents.count() == 1
    assert StoredDocument.objects.count() == 1


def test_a_stale_draft_object_is_rechecked_under_the_lock(citizen, private_root):
    dossier = draft(citizen)
    services.Dossier.objects.filter(pk=dossier.pk).update(status=Status.SUBMITTED, code="X-2")
    # ``dossier`` still says draft: the file is checked and written, then the locked row wins.
    with pytest.raises(services.Conflict):
        uploads.attach_upload(dossier, citizen, first_slot(dossier), upload("a.pdf", pdf_bytes()))
    assert not StoredDocument.objects.exists()
    assert files_in(private_root) == []


# --- who may read -------------------------------------------------------------------------------


def test_only_the_owner_reads_a_stored_document(citizen, other, django_user_model):
    stored = uploads.store_upload(citizen, upload("a.pdf", pdf_bytes()), **ANY)
    assert uploads.can_read(citizen.user, stored)
    assert not uploads.can_read(other.user, stored)
    assert not uploads.can_read(make_official(), stored)
    admin = django_user_model.objects.create_superuser("root", password="x")
    assert not uploads.can_read(admin, stored)  # the store is personal


def test_officials_of_the_handling_agency_read_a_submitted_dossiers_documents(citizen):
    dossier = draft(citizen)
    document = uploads.attach_upload(
        dossier, citizen, first_slot(dossier), upload("a.pdf", pdf_bytes())
    )
    official = make_official(dossier.receiving_agency.code)
    official.is_verified = lambda: True  # passed the one-time code in this session
    another = Agency.objects.filter(level=Agency.Level.COMMUNE).exclude(
        pk=dossier.receiving_agency_id
    )
    elsewhere = make_official(another.first().code)
    elsewhere.is_verified = lambda: True
    assert uploads.can_read(citizen.user, document)
    assert not uploads.can_read(official, document)  # a draft is private
    services.Dossier.objects.filter(pk=dossier.pk).update(status=Status.SUBMITTED, code="X-3")
    document.refresh_from_db()
    assert uploads.can_read(official, document)
    assert not uploads.can_read(elsewhere, document)
    official.is_verified = lambda: False
    assert not uploads.can_read(official, document)
    assert not uploads.can_read(official, document.stored)
