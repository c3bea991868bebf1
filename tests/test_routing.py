"""Routing a dossier through its workflow's steps: the process-control rows (Mẫu 06), their
deadlines and results, idempotency on redelivery, the signal path, claiming and releasing."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from dossiers.errors import ActionForbidden, Conflict
from dossiers.lifecycle import transitions
from dossiers.models import Dossier, DossierEvent
from identity.models import Role
from portal.celery import app
from procedures.models import Agency
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
from workflow import routing
from workflow.calendar import TZ
from workflow.models import ProcessStep, WorkflowStep
from workflow.tasks import route_dossier

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A local time in the week of Monday 7/12/2026 (day 0 = Monday)."""
    moment = datetime.time(hour, minute)
    return datetime.datetime.combine(MONDAY + datetime.timedelta(days=day), moment, tzinfo=TZ)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
    }


@pytest.fixture
def routed(staff) -> Dossier:
    """A marriage registration received Monday 08:00, due Wednesday 08:00 (two working days),
    routed at 08:30: the ward's default workflow (desk 10 %, specialist 50 %, leader 30 %,
    result desk 10 %)."""
    dossier = DossierFactory(submitted=True)
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    Dossier.objects.filter(pk=dossier.pk).update(accepted_at=at(0, 8), due_at=at(2, 8))
    dossier = transitions.route(dossier, staff[Role.RECEPTION], note="Chuyển bộ phận tư pháp")
    pin_last_event(dossier, at(0, 8, 30))
    return dossier


def pin_last_event(dossier: Dossier, moment: datetime.datetime) -> None:
    """Put the latest timeline event at ``moment`` (the services stamp the real time)."""
    last = DossierEvent.objects.filter(dossier=dossier).latest("pk")
    DossierEvent.objects.filter(pk=last.pk).update(at=moment)


def forward(dossier: Dossier, user, moment: datetime.datetime, note: str = "") -> Dossier:
    dossier = transitions.forward(dossier, user, note=note)
    pin_last_event(dossier, moment)
    return dossier


def rows(dossier: Dossier) -> list[ProcessStep]:
    return list(ProcessStep.objects.filter(dossier=dossier).select_related("handed_to"))


def test_the_route_opens_the_first_step_after_reception(routed):
    assert route_dossier(routed.code) == 1
    [row] = rows(routed)
    assert (row.order, row.role, row.name) == (2, Role.SPECIALIST, "Công chức chuyên môn thụ lý")
    assert row.handed_over_by.code == HOME_WARD == row.handed_to.code  # a ward has no division
    assert row.handed_over_at == at(0, 8, 30)
    assert row.deadline == at(1, 9, 36)  # 60 % of 16 working hours from Monday 08:00
    assert row.finished_at is None and row.result == "" and row.assignee is None
    assert row.note == "Chuyển bộ phận tư pháp"


def test_each_forward_closes_the_step_with_its_result_and_opens_the_next(routed, staff):
    specialist, leader = staff[Role.SPECIALIST], staff[Role.LEADER]
    dossier = forward(routed, specialist, at(0, 10), "Trình lãnh đạo")  # before Tuesday: early
    dossier = forward(dossier, leader, at(1, 15))  # leader due Tuesday 16:24: on time
    dossier = forward(dossier, leader, at(3, 9))  # result desk due Wednesday 08:00: late
    assert route_dossier(dossier.code) == 3

    found = [
        (r.order, r.handed_over_at, r.deadline, r.finished_at, r.result, r.note)
        for r in rows(dossier)
    ]
    assert found == [
        (2, at(0, 8, 30), at(1, 9, 36), at(0, 10), "early", "Chuyển bộ phận tư pháp"),
        (3, at(0, 10), at(1, 16, 24), at(1, 15), "on_time", "Trình lãnh đạo"),
        (4, at(1, 15), at(2, 8), at(3, 9), "late", ""),
    ]
    assert [r.role for r in rows(dossier)] == [Role.SPECIALIST, Role.LEADER, Role.RECEPTION]


def test_a_redelivered_task_writes_no_second_row(routed, staff):
    assert route_dossier(routed.code) == 1
    assert route_dossier(routed.code) == 0
    forward(routed, staff[Role.SPECIALIST], at(0, 10))
    assert route_dossier(routed.code) == 1
    assert route_dossier(routed.code) == 0  # the forward's task, delivered again
    assert [(r.order, r.finished_at) for r in rows(routed)] == [(2, at(0, 10)), (3, None)]
    with pytest.raises(IntegrityError), transaction.atomic():
        first = rows(routed)[0]
        first.pk = None
        first.save()  # the database refuses a second row for a step too


