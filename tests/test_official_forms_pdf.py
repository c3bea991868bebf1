"""The official forms Mẫu 01–06: each rendered through the one registry and render path, with
the agency header, the national motto, its number and its own content in Vietnamese."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from dossiers import official_forms
from dossiers.lifecycle import transitions
from dossiers.models import IssuedForm
from identity.models import Role
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory
from tests.test_receipt_pdf import pdf_text_without_poppler, squeezed

pytestmark = pytest.mark.django_db

MOTTO = "Độc lập - Tự do - Hạnh phúc"


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(
            username=f"forms.{role}", role=role, agency=HOME_WARD, first_name="Lê Thị Hoa"
        )
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
    }


@pytest.fixture
def dossier():
    citizen = CitizenFactory(with_contact=True, full_name="Trần Văn Bảo")
    return DossierFactory(applicant=citizen, submitted=True)


def text_of(dossier, form: str) -> tuple[str, str]:
    number, data = official_forms.render(dossier, form)
    assert data.startswith(b"%PDF-")
    return number, squeezed(pdf_text_without_poppler(data))


def assert_has(text: str, *needles: str) -> None:
    for needle in needles:
        assert squeezed(needle) in text, f"{needle!r} not in the PDF"


def assert_framed(text: str, number: str, title: str) -> None:
    """What every form carries (DOMAIN.md §5): header, motto, number, place and date, title."""
    assert_has(text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", MOTTO, f"Số: {number}")
    assert_has(text, "Phường Bến Thành", "Thành phố Hồ Chí Minh, ngày", title.upper())


def test_receipt_again_at_reception_prints_the_appointment(dossier, staff):
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    number, text = text_of(dossier, "01")
    assert number.endswith("/TTPVHCC")
    assert_framed(text, number, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    appointment = timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y")
    assert_has(text, dossier.code, "Trần Văn Bảo", appointment)


@pytest.mark.parametrize("action", ["return_for_completion", "request_supplement"])
def test_form_02_lists_what_to_supply_with_the_reason_and_contact(dossier, staff, action):
    if action == "request_supplement":
        dossier = transitions.receive(dossier, staff[Role.RECEPTION])
        dossier = transitions.route(dossier, staff[Role.RECEPTION])
        asker = staff[Role.SPECIALIST]
    else:
        asker = staff[Role.RECEPTION]
    items = ["Giấy xác nhận tình trạng hôn nhân", "Bản sao căn cước của người kia"]
    dossier = transitions.perform(
        dossier, asker, action, note="Thiếu giấy tờ theo quy định", items=items
    )
    number, text = text_of(dossier, "02")
    assert number == "01/PBS"
    assert_framed(text, number, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    assert_has(text, "Trần Văn Bảo", dossier.code, "Thiếu giấy tờ theo quy định", "Lê Thị Hoa")
    assert_has(text, f"1.{items[0]}", f"2.{items[1]}")


def test_form_03_states_the_refusal_reasons(dossier, staff):
    dossier = transitions.refuse(
        dossier, staff[Role.RECEPTION], note="Hồ sơ không thuộc thẩm quyền giải quyết"
    )
    number, text = text_of(dossier, "03")
    assert number == "01/PTC"
    assert_framed(text, number, "Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    assert_has(text, "Trần Văn Bảo", "079085001234", dossier.code)
    assert_has(text, "Hồ sơ không thuộc thẩm quyền giải quyết")


def test_form_04_apologises_with_the_old_and_new_dates(dossier, staff):
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    first = dossier.due_at
    # Pretend the reception happened long enough ago for the one-working-day notice to hold.
    new = first + datetime.timedelta(days=7)
    dossier = transitions.apologise_and_extend(
        dossier, staff[Role.LEADER], note="Chờ kết quả xác minh của Công an", new_due_at=new
    )
    number, text = text_of(dossier, "04")
    assert number == "01/PXL"
    assert_framed(text, number, "Phiếu xin lỗi và hẹn lại ngày trả kết quả")
    old_text = timezone.localtime(first).strftime("%H:%M %d/%m/%Y")
    new_text = timezone.localtime(new).strftime("%H:%M %d/%m/%Y")
    assert_has(text, dossier.code, dossier.procedure_version.name[:40], old_text, new_text)
    assert_has(text, "Chờ kết quả xác minh của Công an", "xin lỗi", "THỦ TRƯỞNG CƠ QUAN")


def test_form_05_gives_the_reason_for_stopping(dossier, staff):
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    dossier = transitions.route(dossier, staff[Role.RECEPTION])
    dossier = transitions.stop(dossier, staff[Role.LEADER], note="Người dân đề nghị dừng")
    number, text = text_of(dossier, "05")
    assert_framed(text, number, "Thông báo dừng giải quyết hồ sơ")
    assert_has(text, dossier.code, "Người dân đề nghị dừng")


def test_form_06_has_one_row_per_hand_off(dossier, staff):
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    dossier = transitions.route(dossier, staff[Role.RECEPTION], note="Chuyển phòng Tư pháp")
    dossier = transitions.forward(dossier, staff[Role.SPECIALIST], note="Trình lãnh đạo ký")
    rows = official_forms.handoffs(dossier)
    assert [row["note"] for row in rows] == ["Chuyển phòng Tư pháp", "Trình lãnh đạo ký"]
    assert {row["result"] for row in rows} == {"trước hạn"}
    number, text = text_of(dossier, "06")
    assert number == "01/PKS"
    assert_framed(text, number, "Phiếu kiểm soát quá trình giải quyết hồ sơ")
    assert_has(text, dossier.code, "Chuyển phòng Tư pháp", "Trình lãnh đạo ký", "trước hạn")


def test_step_result_compares_with_the_deadline():
    due = timezone.make_aware(datetime.datetime(2026, 12, 4, 17, 0))
    at = timezone.make_aware
    assert official_forms.step_result(at(datetime.datetime(2026, 12, 3, 9, 0)), due) == (
        "trước hạn"
    )
    assert official_forms.step_result(at(datetime.datetime(2026, 12, 4, 9, 0)), due) == ("đúng hạn")
    assert official_forms.step_result(at(datetime.datetime(2026, 12, 4, 17, 1)), due) == ("quá hạn")


def test_citizen_text_is_escaped_not_markup(staff):
    citizen = CitizenFactory(full_name='<img src="file:///etc/passwd">')
    dossier = DossierFactory(applicant=citizen, submitted=True)
    dossier = transitions.refuse(dossier, staff[Role.RECEPTION], note="<b>không</b> hợp lệ")
    _number, text = text_of(dossier, "03")
    assert_has(text, "<b>không</b>hợplệ")


def test_numbers_count_per_form_in_the_agency(dossier, staff):
    form = official_forms.FORMS["03"]
    IssuedForm.objects.create(
        dossier=dossier, form="03", revision=1, number="01/PTC", storage_name="forms/x.pdf"
    )
    assert official_forms.next_number(dossier, form) == "02/PTC"
    assert official_forms.next_number(dossier, official_forms.FORMS["02"]) == "01/PBS"


def test_form_06_reads_the_process_control_record_once_routing_wrote_it(dossier, staff):
    from workflow.tasks import route_dossier

    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    dossier = transitions.route(dossier, staff[Role.RECEPTION], note="Chuyển phòng Tư pháp")
    dossier = transitions.forward(dossier, staff[Role.SPECIALIST], note="Trình lãnh đạo ký")
    assert route_dossier(dossier.code) == 2
    steps = list(dossier.process_steps.order_by("order"))
    rows = official_forms.handoffs(dossier)
    assert [row["note"] for row in rows] == [step.note for step in steps]
    assert [row["taker"] for row in rows] == [
        f"{step.handed_to.name} ({step.name})" for step in steps
    ]
    # The first step was closed by the forward, well before its deadline; the second is open.
    assert [row["result"] for row in rows] == ["trước hạn", ""]
    number, text = text_of(dossier, "06")
    assert_has(text, dossier.code, steps[0].name, steps[1].handed_to.name)
