"""The workflow part of the officials' dossier page: the process-control rows (Mẫu 06), the
forms issued for the dossier, and taking (claim) or giving back (release) the open step.

Claiming is :mod:`workflow.routing`'s service; these views call it and answer as the dossier
page answers a transition: done → back to the page with a message, a conflict → the page again
with 409, the wrong role → the 403 page, another unit's step → 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dossiers import official_forms
from dossiers.errors import ActionForbidden, Conflict
from dossiers.models import Dossier
from identity import access
from procedures.models import Agency
from workflow import routing
from workflow.calendar import OpenLateness, classify_open
from workflow.guards import forward_refusal
from workflow.models import ProcessStep


def roles_in_unit(held: dict[int, frozenset[str]], unit: Agency) -> frozenset[str]:
    """The roles held in ``unit`` (a division counts as its agency, as for claiming)."""
    roles = held.get(unit.pk, frozenset())
    if unit.level == Agency.Level.DIVISION and unit.parent_id:
        roles |= held.get(unit.parent_id, frozenset())
    return roles


def process_sections(
    user: Any, dossier: Dossier, held: dict[int, frozenset[str]]
) -> dict[str, Any]:
    """The page's Mẫu 06 rows, issued forms and what the official may do with the open step
    (two queries: the steps with their units and officials, the forms)."""
    steps = list(
        ProcessStep.objects.filter(dossier=dossier)
        .select_related("handed_over_by", "handed_to", "handed_to__parent", "assignee")
        .order_by("order")
    )
    now = timezone.now()
    rows = []
    current = None
    for step in steps:
        if step.finished_at is None:
            current = step
            late = classify_open(step.deadline, now) == OpenLateness.LATE
            result = OpenLateness.LATE.label if late else OpenLateness.IN_TIME.label
        else:
            result = step.get_result_display()
        rows.append({"step": step, "result": result, "open": step.finished_at is None})
    may_claim = may_release = False
    withheld = set()
    if current is not None:
        roles = roles_in_unit(held, current.handed_to)
        may_claim = current.role in roles and current.assignee_id is None
        may_release = current.role in roles and current.assignee_id == user.pk
        if forward_refusal(current, user, roles):
            withheld.add("forward")
    return {
        "process_rows": rows,
        "open_step": current,
        "may_claim": may_claim,
        "may_release": may_release,
        "issued_forms": official_forms.issued(dossier),
        "withheld": withheld,  # actions the table offers but the open step's rule refuses
    }


def _step_view(service: Callable[[Dossier, Any], ProcessStep], done: Promise) -> Callable:
    @never_cache
    @access.official_required
    @require_POST
    def view(request: HttpRequest, code: str) -> HttpResponse:
        from .views_dossiers import _dossier_or_404, _render  # that module renders our rows

        dossier = _dossier_or_404(request, code)
        try:
            service(dossier, request.user)
        except ActionForbidden:
            return access.forbidden_page(request, "step_role", dossier=dossier.code)
        except ProcessStep.DoesNotExist:
            access.deny(request, "step_unit", dossier=dossier.code)
            raise Http404 from None
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return _render(request, dossier, {}, status=409)
        messages.success(request, done)
        return redirect("backoffice:dossier", code=dossier.code)

    return view


claim_step = _step_view(routing.claim_current, _("You took this step: it is in your queue now."))
release_step = _step_view(
    routing.release_current, _("You gave this step back to the shared queue.")
)
