"""The receipt (Mẫu 01): rendered by the task, stored privately, readable only by its owner,
and built so that data a citizen typed can never make the renderer read a local file."""

from __future__ import annotations

import datetime
import hashlib
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from dossiers import pdf
from dossiers.models import DossierFile, Status
from dossiers.tasks import receipt_context, render_receipt
from tests.factories import CitizenFactory, DossierFactory

pytestmark = pytest.mark.django_db

MARRIAGE = "1.000894"  # Thủ tục đăng ký kết hôn (commune level)
WARD = "H29.26743"  # Phường Bến Thành


# --- helpers (also used by test_tracking and test_submission_concurrency) ----------------------


def ready_draft(citizen, applicant: dict | None = None, request_text: str = "Đăng ký kết hôn"):
    """A complete draft of the marriage procedure, documents attached, ready to submit."""
    return DossierFactory(
        applicant=citizen,
        filled=True,
        with_documents=True,
        answers=applicant,
        request_text=request_text,
    )


def submitted(citizen, key: str = "key-1", applicant=None, request_text="Đăng ký kết hôn"):
    return DossierFactory(
        applicant=citizen, submitted=True, key=key, answers=applicant, request_text=request_text
    )


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number → (dictionary text, decompressed stream) of a PDF, object streams included."""
    found: dict[int, tuple[bytes, bytes]] = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*(<<.*?>>)\s*(stream\r?\n|endobj)", data, re.S):
        head, stream = match[2], b""
        if match[3].startswith(b"stream"):
            length = int(re.search(rb"/Length (\d+)", head)[1])
            stream = data[match.end() : match.end() + length]
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
        found[int(match[1])] = (head, stream)
    for head, stream in list(found.values()):
        if b"/Type /ObjStm" in head:
            first = int(re.search(rb"/First (\d+)", head)[1])
            numbers = [int(n) for n in stream[:first].split()]
            pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
            for index, (number, offset) in enumerate(pairs):
                end = first + pairs[index + 1][1] if index + 1 < len(pairs) else len(stream)
                found[number] = (stream[first + offset : end].strip(), b"")
    return found


def _cmap(stream: bytes) -> dict[bytes, str]:
    mapping: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[code.lower()] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for low, high, start in re.findall(rb"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
            first = int(start, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[f"{code:0{len(low)}x}".encode()] = chr(first + offset)
    return mapping


def pdf_text_without_poppler(data: bytes) -> str:
    """Text of a WeasyPrint PDF: hex glyph strings decoded through each font's ToUnicode map."""
    objects = _objects(data)
    by_object = {}
    for number, (head, _stream) in objects.items():
        reference = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if reference:
            by_object[number] = _cmap(objects[int(reference[1])][1])
    resources: dict[bytes, dict[bytes, str]] = {}
    for head, _stream in objects.values():
        for font_dict in re.findall(rb"/Font (\d+) 0 R", head):
            for name, number in re.findall(rb"/(\S+?) (\d+) 0 R", objects[int(font_dict)][0]):
                resources[name] = by_object.get(int(number), {})
    lines = []
    for head, stream in objects.values():
        if b"BT" not in stream or b"/Type" in head:
            continue
        mapping: dict[bytes, str] = {}
        for token in re.finditer(rb"/(\S+) [\d.]+ Tf|<([0-9a-fA-F]+)>|(ET)", stream):
            if token[1]:
                mapping = resources.get(token[1], {})
            elif token[2]:
                hexcodes = token[2].lower()
                lines.append(
                    "".join(
                        mapping.get(hexcodes[i : i + 4], "") for i in range(0, len(hexcodes), 4)
                    )
                )
            else:
                lines.append("\n")  # fmt: skip
    return "".join(lines)


def pdf_text(data: bytes) -> str:
    """The PDF's text: poppler's pdftotext where installed, else the small decoder above."""
    if shutil.which("pdftotext"):
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
        )
        return result.stdout.decode("utf-8")
    return pdf_text_without_poppler(data)


def squeezed(text: str) -> str:
    """Without whitespace, so words wrapped across lines still match."""
    return "".join(text.split())


def assert_in_pdf(needle: str, text: str) -> None:
    assert squeezed(needle) in squeezed(text), f"{needle!r} not found in the PDF text"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


@pytest.fixture
def citizen():
    return CitizenFactory(with_contact=True)


# --- the task -----------------------------------------------------------------------------------


