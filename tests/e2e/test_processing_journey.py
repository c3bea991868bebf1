"""The civil servants' half of a dossier in one browser: the one-stop desk receives and routes a
citizen's dossier, the specialist asks for a supplement, the citizen answers it on their dossier
page, the dossier goes through the specialist, the head of division and the leader (each signed
in with password + one-time code), the leader approves with a rendered result, the desk returns
it, and the citizen follows every change and downloads the result and a form as PDFs.

Celery tasks run eagerly in the live server (routing, forms), as in the other browser tests;
the worker path is proven in test_routing_worker.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_backoffice_reception import MARRIAGE, current_code
from tests.e2e.test_filing_journey import SMALL_PDF, eager_tasks  # noqa: F401 - a fixture

ITEMS = "Giấy xác nhận tình trạng hôn nhân\nBản sao giấy tờ tùy thân"
REASON = "Giấy xác nhận đã nộp hết hạn sử dụng."


def _workflow_for_marriage() -> None:
    """Specialist → head of division → leader of the ward, attached to the marriage version."""
    from procedures.models import Agency, Procedure
    from workflow.models import ProcedureWorkflow, WorkflowStep, WorkflowTemplate
    from workflow.seed import (
        AGENCY,
        DIVISION_HEAD,
        LEADER,
        SPECIALIST,
        Step,
        Template,
        _desk,
        ensure_templates,
    )

    definition = Template(
        "e2e-ket-hon",
        "Đăng ký kết hôn qua ba cấp",
        (
            _desk("Tiếp nhận hồ sơ", 10),
            Step("Công chức tư pháp thụ lý", SPECIALIST, 40),
            Step("Trưởng phòng xem xét", DIVISION_HEAD, 20),
            Step("Chủ tịch UBND phường ký", LEADER, 20, AGENCY),
            _desk("Trả kết quả", 10),
        ),
    )
    template = ensure_templates([definition], WorkflowTemplate, WorkflowStep, Agency)[
        definition.code
    ]
    version = Procedure.objects.get(national_code=MARRIAGE).current_version
    ProcedureWorkflow.objects.create(version=version, template=template)


_SESSIONS: dict[str, list] = {}  # the browser cookies of each official signed in once


def _sign_in_official(page, base: str, official) -> None:
    """The real official login (password and one-time code) the first time; later, that
    official's session again (a one-time code is not accepted twice)."""
    from tests.factories import OFFICIAL_PASSWORD

    page.context.clear_cookies()
    if official.username in _SESSIONS:
        page.context.add_cookies(_SESSIONS[official.username])
        return
    page.goto(f"{base}/backoffice/dossiers/")
    page.fill('input[name="username"]', official.username)
    page.fill('input[name="password"]', OFFICIAL_PASSWORD)
    page.fill('input[name="otp_token"]', current_code(official.device))
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", name="Hồ sơ cần xử lý")).to_be_visible()
    _SESSIONS[official.username] = page.context.cookies()


