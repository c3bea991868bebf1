"""Parsing uploads in a bounded child process (dossiers.documents.inspection): each hostile file
gets its reason, ordinary files pass, and running out of time or memory is a refusal, not a
crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossiers import pdf
from dossiers.documents import inspection
from tests.fixtures import hostile


def check(tmp_path: Path, kind: str, content: bytes) -> inspection.Finding | None:
    path = tmp_path / f"upload.{kind}"
    path.write_bytes(content)
    return inspection.inspect_file(path, kind)


@pytest.mark.parametrize(
    ("make", "reason", "detail"),
    [
        (hostile.pdf_with_javascript_name_tree, "active", "/JavaScript"),
        (hostile.pdf_with_open_action_javascript, "active", "/JavaScript"),
        (hostile.pdf_with_launch, "active", "/Launch"),
        (hostile.pdf_with_page_aa_launch, "active", "/Launch"),
        (hostile.pdf_with_embedded_file, "active", "/EmbeddedFiles"),
        (hostile.pdf_with_xfa, "active", "/XFA"),
        (hostile.encrypted_pdf, "encrypted", ""),
        (hostile.flate_bomb_pdf, "bomb", "256 MB"),
        (hostile.not_a_pdf_structure, "unreadable", ""),
    ],
)
def test_hostile_pdfs_are_refused_with_their_reason(tmp_path, make, reason, detail):
    finding = check(tmp_path, "pdf", make())
    assert finding is not None
    assert finding.reason == reason
    assert detail in finding.detail


def test_the_bomb_is_small_on_disk_and_the_inflation_limit_is_a_setting(tmp_path, settings):
    bomb = hostile.flate_bomb_pdf(inflated_mb=400)
    assert len(bomb) < 1024 * 1024  # a few hundred KB that inflate to 400 MB
    settings.UPLOAD_PDF_MAX_INFLATED_MB = 500
    assert check(tmp_path, "pdf", bomb) is None
    settings.UPLOAD_PDF_MAX_INFLATED_MB = 100
    assert check(tmp_path, "pdf", bomb).reason == "bomb"


@pytest.mark.parametrize(
    ("kind", "make", "reason"),
    [
        ("png", hostile.truncated_png, "broken_image"),
        ("png", hostile.png_with_bad_crc, "broken_image"),
        ("png", hostile.huge_pixel_png, "too_many_pixels"),
        ("jpeg", hostile.png_named_jpeg_with_jpeg_magic, "broken_image"),
        ("jpeg", hostile.png_bytes, "wrong_format"),
        ("png", hostile.jpeg_bytes, "wrong_format"),
    ],
)
def test_broken_oversized_or_misnamed_images_are_refused(tmp_path, kind, make, reason):
    finding = check(tmp_path, kind, make())
    assert finding is not None and finding.reason == reason


def test_the_pixel_limit_is_a_setting(tmp_path, settings):
    image = hostile.png_bytes(size=(400, 300))
    settings.UPLOAD_IMAGE_MAX_PIXELS = 120_000
    assert check(tmp_path, "png", image) is None
    settings.UPLOAD_IMAGE_MAX_PIXELS = 100_000  # warnings are errors: just above refuses
    assert check(tmp_path, "png", image).reason == "too_many_pixels"


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("pdf", hostile.pdf_with_goto_open_action),
        ("pdf", hostile.pdf_with_destination_open_action),
        ("pdf", hostile.scanned_pdf),
        ("pdf", lambda: hostile.one_page_pdf()),
        ("png", hostile.png_bytes),
        ("jpeg", hostile.jpeg_bytes),
        ("jpeg", hostile.mpo_bytes),
        ("jpeg", lambda: hostile.jpeg_bytes(size=(2000, 1500))),
    ],
)
def test_ordinary_documents_pass(tmp_path, kind, make):
    assert check(tmp_path, kind, make()) is None


def test_pdfs_written_by_weasyprint_pass(tmp_path):
    receipt = pdf.render_pdf("pdf/receipt.html", {})
    assert check(tmp_path, "pdf", receipt) is None
    pages = "".join(
        f'<section style="page-break-after: always"><h1>Trang {page}</h1>'
        f'<p>Giấy tờ <a href="https://dichvucong.gov.vn/">liên kết</a></p></section>'
        for page in range(5)
    )
    assert check(tmp_path, "pdf", pdf.html_to_pdf(f"<html><body>{pages}</body></html>")) is None


def test_running_out_of_memory_is_a_refusal(tmp_path, settings):
    # The second filter makes a reader keep the inflated data: 400 MB in a 200 MB process.
    chained = hostile.flate_bomb_pdf(inflated_mb=400, filters=b"[/FlateDecode /ASCIIHexDecode]")
    settings.UPLOAD_PDF_MAX_INFLATED_MB = 1024
    settings.UPLOAD_CHECK_MEMORY_MB = 200
    finding = check(tmp_path, "pdf", chained)
    assert finding is not None and finding.reason == "too_costly"


def test_a_check_past_its_time_is_a_refusal(tmp_path, settings, monkeypatch):
    slow = tmp_path / "slow.py"
    slow.write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setattr(inspection, "CHILD", slow)
    settings.UPLOAD_CHECK_TIMEOUT_SECONDS = 1
    finding = check(tmp_path, "pdf", hostile.one_page_pdf())
    assert finding == inspection.Finding("too_costly", "timeout")


def test_a_child_that_dies_is_a_refusal(tmp_path, monkeypatch):
    crash = tmp_path / "crash.py"
    crash.write_text("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    monkeypatch.setattr(inspection, "CHILD", crash)
    assert check(tmp_path, "png", hostile.png_bytes()).reason == "too_costly"


def test_each_reason_has_a_vietnamese_message_naming_the_file():
    for reason in sorted(inspection.REASONS):
        text = inspection.message(inspection.Finding(reason), "ho-so.pdf", "PDF")
        assert "ho-so.pdf" in text
        assert "%(" not in text
