"""Which workflow a dossier follows, and when each of its steps is due.

* :func:`template_for` — a procedure version's own template (:class:`ProcedureWorkflow`), else
  the one of its latest earlier version that has one (a re-imported version keeps the agency's
  process), else the default of its authority tier (:func:`tier_for`), else the fallback
  default. An inactive template is never handed out.
* :func:`step_deadlines` — each step's deadline: the working time from reception to the due
  date, split by the steps' shares, counted with the agency's calendar. The last step is due
  exactly at the dossier's due date, so rounding never moves it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from procedures.models import Level, ProcedureVersion

from .calendar import WorkingCalendar
from .models import (
    AuthorityTier,
    ProcedureWorkflow,
    WorkflowStep,
    WorkflowTemplate,
    validate_shares,
)


class WorkflowTemplateMissing(ImproperlyConfigured):
    """No active template applies: the defaults were deleted or deactivated."""


def _is_vertical(agency) -> bool:
    """The agency, or one it belongs to, is a branch of a central ministry."""
    vertical = set(settings.VERTICAL_AGENCIES)
    seen = set()
    while agency is not None and agency.pk not in seen:
        if agency.code in vertical:
            return True
        seen.add(agency.pk)
        agency = agency.parent
    return False


def tier_for(version: ProcedureVersion) -> str:
    """The authority tier whose default workflow a version without its own one follows.

    Commune procedures are handled by the commune where they are filed whoever the catalogue
    names; otherwise the receiving agency decides between a vertical agency and a city
    department; ministry-level and "other" procedures received by a department fall back.
    """
    if version.level == Level.COMMUNE or version.receives_at_commune:
        return AuthorityTier.COMMUNE
    if _is_vertical(version.receiving_agency):
        return AuthorityTier.VERTICAL
    if version.level == Level.PROVINCE:
        return AuthorityTier.PROVINCE
    return AuthorityTier.FALLBACK


def template_for(version: ProcedureVersion) -> WorkflowTemplate:
    """The workflow template a dossier filed under ``version`` follows."""
    attached = (
        ProcedureWorkflow.objects.filter(
            version__procedure_id=version.procedure_id, version__number__lte=version.number
        )
        .select_related("template")
        .order_by("-version__number")
        .first()
    )
    if attached is not None and attached.template.active:
        return attached.template
    defaults = {
        template.default_for: template
        for template in WorkflowTemplate.objects.filter(active=True).exclude(default_for="")
    }
    template = defaults.get(tier_for(version)) or defaults.get(AuthorityTier.FALLBACK)
    if template is None:
        raise WorkflowTemplateMissing(
            _(
                "No active workflow template applies to this procedure: mark one as the "
                "default for any other procedure, or run manage.py seed_workflows."
            )
        )
    return template


def step_deadlines(
    template: WorkflowTemplate,
    received_at: datetime,
    due_at: datetime,
    calendar: WorkingCalendar,
) -> list[tuple[WorkflowStep, datetime]]:
    """``[(step, deadline)]`` in order: step *n* is due when the shares of steps 1..n of the
    working time between ``received_at`` and ``due_at`` have passed.

    The template's shares are checked first (a template edited outside the admin could break
    them); a due date at or before the reception gives every step that due date.
    """
    steps = list(template.steps.order_by("order"))
    validate_shares([step.share for step in steps])  # not validate_steps(): one query
    total = calendar.working_hours_between(received_at, due_at)
    deadlines = []
    elapsed = 0
    for step in steps[:-1]:
        elapsed += step.share
        if total <= 0:
            deadlines.append((step, due_at))
            continue
        deadline = calendar.add_working_hours(received_at, total * Decimal(elapsed) / 100)
        deadlines.append((step, min(deadline, due_at)))
    deadlines.append((steps[-1], due_at))
    return deadlines
