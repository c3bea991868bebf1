"""Beat tasks: the holder of a step due within one working day is reminded, overdue dossiers
are flagged to the heads of division, a dossier about to be late is proposed for an apology
(Mẫu 04) to its leaders, by e-mail and on the back office's dossier page; once a day each."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from dossiers.lifecycle import transitions
from dossiers.models import Dossier
from identity.models import Role
from notifications import tasks
from notifications.models import Notification
from notifications.topics import EMAIL
from outbox import relay
from procedures.models import DurationUnit
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory, sign_in
from workflow import routing
from workflow.calendar import calendar_for
from workflow.models import ProcessStep
from workflow.tasks import route_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(
            username=f"b.{role}", role=role, agency=HOME_WARD, email=f"{role}@hcm.gov.vn"
        )
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
    }


def routed(staff) -> Dossier:
    desk = staff[Role.RECEPTION]
    dossier = transitions.receive(DossierFactory(submitted=True), desk)
    dossier = transitions.route(dossier, desk)
    route_dossier(dossier.code)
    return Dossier.objects.get(pk=dossier.pk)


def working_days_from_now(dossier: Dossier, days: str) -> datetime.datetime:
    calendar = calendar_for(dossier.receiving_agency)
    return calendar.due_at(timezone.now(), Decimal(days), DurationUnit.WORKING_DAY)


def official_mail(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_the_holder_of_a_step_due_within_a_working_day_is_reminded_once(staff):
    specialist = staff[Role.SPECIALIST]
    dossier = routed(staff)
    step = ProcessStep.objects.get(dossier=dossier, finished_at=None)
    routing.claim(step, specialist)
    ProcessStep.objects.filter(pk=step.pk).update(deadline=working_days_from_now(dossier, "0.5"))
    assert tasks.remind_step_holders() == 1
    assert tasks.remind_step_holders() == 0  # the same day: nothing again
    relay(EMAIL)
    [sent] = official_mail(specialist)
    assert dossier.code in sent.body and "đến hạn lúc" in sent.body
    assert f'Bước "{step.name}"' in sent.body

    ProcessStep.objects.filter(pk=step.pk).update(deadline=working_days_from_now(dossier, "3"))
    Notification.objects.all().delete()
    assert tasks.remind_step_holders() == 0  # not due within a working day


def test_an_overdue_dossier_is_flagged_to_the_heads_of_division_once(staff):
    dossier = routed(staff)
    Dossier.objects.filter(pk=dossier.pk).update(
        due_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert tasks.flag_overdue() == 1
    assert tasks.flag_overdue() == 0
    relay(EMAIL)
    [sent] = official_mail(staff[Role.DIVISION_HEAD])
    assert "chưa giải quyết xong" in sent.body and dossier.code in sent.subject
    assert not official_mail(staff[Role.LEADER]) and not official_mail(staff[Role.SPECIALIST])


def test_a_dossier_about_to_be_late_is_proposed_for_an_apology_once(staff, client):
    leader = staff[Role.LEADER]
    dossier = routed(staff)
    soon = working_days_from_now(dossier, "1.5")
    Dossier.objects.filter(pk=dossier.pk).update(due_at=soon)
    assert tasks.propose_apology() == 1
    assert tasks.propose_apology() == 0
    relay(EMAIL)
    [sent] = official_mail(leader)
    assert "Mẫu 04" in sent.body and dossier.code in sent.body
    sign_in(client, leader)
    page = client.get(f"/backoffice/dossiers/{dossier.code}/").content.decode()
    assert 'data-event="apology_due"' in page and "Nhắc việc và cảnh báo" in page

    # Too late for an apology (less than one working day's notice), or already moved: nothing.
    Notification.objects.all().delete()
    Dossier.objects.filter(pk=dossier.pk).update(due_at=working_days_from_now(dossier, "0.5"))
    assert tasks.propose_apology() == 0
    Dossier.objects.filter(pk=dossier.pk).update(due_at=soon, extended=True)
    assert tasks.propose_apology() == 0
