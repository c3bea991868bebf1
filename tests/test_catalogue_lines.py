"""Catalogue document lines become the few slots a citizen expects (procedures.documents)."""

from __future__ import annotations

import pytest

from dossiers import services
from procedures.documents import Context, Line, LineKind, case_clause, classify
from procedures.eform_builder import build_schema
from procedures.models import Procedure
from tests.factories import CitizenFactory

EFORM = Context(has_eform=True, eform_title="Giấy đề nghị đăng ký hộ kinh doanh")
NO_EFORM = Context()
FOREIGN_ONLY = Context(vietnamese_may_file=False)

# Real lines of the catalogue: (name, group, originals, copies, context, class).
LINES = [
    ("Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng "
     "xác nhận về việc sinh", "Giấy tờ phải nộp", 1, 0, EFORM, LineKind.UPLOAD),
    ("Trường hợp trẻ em bị bỏ rơi thì phải có biên bản về việc trẻ bị bỏ rơi do cơ quan có thẩm "
     "quyền lập.", "Giấy tờ phải nộp", 1, 0, EFORM, LineKind.CASE),
    ("Văn bản ủy quyền (được chứng thực) theo quy định của pháp luật trong trường hợp ủy quyền "
     "thực hiện việc đăng ký khai sinh.", "Giấy tờ phải nộp", 1, 0, EFORM, LineKind.CASE),
    ("Trường hợp người yêu cầu đã nộp bản điện tử Giấy chứng sinh hoặc cơ quan đăng ký hộ tịch "
     "đã khai thác được dữ liệu điện tử có ký số của Giấy chứng sinh thì không phải nộp bản giấy.",
     "Giấy tờ phải nộp", 0, 0, EFORM, LineKind.NOTE),
    ("Cơ quan đăng ký hộ tịch từ chối giải quyết hoặc đề nghị cơ quan có thẩm quyền hủy bỏ kết "
     "quả đăng ký hộ tịch, nếu có cơ sở xác định nội dung cam đoan không đúng sự thật.",
     "Lưu ý", 0, 0, EFORM, LineKind.NOTE),
    ("Đối với việc xác định họ, dân tộc, quê quán, đặt tên cho trẻ:", "Lưu ý", 0, 0, EFORM,
     LineKind.NOTE),
    ("Người có yêu cầu đăng ký khai sinh thực hiện việc nộp/xuất trình (theo hình thức trực "
     "tiếp) hoặc tải lên (theo hình thức trực tuyến) các giấy tờ sau:", "", 0, 0, EFORM,
     LineKind.NOTE),
    ("Hộ chiếu/Thẻ căn cước công dân/Thẻ căn cước/Căn cước điện tử/Giấy chứng nhận căn cước hoặc "
     "các giấy tờ khác có dán ảnh và thông tin cá nhân", "Giấy tờ phải xuất trình", 1, 0, EFORM,
     LineKind.SHOW),
    ("Tờ khai đăng ký khai sinh theo mẫu (nếu người có yêu cầu lựa chọn nộp hồ sơ theo hình thức "
     "trực tiếp hoặc gửi hồ sơ qua hệ thống bưu chính)", "", 1, 0, EFORM, LineKind.DECLARATION),
    ("Tờ khai hải quan", "", 0, 0, NO_EFORM, LineKind.UPLOAD),
    ("Mẫu hộ tịch điện tử tương tác đăng ký khai sinh (do người yêu cầu cung cấp thông tin theo "
     "hướng dẫn trên Cổng dịch vụ công)", "", 1, 0, NO_EFORM, LineKind.DECLARATION),
    ("Giấy đề nghị đăng ký hộ kinh doanh", "", 1, 0, EFORM, LineKind.DECLARATION),
    ("Giấy đề nghị đăng ký hộ kinh doanh", "", 1, 0, NO_EFORM, LineKind.UPLOAD),
    ("Thông tin chứng minh về chỗ ở hợp pháp được khai thác trong căn cước điện tử, tài khoản "
     "định danh điện tử", "Đăng ký thường trú", 1, 0, EFORM, LineKind.NOTE),
    ("Lưu ý: - Không yêu cầu xuất trình Giấy khai sinh đối với trường hợp trẻ em mới sinh", "",
     0, 0, EFORM, LineKind.NOTE),
    ("b) Chứng từ vận tải trong trường hợp hàng hóa vận chuyển bằng đường biển: 01 bản chụp", "",
     0, 0, NO_EFORM, LineKind.CASE),
    ("Hóa đơn thương mại: 01 bản chụp", "Đối với xăng dầu tái xuất", 0, 0, NO_EFORM,
     LineKind.UPLOAD),
    ("Văn bản đề nghị chuyển nhượng quyền khai thác khoáng sản", "", 1, 0, NO_EFORM,
     LineKind.UPLOAD),
    ("Các giấy tờ để chứng minh đối tượng miễn, hoặc giảm phí (nếu có).", "", 1, 0, NO_EFORM,
     LineKind.CASE),
    ("Người nước ngoài nộp bản sao được chứng thực từ bản chính hộ chiếu", "", 0, 1, NO_EFORM,
     LineKind.CASE),
    ("Người nước ngoài nộp bản sao được chứng thực từ bản chính hộ chiếu", "", 0, 1, FOREIGN_ONLY,
     LineKind.UPLOAD),
]  # fmt: skip


