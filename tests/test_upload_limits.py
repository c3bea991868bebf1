"""The upload size limit is the slot's, enforced before and while the body is read, the same in
the page and the API; a refused upload leaves the draft as it was."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory

from dossiers import services, uploads
from dossiers.documents import limits as upload_limits
from dossiers.models import DossierDocument, StoredDocument
from tests.fixtures import hostile, upload_setup
from tests.fixtures.upload_setup import filled_draft, state

pytestmark = pytest.mark.django_db

# Shared fixtures (tests/fixtures/upload_setup.py): private storage per test, signed-in citizen.
citizen = upload_setup.citizen
private_root = upload_setup.private_root

MB = 1024 * 1024
BOUNDARY = "ranh-gioi"


def padded_pdf(size: int) -> bytes:
    """A valid one-page PDF of about ``size`` bytes (an uncompressed stream of spaces)."""
    base = len(hostile.one_page_pdf())
    padding = max(size - base - 200, 0)
    return hostile.one_page_pdf(b"/Padding 4 0 R ", [hostile.stream(b" " * padding)])


def small_slot_draft(citizen, max_size_mb: float = 1):
    return filled_draft(citizen, max_size_mb=max_size_mb)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def snapshot(dossier) -> tuple:
    form_data, _updated, documents, stored, _files = state(dossier, Path("/nonexistent"))
    return form_data, documents, stored


def step_url(dossier, slot_id: str = "") -> str:
    query = f"?slot={slot_id}" if slot_id else ""
    return f"/dossiers/drafts/{dossier.public_id}/documents/{query}"


# --- the page -----------------------------------------------------------------------------------


def test_the_page_shows_the_limit_it_enforces(client, citizen):
    dossier, slot_id = small_slot_draft(citizen, max_size_mb=1)
    page = client.get(step_url(dossier)).content.decode()
    assert "tối đa 1 MB" in page or "up to 1 MB" in page
    assert f"?slot={slot_id}#slot-{slot_id}" in page  # the upload form names its slot
    fits = client.post(
        step_url(dossier, slot_id),
        {"slot_id": slot_id, "file": upload("vua.pdf", padded_pdf(MB - 4096))},
    )
    assert fits.status_code == 302
    assert dossier.documents.filter(slot_id=slot_id).count() == 1


def test_a_body_announced_beyond_the_slot_limit_is_refused_before_it_is_read(client, citizen):
    dossier, slot_id = small_slot_draft(citizen, max_size_mb=1)
    before = snapshot(dossier)
    # The real body is small: had the view read CONTENT_LENGTH bytes, the test client would fail.
    response = client.post(
        step_url(dossier, slot_id),
        {"slot_id": slot_id, "file": upload("a.pdf", hostile.one_page_pdf())},
        CONTENT_LENGTH=str(MB + upload_limits.MULTIPART_MARGIN_BYTES + 1),
    )
    assert response.status_code == 413
    html = response.content.decode()
    error = html.split(f'id="slot-{slot_id}-error"')[1].split("</p>")[0]
    assert "1 MB" in error
    assert snapshot(dossier) == before


def test_a_file_beyond_the_slot_limit_is_stopped_while_it_is_read(client, citizen):
    dossier, slot_id = small_slot_draft(citizen, max_size_mb=1)
    before = snapshot(dossier)
    content = padded_pdf(MB + 32 * 1024)  # within the margin: the announced length passes
    response = client.post(
        step_url(dossier, slot_id), {"slot_id": slot_id, "file": upload("qua-lon.pdf", content)}
    )
    assert response.status_code == 413
    error = response.content.decode().split(f'id="slot-{slot_id}-error"')[1].split("</p>")[0]
    assert "qua-lon.pdf" in error and "1 MB" in error
    assert snapshot(dossier) == before


def test_without_a_named_slot_the_largest_limit_of_the_draft_applies(client, citizen):
    dossier, slot_id = small_slot_draft(citizen, max_size_mb=1)
    largest = max(uploads.slot_max_size_mb(s) for s in services.active_document_slots(dossier))
    response = client.post(
        step_url(dossier),
        {"slot_id": slot_id, "file": upload("a.pdf", hostile.one_page_pdf())},
        CONTENT_LENGTH=str(int(largest * MB) + upload_limits.MULTIPART_MARGIN_BYTES + 1),
    )
    assert response.status_code == 413
    # Within the largest limit, the slot's own limit is applied while copying.
    response = client.post(
        step_url(dossier), {"slot_id": slot_id, "file": upload("b.pdf", padded_pdf(2 * MB))}
    )
    assert response.status_code == 400
    assert "1 MB" in response.content.decode()
    assert not dossier.documents.filter(slot_id=slot_id).exists()


# --- the streamed limit itself ------------------------------------------------------------------


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it was read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def multipart(file_bytes: bytes, part_length: int | None = None) -> bytes:
    declared = f"Content-Length: {part_length}\r\n" if part_length is not None else ""
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="slot_id"\r\n\r\ndoc-1\r\n'
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="lon.pdf"\r\n'
            f"Content-Type: application/pdf\r\n{declared}\r\n"
        ).encode()
        + file_bytes
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def parse_with_limit(body: bytes, limit: int):
    request = RequestFactory().post("/", data=b"", content_type="multipart/form-data")
    handler = upload_limits.guard(request, limit, "1")
    stream = CountingStream(body)
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(len(body)),
    }
    post, files = MultiPartParser(meta, stream, request.upload_handlers).parse()
    return handler, stream, post, files


@pytest.mark.parametrize("part_length", [None, 100])
def test_an_upload_whose_declared_size_understates_its_real_length_is_stopped(part_length):
    """The part may claim 100 bytes; what counts is what arrives. Reading stops at the limit,
    not at the end of the 3 MB body."""
    body = multipart(b"%PDF-" + b"0" * (3 * MB), part_length=part_length)
    handler, stream, post, files = parse_with_limit(body, MB)
    assert handler.exceeded_name == "lon.pdf"
    assert "file" not in files
    assert post["slot_id"] == "doc-1"
    assert stream.consumed < MB + 4 * handler.chunk_size  # not the 3 MB that were sent


def test_a_file_within_the_limit_goes_through_the_guard_unchanged():
    content = b"%PDF-" + bytes(range(256)) * 1000
    handler, stream, _post, files = parse_with_limit(multipart(content), MB)
    assert handler.exceeded_name == ""
    assert files["file"].read() == content


def test_the_copy_to_storage_stops_reading_at_the_limit_whatever_the_size_says(citizen):
    """The last line of defence: a file object whose ``size`` understates its length."""

    body = CountingStream(padded_pdf(5 * MB))
    liar = File(body, name="noi-doi.pdf")
    liar.size = 100
    with pytest.raises(services.DossierError, match="1 MB"):
        uploads.store_upload(citizen, liar, accept=["pdf"], max_size_mb=1, title="x")
    assert body.consumed <= MB + 2 * uploads.CHUNK  # not the 5 MB it holds
    assert not StoredDocument.objects.exists()


# --- the API ------------------------------------------------------------------------------------


def api_url(dossier, slot_id: str = "") -> str:
    query = f"?slot_id={slot_id}" if slot_id else ""
    return f"/api/v1/dossiers/{dossier.public_id}/documents/{query}"


def test_the_api_refuses_an_announced_oversized_body_before_reading_it(client, citizen):
    dossier, slot_id = small_slot_draft(citizen, max_size_mb=1)
    before = snapshot(dossier)
    response = client.post(
        api_url(dossier, slot_id),
        {"slot_id": slot_id, "file": upload("a.pdf", hostile.one_page_pdf())},
        CONTENT_LENGTH=str(MB + upload_limits.MULTIPART_MARGIN_BYTES + 1),
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["status"] == 413 and "1 MB" in error["detail"]
    assert error["fields"]["file"] == [error["detail"]]
    assert snapshot(dossier) == before


def test_the_api_stops_reading_a_file_beyond_the_slot_limit(client, citizen):
    dossier, slot_id = small_slot_draft(citizen, max_size_mb=1)
    before = snapshot(dossier)
    response = client.post(
        api_url(dossier, slot_id),
        {"slot_id": slot_id, "file": upload("qua-lon.pdf", padded_pdf(MB + 32 * 1024))},
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert "qua-lon.pdf" in error["detail"] and "1 MB" in error["detail"]
    assert snapshot(dossier) == before
    assert not DossierDocument.objects.filter(slot_id=slot_id).exists()


def test_the_api_accepts_a_file_within_the_limit(client, citizen):
    dossier, slot_id = small_slot_draft(citizen, max_size_mb=1)
    response = client.post(
        api_url(dossier), {"slot_id": slot_id, "file": upload("vua.pdf", padded_pdf(MB - 4096))}
    )
    assert response.status_code == 201, response.content
    assert response.json()["slot_id"] == slot_id


def test_an_unknown_dossier_still_answers_404_not_413(client, citizen):
    response = client.post(
        "/api/v1/dossiers/00000000-0000-0000-0000-000000000000/documents/",
        {"slot_id": "doc-1", "file": upload("a.pdf", hostile.one_page_pdf())},
    )
    assert response.status_code == 404