def test_a_late_task_catches_up_on_forwards_it_did_not_see(routed, staff):
    """Tasks may run late or out of order: the rows follow the timeline, not the task."""
    forward(routed, staff[Role.SPECIALIST], at(0, 10))
    assert route_dossier(routed.code) == 2
    assert [(r.order, r.result) for r in rows(routed)] == [(2, "early"), (3, "")]


def test_a_forward_past_the_last_step_writes_nothing_more(routed, staff):
    leader = staff[Role.LEADER]
    for day in (0, 1, 1, 2):
        forward(routed, leader, at(day, 16))
    route_dossier(routed.code)
    assert [r.order for r in rows(routed)] == [2, 3, 4]
    assert rows(routed)[-1].finished_at == at(1, 16)


def test_an_unknown_or_unrouted_dossier_gets_no_row(staff):
    assert route_dossier("H29.99-000000-0000") == 0
    received = transitions.receive(DossierFactory(submitted=True), staff[Role.RECEPTION])
    assert route_dossier(received.code) == 0
    assert not ProcessStep.objects.exists()


def test_the_route_and_forward_transitions_enqueue_the_task_after_commit(
    routed, staff, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(route_dossier, "delay", lambda code: sent.append(route_dossier(code)))
    with django_capture_on_commit_callbacks(execute=True):
        transitions.forward(routed, staff[Role.SPECIALIST])
        assert sent == []  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):
        transitions.request_fees(routed, staff[Role.SPECIALIST])  # not a hand-off
    assert sent == [2]
    assert [r.order for r in rows(routed)] == [2, 3]


def test_the_task_is_routed_to_the_routing_queue():
    assert app.amqp.router.route({}, route_dossier.name)["queue"].name == "routing"


def test_the_lead_division_is_the_divisions_staffed_with_the_steps_role():
    department = Agency.objects.get(code="H29.06")
    registry = Agency.objects.get(code="H29.06.01")
    step = WorkflowStep(role=Role.SPECIALIST, department=WorkflowStep.Department.LEAD_DIVISION)
    assert routing.department_for(step, department) == department  # nobody there yet
    OfficialFactory(role=Role.SPECIALIST, agency=department, division=registry)
    assert routing.department_for(step, department) == registry
    step.department = WorkflowStep.Department.RECEIVING_AGENCY
    assert routing.department_for(step, department) == department
    fixed = WorkflowStep(role=Role.SPECIALIST, department="fixed", agency=registry)
    assert routing.department_for(fixed, Agency.objects.get(code="H29.03")) == registry


# --- claim and release -------------------------------------------------------------------------


@pytest.fixture
def open_step(routed) -> ProcessStep:
    route_dossier(routed.code)
    return ProcessStep.objects.get(dossier=routed)


def test_an_official_claims_and_releases_a_step_of_the_shared_queue(open_step, staff):
    specialist = staff[Role.SPECIALIST]
    assert routing.claim(open_step, specialist).assignee == specialist
    assert routing.claim(open_step, specialist).assignee == specialist  # again: harmless
    open_step.refresh_from_db()
    assert open_step.assignee == specialist
    assert routing.release(open_step, specialist).assignee is None
    open_step.refresh_from_db()
    assert open_step.assignee is None


def test_a_claimed_step_cannot_be_taken_or_released_by_someone_else(open_step, staff):
    first = staff[Role.SPECIALIST]
    second = OfficialFactory(username="ward.specialist2", role=Role.SPECIALIST, agency=HOME_WARD)
    routing.claim(open_step, first)
    with pytest.raises(Conflict) as refused:
        routing.claim(open_step, second)
    assert refused.value.message == "Cán bộ khác đã nhận bước này."
    with pytest.raises(Conflict):
        routing.release(open_step, second)
    open_step.refresh_from_db()
    assert open_step.assignee == first


def test_another_agencys_official_does_not_find_the_step(open_step):
    other = OfficialFactory(username="tuphap.cv", role=Role.SPECIALIST, agency="H29.03")
    for service in (routing.claim, routing.release):
        with pytest.raises(ProcessStep.DoesNotExist):
            service(open_step, other)
    open_step.refresh_from_db()
    assert open_step.assignee is None


def test_the_wrong_role_may_not_claim(open_step, staff):
    with pytest.raises(ActionForbidden) as refused:
        routing.claim(open_step, staff[Role.LEADER])
    assert refused.value.message == "Vai trò của bạn không xử lý bước này."
    open_step.refresh_from_db()
    assert open_step.assignee is None


def test_a_finished_step_cannot_be_claimed(open_step, staff, routed):
    forward(routed, staff[Role.SPECIALIST], at(0, 10))
    route_dossier(routed.code)
    with pytest.raises(Conflict):
        routing.claim(open_step, staff[Role.SPECIALIST])