@pytest.mark.parametrize(("name", "group", "originals", "copies", "context", "kind"), LINES)
def test_real_catalogue_lines_are_classified(name, group, originals, copies, context, kind):
    assert classify(Line(name, group, originals, copies), context).kind == kind


def test_a_case_line_names_its_case_and_a_foreigners_line_says_so():
    line = Line("Trường hợp trẻ em bị bỏ rơi thì phải có biên bản về việc trẻ bị bỏ rơi.", "", 1)
    assert classify(line).when == "Trường hợp trẻ em bị bỏ rơi"
    foreign = classify(Line("Người nước ngoài nộp bản sao hộ chiếu", "", 0, 1))
    assert foreign.foreigners_only and foreign.when == "Người nước ngoài"
    assert case_clause("Văn bản ủy quyền trong trường hợp ủy quyền thực hiện thủ tục.") == (
        "Trường hợp ủy quyền thực hiện thủ tục"
    )


@pytest.mark.django_db
def test_birth_registration_asks_only_for_its_real_documents():
    version = Procedure.objects.get(national_code="1.001193").current_version
    schema = build_schema(version)
    documents = schema["documents"]
    assert version.documents.count() == 33
    assert [slot["name"][:15] for slot in documents if slot["required"]] == ["Giấy chứng sinh"]
    optional = [slot for slot in documents if not slot["required"]]
    assert len(optional) == 3 and all(slot["when"].startswith("Trường hợp") for slot in optional)
    notes = schema["notes"]
    assert any(n["kind"] == "show" and n["text"].startswith("Hộ chiếu/Thẻ căn cước") for n in notes)
    assert any(n["text"].startswith("Cơ quan đăng ký hộ tịch từ chối") for n in notes)
    assert not any("điện tử tương tác" in slot["name"] for slot in documents)


@pytest.mark.django_db
def test_the_procedure_page_shows_documents_cases_desk_papers_and_notes_apart(client):
    html = client.get("/procedures/1.001193/").content.decode()
    documents = html[html.index('id="documents"') : html.index('id="how-to-apply"')]
    uploads = documents[: documents.index("document-notes")]
    assert "Giấy chứng sinh" in uploads
    assert "Trường hợp trẻ em bị bỏ rơi" in uploads
    assert "Cơ quan đăng ký hộ tịch từ chối" not in uploads  # a note, shown folded below
    assert "Cơ quan đăng ký hộ tịch từ chối" in documents
    assert "Xuất trình tại quầy" in documents or "xuất trình" in documents.lower()


@pytest.mark.django_db
def test_a_foreigners_only_document_is_not_required_from_a_vietnamese_citizen():
    """1.000807 is filed by Vietnamese citizens and foreigners; one line is for foreigners."""
    procedure = Procedure.objects.get(national_code="1.000807")
    assert "Công dân Việt Nam" in procedure.current_version.applicant_types
    dossier = services.start_draft(CitizenFactory(), procedure)
    foreign = [s for s in dossier.form_schema["documents"] if s.get("foreigners_only")]
    assert foreign and not any(slot["required"] for slot in foreign)
    missing = {slot["id"] for slot in services.missing_documents(dossier)}
    assert not missing & {slot["id"] for slot in foreign}


@pytest.mark.django_db
def test_the_documents_step_names_each_case_and_keeps_the_notes(client):
    citizen = CitizenFactory()
    procedure = Procedure.objects.get(national_code="1.001193")
    draft = services.start_draft(citizen, procedure)
    client.force_login(citizen.user)
    page = client.get(f"/dossiers/drafts/{draft.public_id}/documents/").content.decode()
    cases = [slot["when"] for slot in draft.form_schema["documents"] if slot.get("when")]
    assert cases and all(case in page for case in cases)
    assert draft.form_schema["notes"]
    assert 'id="document-notes"' in page
    assert draft.form_schema["notes"][0]["text"][:40] in page
