"""Workflow templates: shares make the whole duration, every procedure resolves to a template,
the popular ones to their own, and step deadlines split the working time up to the due date."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from procedures.models import Agency, Level, Procedure, ProcedureVersion
from procedures.popular import POPULAR_CODES
from workflow.calendar import TZ, default_calendar
from workflow.models import (
    AuthorityTier,
    ProcedureWorkflow,
    WorkflowStep,
    WorkflowTemplate,
    validate_shares,
)
from workflow.seed import SPECIFIC_TEMPLATES, seed_workflows
from workflow.templates import WorkflowTemplateMissing, step_deadlines, template_for, tier_for

pytestmark = pytest.mark.django_db

SPECIFIC_CODES = {code: t.code for t in SPECIFIC_TEMPLATES for code in t.procedures}


@pytest.fixture
def seeded():
    return seed_workflows()


def current_version(code: str) -> ProcedureVersion:
    return (
        Procedure.objects.select_related("current_version").get(national_code=code).current_version
    )


# --- shares ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shares", [[50, 40], [60, 50], [], [100, 0, 1]])
def test_shares_that_do_not_make_100_are_refused(shares):
    with pytest.raises(ValidationError):
        validate_shares(shares)


def test_shares_of_100_pass():
    validate_shares([10, 50, 30, 10])


def test_every_seeded_template_shares_the_whole_duration(seeded):
    templates = WorkflowTemplate.objects.prefetch_related("steps")
    assert templates.count() == 4 + len(SPECIFIC_TEMPLATES)
    for template in templates:
        template.validate_steps()
        assert sum(step.share for step in template.steps.all()) == 100, template.code


def test_a_broken_template_gets_no_step_deadlines():
    template = WorkflowTemplate.objects.get(default_for=AuthorityTier.COMMUNE)
    template.steps.filter(order=1).update(share=30)  # 120 % now
    with pytest.raises(ValidationError):
        template.validate_steps()
    start = datetime(2026, 12, 7, 8, tzinfo=TZ)
    with pytest.raises(ValidationError):
        step_deadlines(template, start, datetime(2026, 12, 9, 8, tzinfo=TZ), default_calendar({}))


def test_a_fixed_step_needs_its_agency_and_only_a_fixed_one_has_one():
    template = WorkflowTemplate.objects.get(default_for=AuthorityTier.PROVINCE)
    step = WorkflowStep(template=template, order=9, name="x", role="specialist", share=1)
    step.department = WorkflowStep.Department.FIXED
    with pytest.raises(ValidationError) as caught:
        step.clean()
    assert "agency" in caught.value.message_dict
    step.department = WorkflowStep.Department.LEAD_DIVISION
    step.agency = Agency.objects.get(code="H29.04.01")
    with pytest.raises(ValidationError):
        step.clean()


# --- which template -------------------------------------------------------------------------


def test_the_defaults_exist_without_seeding():
    """The data migration creates one default per tier, so no database lacks them."""
    defaults = dict(
        WorkflowTemplate.objects.exclude(default_for="").values_list("default_for", "code")
    )
    assert set(defaults) == set(AuthorityTier.values)


def test_every_procedure_of_the_catalogue_gets_a_template(seeded):
    versions = ProcedureVersion.objects.filter(
        status=ProcedureVersion.Status.PUBLISHED
    ).select_related("receiving_agency__parent__parent")
    assert versions.count() > 2500
    tiers, templates = set(), set()
    for version in versions:
        templates.add(template_for(version))
        tiers.add(tier_for(version))
    for template in templates:
        assert template.active and template.steps.exists()
    assert set(tiers) == set(AuthorityTier.values)  # every default is used by the catalogue


def test_the_ten_detailed_procedures_get_their_own_template(seeded):
    assert set(SPECIFIC_CODES) == set(POPULAR_CODES)
    for code, template_code in SPECIFIC_CODES.items():
        assert template_for(current_version(code)).code == template_code, code


def test_tiers_follow_the_authority_level_and_the_receiving_agency():
    commune = ProcedureVersion(level=Level.COMMUNE, receives_at_commune=True)
    assert tier_for(commune) == AuthorityTier.COMMUNE
    police_division = Agency.objects.get(code="H29.16.01")  # a division of a vertical agency
    vertical = ProcedureVersion(level=Level.PROVINCE, receiving_agency=police_division)
    assert tier_for(vertical) == AuthorityTier.VERTICAL
    department = ProcedureVersion(level=Level.PROVINCE, receiving_agency_id=None)
    department.receiving_agency = Agency.objects.get(code="H29.04")
    assert tier_for(department) == AuthorityTier.PROVINCE
    ministry = ProcedureVersion(level=Level.MINISTRY, receiving_agency=department.receiving_agency)
    assert tier_for(ministry) == AuthorityTier.FALLBACK


def test_a_new_version_keeps_its_predecessors_workflow(seeded):
    version = current_version("1.001193")
    newer = ProcedureVersion.objects.create(
        procedure=version.procedure,
        number=version.number + 1,
        name=version.name,
        sector=version.sector,
        level=version.level,
    )
    assert template_for(newer).code == "khai-sinh"


def test_an_inactive_template_falls_back_to_the_default(seeded):
    version = current_version("1.001193")
    WorkflowTemplate.objects.filter(code="khai-sinh").update(active=False)
    assert template_for(version).default_for == AuthorityTier.COMMUNE
    WorkflowTemplate.objects.filter(default_for=AuthorityTier.COMMUNE).update(active=False)
    assert template_for(version).default_for == AuthorityTier.FALLBACK
    WorkflowTemplate.objects.update(active=False)
    with pytest.raises(WorkflowTemplateMissing):
        template_for(version)


def test_seeding_again_creates_nothing_and_keeps_edits(seeded):
    assert seeded["attached"] == len(POPULAR_CODES)
    WorkflowTemplate.objects.filter(code="khai-sinh").update(name="Khai sinh (sửa)")
    call_command("seed_workflows", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert seed_workflows() == {"templates": 0, "attached": 0}
    assert WorkflowTemplate.objects.get(code="khai-sinh").name == "Khai sinh (sửa)"
    assert ProcedureWorkflow.objects.count() == len(POPULAR_CODES)


def test_liên_thông_steps_name_the_consulted_agency(seeded):
    permit = template_for(current_version("1.013225"))
    consulted = [s.consulted_agency.code for s in permit.steps.all() if s.consulted_agency]
    assert consulted == ["H29.04"]
    land = template_for(current_version("1.013978"))
    registry = land.steps.get(consulted_agency__isnull=False)
    assert (registry.department, registry.agency.code) == ("fixed", "H29.06.01")
    assert registry.consulted_agency.code == "H29.17"


# --- step deadlines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "amount", "unit"),
    [
        (datetime(2026, 12, 4, 16, 55, tzinfo=TZ), 1, "working_day"),  # Friday 16:55
        (datetime(2026, 12, 7, 9, 0, tzinfo=TZ), 7, "working_day"),
        (datetime(2026, 12, 31, 15, 0, tzinfo=TZ), 20, "day"),  # over 1/1
        (datetime(2027, 2, 3, 10, 0, tzinfo=TZ), 10, "working_day"),  # over Tết 2027
        (datetime(2026, 12, 7, 19, 0, tzinfo=TZ), 4, "hour"),  # after hours
    ],
)
def test_step_deadlines_fill_the_working_time_up_to_the_due_date(received, amount, unit):
    cal = default_calendar(overrides={})
    template = WorkflowTemplate.objects.get(default_for=AuthorityTier.PROVINCE)
    due = cal.due_at(received, amount, unit)
    deadlines = step_deadlines(template, received, due, cal)

    assert [step.order for step, _ in deadlines] == [1, 2, 3, 4, 5]
    assert deadlines[-1][1] == due
    moments = [deadline for _, deadline in deadlines]
    assert moments == sorted(moments)
    assert all(cal.is_working_time(moment) for moment in moments)
    total = cal.working_hours_between(received, due)
    elapsed = 0
    for step, deadline in deadlines:
        elapsed += step.share
        # each deadline is its cumulative share of the working time, to the second
        spent = cal.working_hours_between(received, deadline)
        assert abs(spent - total * elapsed / 100) < Decimal("0.001"), step.name


def test_birth_registration_deadlines_split_one_working_day_by_its_shares(seeded):
    cal = default_calendar(overrides={})
    template = template_for(current_version("1.001193"))
    received = datetime(2026, 12, 7, 8, 0, tzinfo=TZ)  # Monday 08:00, 8 working hours
    due = cal.due_at(received, 1, "working_day")
    got = [
        deadline.strftime("%a %H:%M")
        for _, deadline in step_deadlines(template, received, due, cal)
    ]
    # 10 % = 48 min; 60 % = 4 h 48 (3 h 30 before lunch); 90 % = 7 h 12 (7 h on Monday)
    assert got == ["Mon 08:48", "Mon 14:48", "Tue 07:12", "Tue 08:00"]


def test_a_due_date_before_reception_gives_every_step_that_date():
    cal = default_calendar(overrides={})
    template = WorkflowTemplate.objects.get(default_for=AuthorityTier.COMMUNE)
    received = datetime(2026, 12, 7, 9, 0, tzinfo=TZ)
    due = datetime(2026, 12, 7, 8, 0, tzinfo=TZ)
    assert {d for _, d in step_deadlines(template, received, due, cal)} == {due}
