"""Beat tasks: remind, flag and propose, each at most once per step (or dossier) and day.

Every run looks at what is true now; the key of each notice names the step or dossier and the
local date, so a run every few minutes writes a notice once a day at most (a second run finds
the key and writes nothing). Each notice commits in its own transaction with its outbox message.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from dossiers.models import Dossier, Status
from identity import access
from identity.models import Role, StaffRole
from procedures.models import DurationUnit
from workflow.calendar import calendar_for
from workflow.models import ProcessStep

from . import events
from .texts import when

# A working day never spans more calendar days than this (Tết and a weekend): a cheap prefilter.
HORIZON = datetime.timedelta(days=12)
# Open and counting (a supplement request pauses the clock).
RUNNING = (Status.ACCEPTED, Status.PROCESSING, Status.PAYMENT)


def _working_days_after(agency: Any, moment: datetime.datetime, days: int) -> datetime.datetime:
    return calendar_for(agency).due_at(moment, Decimal(days), DurationUnit.WORKING_DAY)


def _holders(step: ProcessStep) -> list[Any]:
    if step.assignee_id:
        return [step.assignee]
    rows = StaffRole.objects.filter(role=step.role, user__is_active=True).filter(
        agency=step.handed_to
    ) | StaffRole.objects.filter(role=step.role, user__is_active=True, division=step.handed_to)
    return list({row.user_id: row.user for row in rows.select_related("user")}.values())


def _holders_of(agency: Any, role: str) -> list[Any]:
    rows = access.staff_of(agency).filter(role=role, user__is_active=True)
    return list({row.user_id: row.user for row in rows}.values())


def _notify(dossier: Dossier, users: list[Any], event: str, ref: str, **extra: Any) -> int:
    written = 0
    for user in users:
        if user.email:
            with transaction.atomic():
                written += len(events.notify_official(dossier, user, event, ref, **extra))
    return written


@shared_task(name="notifications.remind_step_holders", acks_late=True)
def remind_step_holders() -> int:
    """The holder of a step due within one working day gets an e-mail (once per step and day)."""
    now = timezone.now()
    today = timezone.localdate(now).isoformat()
    steps = ProcessStep.objects.filter(
        finished_at=None,
        deadline__gt=now,
        deadline__lte=now + HORIZON,
        dossier__status=Status.PROCESSING,
    ).select_related("dossier__receiving_agency", "dossier__applicant",
                     "dossier__procedure_version", "assignee", "handed_to")  # fmt: skip
    written = 0
    for step in steps:
        if step.deadline > _working_days_after(step.dossier.receiving_agency, now, 1):
            continue
        written += _notify(step.dossier, _holders(step), "step_due", f"step{step.pk}:{today}",
                           step=step.name, deadline=when(step.deadline))  # fmt: skip
    return written


def _open_dossiers(**filters: Any):
    return Dossier.objects.filter(**filters).select_related(
        "receiving_agency", "applicant", "procedure_version"
    )


@shared_task(name="notifications.flag_overdue", acks_late=True)
def flag_overdue() -> int:
    """The heads of division of the handling agency hear of each overdue dossier, once a day."""
    now = timezone.now()
    today = timezone.localdate(now).isoformat()
    written = 0
    for dossier in _open_dossiers(
        status__in=RUNNING, due_at__lt=now, receiving_agency__isnull=False
    ):
        heads = _holders_of(dossier.receiving_agency, Role.DIVISION_HEAD)
        written += _notify(dossier, heads, "overdue", f"overdue:{today}")
    return written


@shared_task(name="notifications.propose_apology", acks_late=True)
def propose_apology() -> int:
    """A dossier due within two working days, not moved yet and still in time for an apology
    (one working day's notice): its agency's leaders are asked to issue Mẫu 04, once a day."""
    now = timezone.now()
    today = timezone.localdate(now).isoformat()
    written = 0
    candidates = _open_dossiers(
        status__in=RUNNING, extended=False, due_at__gt=now, due_at__lte=now + HORIZON,
        receiving_agency__isnull=False,
    )  # fmt: skip
    for dossier in candidates:
        agency = dossier.receiving_agency
        if dossier.due_at > _working_days_after(agency, now, 2):
            continue  # not late yet
        if _working_days_after(agency, now, 1) > dossier.due_at:
            continue  # too late for an apology
        leaders = _holders_of(agency, Role.LEADER)
        written += _notify(dossier, leaders, "apology_due", f"apology:{today}")
    return written