def test_render_receipt_stores_one_private_pdf_with_the_form_contents(citizen, private_storage):
    dossier = submitted(citizen, request_text="Đăng ký kết hôn với bà Trần Thị Bình")
    storage_name = render_receipt(dossier.code)

    receipt = DossierFile.objects.get(dossier=dossier, kind=DossierFile.Kind.RECEIPT)
    assert receipt.storage_name == storage_name and storage_name.startswith("receipts/")
    path = Path(private_storage) / storage_name
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert (path.stat().st_mode & 0o777) == 0o600
    assert not list(path.parent.glob(".tmp-*")), "a temporary file was left behind"
    assert receipt.sha256 == hashlib.sha256(data).hexdigest()

    text = pdf_text(data)
    attached = dossier.documents.values_list("slot_id", flat=True)
    # Marriage asks for no upload online (VNeID and the e-form supply everything).
    first_slot = next((s for s in dossier.form_schema["documents"] if s["id"] in attached), None)
    sequence = dossier.code.rsplit("-", 1)[1]
    received = dossier.submitted_at.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    for needle in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        f"Số: {sequence}/TTPVHCC",
        pdf.place_and_date(received.date()),
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH",  # managing agency (the city)
        "ỦY BAN NHÂN DÂN PHƯỜNG BẾN THÀNH",  # issuing unit (the receiving agency)
        "Tiếp nhận hồ sơ của: Nguyễn Văn An",
        "079085001234",
        "12 Lê Lợi, Phường Bến Thành",
        "0912345678",
        "an@example.vn",
        "Thủ tục đăng ký kết hôn",
        "Đăng ký kết hôn với bà Trần Thị Bình",
        f"Bản chính: {first_slot['originals'] or 0}" if first_slot else "Không có giấy tờ đính kèm",
        f"Thời gian nhận hồ sơ: {received:%H:%M %d/%m/%Y}",
        "được xác định khi bộ phận tiếp nhận kiểm tra và tiếp nhận hồ sơ",
        "Đăng ký nhận kết quả tại",
        f"Quyển số: {received:%Y}/{WARD}, Số thứ tự: {sequence}",
        "NGƯỜI NỘP HỒ SƠ",
        "Hệ thống tiếp nhận trực tuyến",
    ):
        assert_in_pdf(needle, text)
    # Fonts are the bundled DejaVu Sans, embedded: Vietnamese renders the same everywhere.
    heads = b"".join(head for head, _ in _objects(data).values())
    assert b"+Portal-Sans" in heads and b"/FontFile2" in heads


def test_decoder_without_poppler_reads_the_same_text(citizen):
    """The fallback used on machines without pdftotext works (so CI can rely on either)."""
    dossier = submitted(citizen)
    data = pdf.render_pdf("pdf/receipt.html", receipt_context(dossier))
    text = pdf_text_without_poppler(data)
    assert_in_pdf("Nguyễn Văn An", text)
    assert_in_pdf("Độc lập - Tự do - Hạnh phúc", text)
    assert_in_pdf(dossier.code, text)


def test_running_the_task_again_keeps_one_file(citizen, private_storage):
    dossier = submitted(citizen)
    first = render_receipt(dossier.code)
    path = Path(private_storage) / first
    stamp = path.stat().st_mtime_ns
    assert render_receipt(dossier.code) == first
    assert DossierFile.objects.filter(dossier=dossier).count() == 1
    assert path.stat().st_mtime_ns == stamp, "the file was rewritten"
    assert len(list(path.parent.iterdir())) == 1

    path.unlink()  # lost from disk: the next run renders it again under the same name
    assert render_receipt(dossier.code) == first
    assert path.read_bytes().startswith(b"%PDF-")
    assert DossierFile.objects.filter(dossier=dossier).count() == 1


def test_place_and_date_follow_the_administrative_style():
    # Decree 30/2020: days below 10 and months below 3 get a leading zero.
    assert pdf.place_and_date(datetime.date(2026, 1, 5)).endswith("ngày 05 tháng 01 năm 2026")
    assert pdf.place_and_date(datetime.date(2026, 3, 9)).endswith("ngày 09 tháng 3 năm 2026")
    assert pdf.place_and_date(datetime.date(2026, 11, 26)) == (
        "Thành phố Hồ Chí Minh, ngày 26 tháng 11 năm 2026"
    )
    assert pdf.duration_text(15, "working_day") == "15 ngày làm việc"
    assert pdf.duration_text(0.5, "day") == "0,5 ngày"


def test_task_for_an_unknown_code_does_nothing():
    assert render_receipt("H29.26743-000101-9999") is None
    assert not DossierFile.objects.exists()


def test_appointment_is_printed_once_the_desk_has_set_it(citizen):
    dossier = submitted(citizen)
    dossier.status = Status.ACCEPTED
    dossier.due_at = datetime.datetime(2026, 12, 3, 9, 30, tzinfo=datetime.UTC)
    context = receipt_context(dossier)
    assert context["appointment"] == "16:30 03/12/2026"  # Asia/Ho_Chi_Minh