def _sign_in_citizen(page, base: str, citizen) -> None:
    from django.test import Client

    client = Client()
    client.force_login(citizen.user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def _act(page, action: str, button: str, **fields: str) -> None:
    """Fill and send one action form of the officials' dossier page."""
    form = page.locator(f"#action-{action}")
    for name, value in fields.items():
        form.locator(f'[name="{action}-{name}"]').fill(value)
    form.get_by_role("button", name=button).click()
    expect(page.locator(".alert--success")).to_be_visible()


def _take_step_and_forward(page, base: str, code: str, official, step_name: str) -> None:
    _sign_in_official(page, base, official)
    page.goto(f"{base}/backoffice/dossiers/{code}/")
    expect(page.locator("#open-step")).to_contain_text(step_name)
    if page.locator("#claim-step").count():  # the specialist still holds the step that asked
        page.locator("#claim-step button").click()
    expect(page.locator("#release-step")).to_be_visible()
    _act(page, "forward", "Chuyển bước xử lý tiếp theo", note=f"{step_name}: đồng ý")


def _citizen_sees(page, base: str, code: str, status: int, citizen=None):
    if citizen is not None:
        _sign_in_citizen(page, base, citizen)
    page.goto(f"{base}/dossiers/{code}/")
    expect(page.locator(f'#status [data-status="{status}"]')).to_be_visible()
    return page.locator("#status [data-due]").inner_text()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_dossier_goes_from_reception_through_a_supplement_to_a_returned_result(
    page,
    live_server,
    popular_subset,
    settings,
    tmp_path,
    eager_tasks,  # noqa: F811 - the filing journey's fixture, imported above
):
    from dossiers.models import Dossier, Status
    from identity.models import Role
    from procedures.importer import import_records
    from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
    from workflow.models import ProcessStep

    _SESSIONS.clear()
    settings.PRIVATE_STORAGE_ROOT = tmp_path
    settings.UPLOAD_ANTIVIRUS = ""
    base = live_server.url
    assert import_records([r for r in popular_subset if r["code"] == MARRIAGE]).rejected == []
    _workflow_for_marriage()
    staff = {
        role: OfficialFactory(username=f"benthanh.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
    }
    other_desk = OfficialFactory(username="tuphap.motcua", role=Role.RECEPTION, agency="H29.03")
    dossier = DossierFactory(submitted=True)
    code, citizen = dossier.code, dossier.applicant

    # Another agency's desk does not see it; the ward's desk finds it in its inbox.
    _sign_in_official(page, base, other_desk)
    expect(page.locator("#dossier-list li", has_text=code)).to_have_count(0)
    _sign_in_official(page, base, staff[Role.RECEPTION])
    page.locator("#dossier-list li", has_text=code).get_by_role("link", name=code).click()
    _act(page, "receive", "Tiếp nhận hồ sơ", note="Đủ thành phần hồ sơ")
    expect(page.locator("#dossier-status")).to_have_text("Đã tiếp nhận")
    expect(page.locator("#issued-forms")).to_contain_text("01")  # Mẫu 01 again, at reception
    _act(page, "route", "Chuyển cơ quan chuyên môn xử lý", note="Chuyển công chức tư pháp")
    expect(page.locator("#dossier-status")).to_have_text("Đang xử lý")
    due = _citizen_sees(page, base, code, Status.PROCESSING, citizen)
    assert Dossier.objects.get(code=code).due_at is not None and due.strip()

    # The specialist takes the step and asks for a supplement.
    _sign_in_official(page, base, staff[Role.SPECIALIST])
    page.goto(f"{base}/backoffice/dossiers/{code}/")
    page.locator("#claim-step button").click()
    _act(page, "request_supplement", "Yêu cầu bổ sung hồ sơ", note=REASON, items=ITEMS)
    expect(page.locator("#dossier-status")).to_have_text("Yêu cầu bổ sung hồ sơ")

    # The citizen sees what was asked, uploads one document and sends it.
    _citizen_sees(page, base, code, Status.SUPPLEMENT, citizen)
    request = page.locator("[data-open-request]")
    expect(request).to_contain_text("Giấy xác nhận tình trạng hôn nhân")
    expect(request).to_contain_text(REASON)
    request.locator("[data-answer-link]").click()
    upload = page.locator('main form[enctype="multipart/form-data"]').first
    upload.locator('input[type=file][name="file"]').set_input_files(
        {"name": "xac-nhan.pdf", "mimeType": "application/pdf", "buffer": SMALL_PDF}
    )
    upload.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("xac-nhan.pdf")
    page.locator("main button[data-send]").click()
    _citizen_sees(page, base, code, Status.PROCESSING)
    expect(page.locator("[data-answered]")).to_be_visible()
    open_step = ProcessStep.objects.get(dossier__code=code, finished_at=None)
    assert open_step.role == Role.SPECIALIST  # processing resumes at the step that asked

    # Specialist → head of division → leader, each taking the step in turn.
    _take_step_and_forward(page, base, code, staff[Role.SPECIALIST], "Công chức tư pháp thụ lý")
    _take_step_and_forward(page, base, code, staff[Role.DIVISION_HEAD], "Trưởng phòng xem xét")
    _sign_in_official(page, base, staff[Role.LEADER])
    page.goto(f"{base}/backoffice/dossiers/{code}/")
    expect(page.locator("#open-step")).to_contain_text("Chủ tịch UBND phường ký")
    page.locator("#claim-step button").click()
    page.locator("#action-approve").locator('[name="approve-result_render"]').check()
    _act(page, "approve", "Phê duyệt kết quả", result_title="Giấy chứng nhận kết hôn")
    expect(page.locator("#dossier-status")).to_have_text("Đã xử lý xong, có kết quả")
    expect(page.locator("#result-link")).to_have_text("Giấy chứng nhận kết hôn")
    expect(page.locator("#open-step")).to_have_count(0)  # the leader's step closed at approval
    assert not ProcessStep.objects.filter(dossier__code=code, finished_at=None).exists()
    assert ProcessStep.objects.filter(dossier__code=code).exclude(result="").count() == 3

    # The citizen sees the result; the desk returns it.
    _citizen_sees(page, base, code, Status.DECIDED, citizen)
    expect(page.locator("#result [data-result]")).to_be_visible()
    _sign_in_official(page, base, staff[Role.RECEPTION])
    page.goto(f"{base}/backoffice/dossiers/{code}/")
    _act(page, "return_result", "Trả kết quả", note="Đã trả kết quả trực tuyến")
    expect(page.locator("#dossier-status")).to_have_text("Đã trả kết quả")

    # The citizen downloads the result and a form as PDFs.
    _citizen_sees(page, base, code, Status.RETURNED, citizen)
    result_href = page.locator("#result [data-result]").get_attribute("href")
    result = page.request.get(f"{base}{result_href}")
    assert result.status == 200 and result.body().startswith(b"%PDF")
    form_link = page.locator("[data-form-02]").first
    form = page.request.get(f"{base}{form_link.get_attribute('href')}")
    assert form.status == 200 and form.body().startswith(b"%PDF")
    assert Dossier.objects.get(code=code).status == Status.RETURNED
