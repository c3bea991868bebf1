"""The workflow's rule on the lifecycle's ``forward``: only the open step's holder hands over.

A dossier whose open step waits in a unit's queue is forwarded by an official of that unit who
holds the step's role; once an official has taken the step, by that official only. A dossier
without an open step (not routed yet) follows the transition table alone. Registered in
:meth:`workflow.apps.WorkflowConfig.ready` with :func:`dossiers.lifecycle.transitions.add_check`
(the dossiers app does not import the workflow).

A step handed to a unit outside the receiving agency (liên thông: another agency is consulted)
cannot be worked on by that unit's officials yet, since only the receiving agency's officials
see the dossier; until they can, the receiving agency's official holding the step's role
records the consulted unit's answer and hands over.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dossiers.errors import ActionForbidden
from dossiers.models import Dossier
from identity import access
from procedures.models import Agency

from .models import ProcessStep


def forward_refusal(step: ProcessStep, user: Any, roles: frozenset[str]) -> str | None:
    """Why ``user`` (holding ``roles`` in the step's unit) may not forward ``step``; None: may."""
    if step.role not in roles:
        return _("The open step belongs to another unit or role; only its unit hands it over.")
    if step.assignee_id is not None and step.assignee_id != user.pk:
        return _("Another official has taken the open step; only they hand it over.")
    return None


def check_forward(dossier: Dossier, user: Any) -> None:
    """Refuse the forward (403) unless ``user`` may hand over the dossier's open step; the step
    row is locked, so a claim cannot slip in between."""
    step = (
        ProcessStep.objects.select_for_update(of=("self",))
        .select_related("handed_to")
        .filter(dossier=dossier, finished_at=None)
        .order_by("-order")
        .first()
    )
    if step is None:
        return
    unit = step.handed_to if _inside(step.handed_to, dossier) else dossier.receiving_agency
    refusal = forward_refusal(step, user, access.roles_in(user, unit))
    if refusal:
        raise ActionForbidden(refusal)


def _inside(unit: Agency, dossier: Dossier) -> bool:
    """Whether ``unit`` is the dossier's receiving agency or one of its divisions."""
    agency_id = dossier.receiving_agency_id
    return unit.pk == agency_id or unit.parent_id == agency_id
