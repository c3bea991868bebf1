"""Hostile files are refused through the page and the API, each with a Vietnamese message naming
the file, and the draft keeps its data; ordinary PDFs, JPEGs and PNGs still pass; the antivirus
hook, when switched on, refuses what clamd finds and fails closed when clamd cannot answer."""

from __future__ import annotations

import socket

import pytest

from dossiers import pdf, services
from tests.fixtures import hostile, upload_setup
from tests.fixtures.clamd import EICAR, address_of, running_clamd
from tests.fixtures.upload_setup import file, filled_draft, state

pytestmark = pytest.mark.django_db

# Shared fixtures (tests/fixtures/upload_setup.py): private storage per test, signed-in citizen.
citizen = upload_setup.citizen
private_root = upload_setup.private_root

HOSTILE = [
    ("kich-ban.pdf", hostile.pdf_with_javascript_name_tree, "nội dung chủ động"),
    ("mo-ra-chay.pdf", hostile.pdf_with_open_action_javascript, "nội dung chủ động"),
    ("khoi-chay.pdf", hostile.pdf_with_launch, "nội dung chủ động"),
    ("trang-an.pdf", hostile.pdf_with_page_aa_launch, "nội dung chủ động"),
    ("dinh-kem.pdf", hostile.pdf_with_embedded_file, "nội dung chủ động"),
    ("xfa.pdf", hostile.pdf_with_xfa, "nội dung chủ động"),
    ("ma-hoa.pdf", hostile.encrypted_pdf, "mật khẩu"),
    ("bom.pdf", hostile.flate_bomb_pdf, "giải nén"),
    ("hong.pdf", hostile.not_a_pdf_structure, "không phải là tệp PDF đọc được"),
    ("cat-doi.png", hostile.truncated_png, "bị hỏng"),
    ("sai-crc.png", hostile.png_with_bad_crc, "bị hỏng"),
    ("khong-lo.png", hostile.huge_pixel_png, "quá nhiều điểm ảnh"),
    ("gia-jpeg.jpg", hostile.png_named_jpeg_with_jpeg_magic, "bị hỏng"),
]
ORDINARY = [
    ("bien-nhan.pdf", lambda: pdf.render_pdf("pdf/receipt.html", {})),  # WeasyPrint
    ("ban-quet.pdf", lambda: hostile.scanned_pdf(pages=4)),
    ("mo-trang-1.pdf", hostile.pdf_with_goto_open_action),
    ("anh.jpg", lambda: hostile.jpeg_bytes(size=(1200, 900))),
    ("anh.png", hostile.png_bytes),
]


@pytest.fixture(autouse=True)
def antivirus_off(settings):
    settings.UPLOAD_ANTIVIRUS = ""


@pytest.fixture
def filled(citizen):
    return filled_draft(citizen)


def post_page(client, dossier, slot_id: str, name: str, content: bytes):
    return client.post(
        f"/dossiers/drafts/{dossier.public_id}/documents/?slot={slot_id}",
        {"action": "upload", "slot_id": slot_id, "file": file(name, content)},
    )


def post_api(client, dossier, slot_id: str, name: str, content: bytes):
    return client.post(
        f"/api/v1/dossiers/{dossier.public_id}/documents/",
        {"slot_id": slot_id, "file": file(name, content)},
    )


def slot_error(html: str, slot_id: str) -> str:
    marker = f'id="slot-{slot_id}-error">'
    assert marker in html, "no error next to the slot"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize(("name", "make", "words"), HOSTILE, ids=[row[0] for row in HOSTILE])
def test_the_page_refuses_a_hostile_file_and_keeps_the_draft(
    client, filled, private_root, name, make, words
):
    dossier, slot_id = filled
    before = state(dossier, private_root)
    response = post_page(client, dossier, slot_id, name, make())
    assert response.status_code == 400
    error = slot_error(response.content.decode(), slot_id)
    assert name in error and words in error
    assert state(dossier, private_root) == before


