"""Workflow templates in the admin: the steps are edited inline and must share 100 %."""

from __future__ import annotations

import pytest

from procedures.models import Procedure
from tests.conftest import otp_verified_login
from workflow.models import WorkflowStep, WorkflowTemplate
from workflow.seed import seed_workflows

pytestmark = pytest.mark.django_db

URL = "/admin/workflow/workflowtemplate/"


@pytest.fixture
def admin(client, admin_user):
    otp_verified_login(client, admin_user)
    return client


def step_rows(template: WorkflowTemplate) -> dict:
    """The change form's data for the template as saved (both inlines)."""
    steps = list(template.steps.order_by("order"))
    data = {
        "code": template.code,
        "name": template.name,
        "default_for": template.default_for,
        "active": "on" if template.active else "",
        "description": template.description,
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "1",
        "steps-MAX_NUM_FORMS": "1000",
        "procedure_versions-TOTAL_FORMS": "0",
        "procedure_versions-INITIAL_FORMS": "0",
        "procedure_versions-MIN_NUM_FORMS": "0",
        "procedure_versions-MAX_NUM_FORMS": "1000",
    }
    for i, step in enumerate(steps):
        data.update(
            {
                f"steps-{i}-id": str(step.pk),
                f"steps-{i}-template": str(template.pk),
                f"steps-{i}-order": str(step.order),
                f"steps-{i}-name": step.name,
                f"steps-{i}-role": step.role,
                f"steps-{i}-department": step.department,
                f"steps-{i}-agency": str(step.agency_id or ""),
                f"steps-{i}-share": str(step.share),
                f"steps-{i}-consulted_agency": str(step.consulted_agency_id or ""),
            }
        )
    return data


def test_the_change_page_lists_the_steps_and_the_attached_versions(admin):
    seed_workflows()
    template = WorkflowTemplate.objects.get(code="dang-ky-dat-dai")
    page = admin.get(f"{URL}{template.pk}/change/").content.decode()
    for step in template.steps.all():
        assert f'value="{step.name}"' in page
    assert 'name="steps-TOTAL_FORMS" value="6"' in page
    assert "H29.17" in page  # the consulted tax office, shown by the autocomplete widget
    land = Procedure.objects.get(national_code="1.013978")
    assert f'name="procedure_versions-0-version" value="{land.current_version_id}"' in page


def test_the_list_shows_each_templates_default_tier_and_step_count(admin):
    page = admin.get(URL).content.decode()
    assert "Quy trình mặc định cấp xã" in page
    assert '<td class="field-step_count">4</td>' in page


def test_steps_that_do_not_share_100_percent_are_refused_and_nothing_is_saved(admin):
    template = WorkflowTemplate.objects.get(default_for="commune")
    data = step_rows(template)
    data["steps-1-share"] = "40"  # 90 % in all
    data["steps-1-name"] = "Đổi tên"
    response = admin.post(f"{URL}{template.pk}/change/", data)
    assert response.status_code == 200
    assert "100%" in response.content.decode()
    assert "90%" in response.content.decode()
    step = template.steps.get(order=2)
    assert (step.share, step.name) == (50, "Công chức chuyên môn thụ lý")


def test_steps_that_share_100_percent_are_saved(admin):
    template = WorkflowTemplate.objects.get(default_for="commune")
    data = step_rows(template)
    data["steps-1-share"] = "40"
    data["steps-2-share"] = "40"  # 10 + 40 + 40 + 10
    response = admin.post(f"{URL}{template.pk}/change/", data)
    assert response.status_code == 302
    assert list(template.steps.order_by("order").values_list("share", flat=True)) == [
        10,
        40,
        40,
        10,
    ]


def test_a_fixed_step_without_its_agency_is_refused_in_the_admin(admin):
    template = WorkflowTemplate.objects.get(default_for="province")
    data = step_rows(template)
    data["steps-1-department"] = WorkflowStep.Department.FIXED
    response = admin.post(f"{URL}{template.pk}/change/", data)
    assert response.status_code == 200
    assert template.steps.get(order=2).department == WorkflowStep.Department.LEAD_DIVISION
