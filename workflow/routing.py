"""Routing a dossier through its workflow's steps, and claiming steps inside a department.

The dossier's timeline is the truth: the ``routed`` event hands the dossier to the first step
after reception, each ``step`` event (a forward) closes the open step and opens the next, and a
decision that ends the processing (approved, stopped, withdrawn, refused) closes the open step
at that moment with its result.
:func:`sync_steps` writes the process-control rows (Mẫu 06, :class:`ProcessStep`) that these
events call for and nothing more, so running it twice, late or out of order (a redelivered
Celery task) writes no second row; the unique (dossier, order) constraint backs that up.
Times come from the events, not from when the task happens to run.

Inside the receiving unit a step waits in the shared queue (no assignee) until an official of
that unit holding the step's role :func:`claim`\\ s it; :func:`release` puts it back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dossiers import signals
from dossiers.errors import ActionForbidden, Conflict
from dossiers.models import Dossier, DossierEvent
from identity import access
from identity.models import Role, StaffRole
from procedures.models import Agency

from .calendar import calendar_for, classify_finished
from .models import ProcessStep, WorkflowStep
from .templates import step_deadlines, template_for

logger = logging.getLogger(__name__)

ROUTED, FORWARDED = "routed", "step"  # DossierEvent.action of the route and forward transitions
# DossierEvent.action of the decisions that end the processing (approve, stop, withdraw, refuse).
ENDED = frozenset({"decided", "stopped", "withdrawn", "refused"})


@dataclass(frozen=True)
class HandOff:
    """One event that moves the dossier to a step: when, and the official's note."""

    at: datetime
    note: str


# --- which unit handles a step -----------------------------------------------------------------


def department_for(step: WorkflowStep, agency: Agency) -> Agency:
    """The unit that handles ``step`` of a dossier received by ``agency``.

    A fixed step names its unit. The lead division is the first of the agency's divisions
    (by code) where someone holds the step's role; an agency without one handles the step
    itself, as does a step of the receiving agency.
    """
    if step.department == WorkflowStep.Department.FIXED and step.agency_id:
        return step.agency
    if step.department == WorkflowStep.Department.LEAD_DIVISION:
        staffed = StaffRole.objects.filter(role=step.role).filter(
            division__isnull=False, division__parent=agency
        )
        division = (
            Agency.objects.filter(level=Agency.Level.DIVISION, parent=agency)
            .filter(pk__in=staffed.values("division_id"))
            .order_by("code")
            .first()
        )
        if division is not None:
            return division
    return agency


# --- the rows the timeline calls for -----------------------------------------------------------


def steps_after_reception(steps: list[WorkflowStep]) -> list[WorkflowStep]:
    """The template's steps from the first one that is not the reception desk's."""
    for index, step in enumerate(steps):
        if step.role != Role.RECEPTION:
            return steps[index:]
    return []


def hand_offs(dossier: Dossier) -> tuple[list[HandOff], datetime | None]:
    """The route, then each forward, in the order they happened; and when the processing
    ended (the first decision that ends it, None while it goes on). One query."""
    events = DossierEvent.objects.filter(
        dossier=dossier, action__in=[ROUTED, FORWARDED, *sorted(ENDED)]
    ).order_by("at", "pk")
    moves: list[HandOff] = []
    ended: datetime | None = None
    for action, at, note in events.values_list("action", "at", "note"):
        if action in ENDED:
            ended = ended or at
        else:
            moves.append(HandOff(at, note))
    return moves, ended


def sync_steps(code: str) -> int:
    """Write the process-control rows of dossier ``code`` that its timeline calls for.

    Returns how many rows were written: opened, plus the last one when a decision that ends
    the processing closed it (0 when everything was already there: a redelivery). The dossier
    row is locked, so two tasks for one dossier run one after the other.
    """
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("receiving_agency", "procedure_version")
            .filter(code=code)
            .first()
        )
        if dossier is None or dossier.receiving_agency is None or dossier.due_at is None:
            logger.warning("routing: no received dossier %s to route", code)
            return 0
        moves, ended = hand_offs(dossier)
        if not moves:
            return 0
        existing = {row.order: row for row in ProcessStep.objects.filter(dossier=dossier)}
        plan = _plan(dossier)
        if len(moves) > len(plan):
            logger.warning("routing: %s was forwarded past its last step", code)
        written = 0
        previous: ProcessStep | None = None
        for index, (move, (step, deadline)) in enumerate(zip(moves, plan, strict=False)):
            row = existing.get(step.order)
            if row is None:
                row = _open(dossier, step, deadline, move, previous)
                written += 1
                signals.send(
                    dossier,
                    "hand_off",
                    from_status=dossier.status,
                    to_status=dossier.status,
                    at=move.at,
                    actor="system",
                    note=move.note,
                    step=row,
                )
            if index + 1 < len(moves) and row.finished_at is None:
                _close(row, moves[index + 1].at)
            previous = row
        if ended is not None and previous is not None and previous.finished_at is None:
            _close(previous, max(ended, previous.handed_over_at))
            written += 1
    return written


