"""The workflow's rule on the lifecycle's ``forward``: only the open step's holder hands over.

A dossier whose open step waits in a unit's queue is forwarded by an official of that unit who
holds the step's role; once an official has taken the step, by that official only. A dossier
without an open step (not routed yet) follows the transition table alone. Registered in
:meth:`workflow.apps.WorkflowConfig.ready` with :func:`dossiers.lifecycle.transitions.add_check`
(the dossiers app does not import the workflow).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dossiers.errors import ActionForbidden
from dossiers.models import Dossier
from identity import access

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
    refusal = forward_refusal(step, user, access.roles_in(user, step.handed_to))
    if refusal:
        raise ActionForbidden(refusal)