# --- no local file can be read ------------------------------------------------------------------

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="/etc/passwd">',
    '<iframe src="file:///etc/passwd"></iframe>',
    "<style>@import url(file:///etc/passwd);</style>",
]


def test_markup_in_applicant_data_is_printed_as_text_and_fetches_nothing(citizen):
    dossier = submitted(
        citizen,
        applicant={"full_name": "Nguyễn Văn An " + HOSTILE[0], "address": HOSTILE[1]},
        request_text=" ".join(HOSTILE[2:]),
    )
    fetcher = pdf.StaticOnlyFetcher()
    data = pdf.render_pdf("pdf/receipt.html", receipt_context(dossier), fetcher=fetcher)

    asked = [entry.url for entry in fetcher.log]
    assert asked, "the fetch log is empty: the stylesheets and fonts were not loaded"
    assert all(entry.served and entry.url.startswith("portal-static:") for entry in fetcher.log)
    assert not any("passwd" in url for url in asked)
    text = pdf_text(data)
    assert "root:" not in text
    assert_in_pdf('<img src="file:///etc/passwd">', text)  # shown literally, as typed
    assert_in_pdf('<link rel="stylesheet" href="/etc/passwd">', text)


def test_even_raw_hostile_html_cannot_read_local_files():
    """Defence in depth: were a template ever to mark data safe, the fetcher still refuses."""
    html = (
        "<html><body><p>x</p>"
        + "".join(HOSTILE)
        + '<link rel="stylesheet" href="../../etc/passwd">'
        + '<object data="file:///etc/passwd"></object><img src="http://127.0.0.1:9/x.png">'
        + '<img src="portal-static:../../../../etc/passwd">'
        + "<style>body { background: url(file:///etc/passwd) }</style></body></html>"
    )
    fetcher = pdf.StaticOnlyFetcher()
    data = pdf.html_to_pdf(html, fetcher=fetcher)
    assert data.startswith(b"%PDF-")
    assert fetcher.log, "nothing was asked for: the test proves nothing"
    assert not [entry for entry in fetcher.log if entry.served]
    assert any("passwd" in entry.url for entry in fetcher.log)  # asked, and refused
    assert "root:" not in pdf_text(data)
    assert b"root:x:0:0" not in b"".join(stream for _, stream in _objects(data).values())


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "../../etc/passwd",
        "/etc/passwd",
        "portal-static:../../etc/passwd",
        "portal-static:/etc/passwd",
        "portal-static:fonts/../../../etc/passwd",
        "portal-static:%2e%2e/%2e%2e/etc/passwd",
        "portal-static:fonts/..%2f..%2f..%2fetc/passwd",
        "portal-static:../manage.py",
        "portal-static:pdf/missing.css",
        "http://127.0.0.1:9/x.css",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "data:text/html,<script>1</script>",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
    ],
)
def test_fetcher_refuses_everything_but_bundled_static_files(url):
    fetcher = pdf.StaticOnlyFetcher()
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch(url)
    assert [(entry.url, entry.served) for entry in fetcher.log] == [(url[:200], False)]


def test_fetcher_serves_bundled_fonts_and_styles():
    fetcher = pdf.StaticOnlyFetcher()
    font = fetcher.fetch("portal-static:fonts/DejaVuSans.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00"  # a TrueType file
    css = fetcher.fetch("portal-static:pdf/base.css")
    assert b"@font-face" in css.read()
    assert all(entry.served for entry in fetcher.log) and len(fetcher.log) == 2


# --- who may download it ------------------------------------------------------------------------


def test_receipt_download_is_for_the_owner_only(client, citizen):
    dossier = submitted(citizen)
    url = f"/dossiers/{dossier.code}/receipt.pdf"

    client.force_login(citizen.user)
    assert client.get(url).status_code == 404  # not rendered yet
    page = client.get(f"/dossiers/{dossier.code}/")
    assert b"data-receipt-pending" in page.content

    render_receipt(dossier.code)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "no-store" in response["Cache-Control"]
    assert b"data-receipt" in client.get(f"/dossiers/{dossier.code}/").content

    other = CitizenFactory(id_number="079090001111", full_name="Trần Thị Bình", with_contact=True)
    client.force_login(other.user)
    assert client.get(url).status_code == 404

    official = get_user_model().objects.create_user("official", is_staff=True)
    client.force_login(official)
    assert client.get(url).status_code == 404

    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/auth/vneid/login/?next=")