@pytest.mark.parametrize(("name", "make", "words"), HOSTILE, ids=[row[0] for row in HOSTILE])
def test_the_api_refuses_a_hostile_file_and_keeps_the_draft(
    client, filled, private_root, name, make, words
):
    dossier, slot_id = filled
    before = state(dossier, private_root)
    response = post_api(client, dossier, slot_id, name, make())
    assert response.status_code == 400
    error = response.json()["error"]
    assert name in error["detail"] and words in error["detail"]
    assert error["fields"]["file"] == [error["detail"]]
    assert state(dossier, private_root) == before


@pytest.mark.parametrize(("name", "make"), ORDINARY, ids=[row[0] for row in ORDINARY])
def test_ordinary_documents_pass_through_the_page_and_the_api(client, filled, name, make):
    dossier, slot_id = filled
    content = make()
    assert post_page(client, dossier, slot_id, name, content).status_code == 302
    attached = dossier.documents.get(slot_id=slot_id)
    assert attached.stored.original_name == name
    response = post_api(
        client, dossier, services.active_document_slots(dossier)[1]["id"], name, content
    )
    assert response.status_code == 201, response.content


def test_a_check_that_runs_out_of_time_is_a_clear_refusal_not_a_500(
    client, filled, private_root, settings, monkeypatch, tmp_path
):
    from dossiers.documents import inspection

    slow = tmp_path / "slow.py"
    slow.write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setattr(inspection, "CHILD", slow)
    settings.UPLOAD_CHECK_TIMEOUT_SECONDS = 1
    dossier, slot_id = filled
    before = state(dossier, private_root)
    response = post_page(client, dossier, slot_id, "cham.pdf", hostile.one_page_pdf())
    assert response.status_code == 400
    assert "Không thể kiểm tra tệp “cham.pdf”" in slot_error(response.content.decode(), slot_id)
    assert state(dossier, private_root) == before


# --- the antivirus hook -------------------------------------------------------------------------


def test_with_clamd_on_a_clean_file_passes_and_a_virus_is_refused(
    client, filled, private_root, settings
):
    dossier, slot_id = filled
    with running_clamd() as clamd:
        settings.UPLOAD_ANTIVIRUS = "clamd"
        settings.CLAMD_ADDRESS = address_of(clamd)
        before = state(dossier, private_root)
        # EICAR inside an otherwise valid PDF (a comment line): the parser accepts it, clamd not.
        infected = hostile.one_page_pdf(extra_objects=[hostile.stream(EICAR)])
        response = post_page(client, dossier, slot_id, "nhiem.pdf", infected)
        assert response.status_code == 400
        assert "“nhiem.pdf” chứa virus" in slot_error(response.content.decode(), slot_id)
        assert state(dossier, private_root) == before
        api = post_api(client, dossier, slot_id, "nhiem.pdf", infected)
        assert api.status_code == 400 and "chứa virus" in api.json()["error"]["detail"]
        assert state(dossier, private_root) == before

        assert (
            post_page(client, dossier, slot_id, "sach.pdf", hostile.one_page_pdf()).status_code
            == 302
        )
        assert len(clamd.received) == 3  # every upload went through the scanner


def test_with_clamd_on_but_unreachable_the_upload_is_refused_for_now(
    client, filled, private_root, settings
):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.UPLOAD_ANTIVIRUS = "clamd"
    settings.CLAMD_ADDRESS = f"127.0.0.1:{port}"
    settings.CLAMD_TIMEOUT_SECONDS = 2
    dossier, slot_id = filled
    before = state(dossier, private_root)
    response = post_page(client, dossier, slot_id, "tam.pdf", hostile.one_page_pdf())
    assert response.status_code == 400
    error = slot_error(response.content.decode(), slot_id)
    assert "tam.pdf" in error and "thử lại sau" in error
    api = post_api(client, dossier, slot_id, "tam.pdf", hostile.one_page_pdf())
    assert api.status_code == 400 and "thử lại sau" in api.json()["error"]["detail"]
    assert state(dossier, private_root) == before
