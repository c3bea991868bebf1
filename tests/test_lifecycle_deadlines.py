"""Due dates set by the transitions, from the procedure's duration and the working-time calendar
(workflow.calendar, DOMAIN.md §4). The marriage procedure takes 1 working day on every channel.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from dossiers import deadlines
from dossiers.errors import DossierError
from dossiers.lifecycle import transitions
from dossiers.models import Status
from identity.models import Role
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=HCM)


@pytest.fixture
def clock(monkeypatch):
    """Set the time the services see: ``clock(at(2026, 12, 4, 16, 55))``."""

    def set_to(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.LEADER)
    }


@pytest.fixture
def dossier():
    return DossierFactory(submitted=True)


def test_the_marriage_procedure_takes_one_working_day(dossier):
    assert deadlines.duration_of(dossier) == (1, "working_day")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Friday 16:55: five minutes on Friday, the rest on Monday.
        (at(2026, 12, 4, 16, 55), at(2026, 12, 7, 16, 55)),
        # After hours on Friday: counting starts Monday morning.
        (at(2026, 12, 4, 18, 0), at(2026, 12, 7, 17, 0)),
        # Wednesday before 30/4 and 1/5 (Thursday, Friday): due Monday.
        (at(2026, 4, 29, 10, 0), at(2026, 5, 4, 10, 0)),
    ],
    ids=["friday-16-55", "friday-evening", "before-30-4"],
)
def test_reception_sets_the_due_date_from_the_calendar(dossier, staff, clock, received, due):
    clock(received)
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    assert dossier.accepted_at == received
    assert dossier.due_at == due and dossier.original_due_at == due
    assert not dossier.extended


def supplement(dossier, staff, clock, asked_at, answered_at):
    clock(at(2026, 12, 1, 8, 0))  # Tuesday
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    dossier = transitions.route(dossier, staff[Role.RECEPTION])
    clock(asked_at)
    dossier = transitions.request_supplement(
        dossier, staff[Role.SPECIALIST], note="Thiếu", items=["Giấy xác nhận"]
    )
    assert dossier.status == Status.SUPPLEMENT and dossier.paused_at == asked_at
    clock(answered_at)
    return transitions.receive_supplement(dossier, staff[Role.RECEPTION])


def test_a_supplement_restarts_the_full_duration_by_default(dossier, staff, clock):
    dossier = supplement(dossier, staff, clock, at(2026, 12, 1, 9, 0), at(2026, 12, 3, 14, 0))
    assert dossier.original_due_at == at(2026, 12, 2, 8, 0)
    assert dossier.due_at == at(2026, 12, 4, 14, 0)  # one working day from Thursday 14:00
    assert dossier.paused_at is None


def test_the_shift_rule_adds_the_working_time_paused(dossier, staff, clock, settings):
    settings.SUPPLEMENT_CLOCK_RULE = "shift"
    # Paused Tuesday 09:00 → Wednesday 09:00: 8 working hours on the clock.
    dossier = supplement(dossier, staff, clock, at(2026, 12, 1, 9, 0), at(2026, 12, 2, 9, 0))
    assert dossier.due_at == at(2026, 12, 3, 8, 0)


def test_an_apology_is_due_one_working_day_before_the_due_date(dossier, staff, clock):
    clock(at(2026, 12, 4, 16, 55))
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])  # due Monday 16:55
    dossier = transitions.route(dossier, staff[Role.RECEPTION])
    leader = staff[Role.LEADER]
    new = at(2026, 12, 10, 17, 0)

    clock(at(2026, 12, 4, 16, 56))  # one working day later is Monday 16:56: too late
    with translation.override("vi"), pytest.raises(DossierError) as refused:
        transitions.apologise_and_extend(dossier, leader, note="Chờ xác minh", new_due_at=new)
    assert refused.value.message == (
        "Phiếu xin lỗi phải được ban hành chậm nhất một ngày làm việc trước ngày hẹn trả kết quả."
    )

    clock(at(2026, 12, 4, 16, 50))
    dossier = transitions.apologise_and_extend(dossier, leader, note="Chờ xác minh", new_due_at=new)
    assert (dossier.due_at, dossier.original_due_at) == (new, at(2026, 12, 7, 16, 55))
