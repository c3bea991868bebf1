"""The document store lists each content once (page, account page, API), and uploading a file
identical to one already stored reuses that stored document instead of keeping it twice."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone

from dossiers import services, uploads
from dossiers.models import StoredDocument
from procedures.models import Procedure
from tests.fixtures import upload_setup
from tests.fixtures.documents import make_citizen, pdf_bytes, png_bytes, upload
from tests.fixtures.upload_setup import PLAIN

pytestmark = pytest.mark.django_db

# Shared fixtures (tests/fixtures/upload_setup.py): private storage per test, signed-in citizen.
citizen = upload_setup.citizen
private_root = upload_setup.private_root

ANY = {"accept": ["pdf", "jpeg", "png"], "max_size_mb": 10}


def files_in(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def three_copies_from_before(citizen) -> list[StoredDocument]:
    """What the store holds when the same file was uploaded three times before uploads were
    deduplicated: three rows, three files, one content; the last one is the newest."""
    rows = []
    for index, title in enumerate(["Giấy khai sinh", "Bản sao khai sinh", "Khai sinh (mới)"]):
        stored = uploads.store_upload(
            citizen, upload(f"ks-{index}.pdf", pdf_bytes(f"bản {index}")), title=title, **ANY
        )
        rows.append(stored)
    digest = rows[0].sha256
    moment = timezone.now() - datetime.timedelta(days=3)
    for index, stored in enumerate(rows):  # same content, older to newer
        StoredDocument.objects.filter(pk=stored.pk).update(
            sha256=digest, created_at=moment + datetime.timedelta(days=index)
        )
    return [StoredDocument.objects.get(pk=stored.pk) for stored in rows]


def test_the_same_file_uploaded_three_times_is_stored_once(citizen, private_root):
    first = uploads.store_upload(citizen, upload("cccd.pdf", pdf_bytes()), title="CCCD", **ANY)
    again = uploads.store_upload(citizen, upload("cccd (1).pdf", pdf_bytes()), title="x", **ANY)
    third = uploads.store_upload(citizen, upload("scan.pdf", pdf_bytes()), title="y", **ANY)
    assert first == again == third
    assert StoredDocument.objects.count() == 1
    assert len(files_in(private_root)) == 1  # the new copies were removed
    other = uploads.store_upload(citizen, upload("anh.png", png_bytes()), title="Ảnh", **ANY)
    assert other != first and StoredDocument.objects.count() == 2


def test_identical_content_of_another_person_is_not_shared(citizen):
    mine = uploads.store_upload(citizen, upload("a.pdf", pdf_bytes()), title="A", **ANY)
    theirs = uploads.store_upload(make_citizen(), upload("a.pdf", pdf_bytes()), title="A", **ANY)
    assert mine != theirs and mine.storage_name != theirs.storage_name


def test_a_stored_document_whose_file_is_gone_is_not_reused(citizen, private_root):
    first = uploads.store_upload(citizen, upload("a.pdf", pdf_bytes()), title="A", **ANY)
    uploads.path_of(first.storage_name).unlink()
    second = uploads.store_upload(citizen, upload("a.pdf", pdf_bytes()), title="A", **ANY)
    assert second != first
    assert uploads.path_of(second.storage_name).exists()


def test_an_identical_upload_to_a_slot_attaches_the_stored_document_as_an_upload(
    citizen, private_root
):
    stored = uploads.store_upload(citizen, upload("cccd.pdf", pdf_bytes()), title="CCCD", **ANY)
    dossier = services.start_draft(citizen, Procedure.objects.get(national_code=PLAIN))
    slot = services.active_document_slots(dossier)[0]["id"]
    document = uploads.attach_upload(dossier, citizen, slot, upload("lai.pdf", pdf_bytes()))
    assert document.stored == stored
    assert document.reused is False  # the citizen uploaded it: not counted as reused
    assert StoredDocument.objects.count() == 1
    assert len(files_in(private_root)) == 1
    # The same file to the same slot again: still one attachment.
    again = uploads.attach_upload(dossier, citizen, slot, upload("lai.pdf", pdf_bytes()))
    assert again.pk == document.pk and dossier.documents.count() == 1


def test_the_store_lists_each_content_once_with_the_latest_title(citizen):
    old, middle, newest = three_copies_from_before(citizen)
    photo = uploads.store_upload(citizen, upload("anh.png", png_bytes()), title="Ảnh", **ANY)
    listed = list(uploads.stored_documents_of(citizen))
    assert listed == [photo, newest]
    assert newest.title == "Khai sinh (mới)"


def test_the_documents_page_offers_each_content_once(client, citizen):
    old, middle, newest = three_copies_from_before(citizen)
    dossier = services.start_draft(citizen, Procedure.objects.get(national_code=PLAIN))
    slot = services.active_document_slots(dossier)[0]["id"]
    html = client.get(f"/dossiers/drafts/{dossier.public_id}/documents/").content.decode()
    section = re.search(rf'<section[^>]*id="slot-{slot}".*?</section>', html, re.S).group(0)
    options = re.findall(r'<option value="([0-9a-f-]{36})">', section)
    assert options == [str(newest.public_id)]
    assert "Khai sinh (mới)" in section and "Bản sao khai sinh" not in section


def test_the_account_page_lists_each_content_once(client, citizen):
    old, middle, newest = three_copies_from_before(citizen)
    html = client.get("/account/").content.decode()
    assert str(newest.public_id) in html
    assert str(old.public_id) not in html and str(middle.public_id) not in html


def test_the_api_lists_each_content_once(client, citizen):
    old, middle, newest = three_copies_from_before(citizen)
    body = client.get("/api/v1/documents/").json()
    items = body["results"] if isinstance(body, dict) else body
    assert [item["id"] for item in items] == [str(newest.public_id)]
    assert items[0]["title"] == "Khai sinh (mới)"