def _plan(dossier: Dossier) -> list[tuple[WorkflowStep, datetime]]:
    """Each step after reception with its deadline, from the dossier's reception and due date."""
    template = template_for(dossier.procedure_version)
    calendar = calendar_for(dossier.receiving_agency)
    deadlines = step_deadlines(template, dossier.accepted_at, dossier.due_at, calendar)
    kept = {step.pk for step in steps_after_reception([step for step, _due in deadlines])}
    return [(step, due) for step, due in deadlines if step.pk in kept]


def _open(
    dossier: Dossier,
    step: WorkflowStep,
    deadline: datetime,
    move: HandOff,
    previous: ProcessStep | None,
) -> ProcessStep:
    return ProcessStep.objects.create(
        dossier=dossier,
        template_step=step,
        order=step.order,
        name=step.name,
        role=step.role,
        handed_over_by=previous.handed_to if previous else dossier.receiving_agency,
        handed_to=department_for(step, dossier.receiving_agency),
        handed_over_at=move.at,
        deadline=deadline,
        note=move.note,
    )


def _close(row: ProcessStep, at: datetime) -> None:
    row.finished_at = at
    row.result = classify_finished(row.deadline, at)
    row.save(update_fields=["finished_at", "result"])


# --- claiming inside the department ----------------------------------------------------------


def _locked_for(step: ProcessStep, official: Any) -> ProcessStep:
    """The open step's row, locked, once ``official`` may work on it.

    Another unit's step is "not found" (as another agency's dossier is); the unit's official
    without the step's role is refused; a finished step cannot change hands any more.
    """
    locked = ProcessStep.objects.select_for_update().select_related("handed_to").get(pk=step.pk)
    if not access.can_access_agency(official, locked.handed_to):
        raise ProcessStep.DoesNotExist
    if locked.role not in access.roles_in(official, locked.handed_to):
        raise ActionForbidden(_("Your role does not handle this step."))
    if locked.finished_at is not None:
        raise Conflict(_("This step is already finished."))
    return locked


def claim(step: ProcessStep, official: Any) -> ProcessStep:
    """The official takes the step out of the shared queue (claiming one's own step again is
    harmless); a step another official holds is a :class:`Conflict`."""
    with transaction.atomic():
        locked = _locked_for(step, official)
        if locked.assignee_id not in (None, official.pk):
            raise Conflict(_("Another official has already taken this step."))
        if locked.assignee_id is None:
            locked.assignee = official
            locked.save(update_fields=["assignee"])
    return locked


def release(step: ProcessStep, official: Any) -> ProcessStep:
    """The official puts their step back in the shared queue; only its holder may."""
    with transaction.atomic():
        locked = _locked_for(step, official)
        if locked.assignee_id is not None and locked.assignee_id != official.pk:
            raise Conflict(_("This step is held by another official."))
        if locked.assignee_id is not None:
            locked.assignee = None
            locked.save(update_fields=["assignee"])
    return locked


def current_step(dossier: Dossier) -> ProcessStep | None:
    """The dossier's open step (the latest one, should a redelivery ever leave two open)."""
    return (
        ProcessStep.objects.filter(dossier=dossier, finished_at=None)
        .select_related("handed_to", "assignee")
        .order_by("-order")
        .first()
    )


def _current_or_conflict(dossier: Dossier) -> ProcessStep:
    step = current_step(dossier)
    if step is None:
        raise Conflict(_("This dossier has no open step to take or give back."))
    return step


def claim_current(dossier: Dossier, official: Any) -> ProcessStep:
    """:func:`claim` the dossier's open step (none open: a :class:`Conflict`)."""
    return claim(_current_or_conflict(dossier), official)


def release_current(dossier: Dossier, official: Any) -> ProcessStep:
    """:func:`release` the dossier's open step (none open: a :class:`Conflict`)."""
    return release(_current_or_conflict(dossier), official)
