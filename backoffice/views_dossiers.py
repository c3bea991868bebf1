"""The officials' dossier page: one dossier with the actions it allows now (the inbox is
:mod:`.views_inbox`).

Thin views: the access rule comes from :mod:`dossiers.lifecycle.inbox`, the
actions and their rules from the transition table, every change from
:func:`dossiers.lifecycle.transitions.perform`. A view only reads the request, calls them and
renders what they answer (a refusal next to the form, a conflict as a 409 page).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dossiers import forms_render, services
from dossiers.delivery import services as delivery
from dossiers.errors import ActionForbidden, Conflict, DossierError
from dossiers.lifecycle import inbox as inbox_service
from dossiers.lifecycle import transitions
from dossiers.lifecycle.table import TABLE
from dossiers.models import Dossier
from dossiers.views_tracking import describe_event
from identity import access

from .forms import TransitionForm
from .views_steps import process_sections


@never_cache
@access.official_required
@require_http_methods(["GET", "POST"])
def dossier_page(request: HttpRequest, code: str) -> HttpResponse:
    """One dossier; a POST takes one action of the table and comes back here."""
    dossier = _dossier_or_404(request, code)
    if request.method != "POST":
        return _render(request, dossier, {})
    action = request.POST.get("action", "")
    if action not in TABLE:
        messages.error(request, _("Unknown action."))
        return redirect("backoffice:dossier", code=dossier.code)
    form = TransitionForm(request.POST, request.FILES, transition=TABLE[action])
    if not form.is_valid():
        return _render(request, dossier, {action: form}, status=400)
    try:
        if action == "return_result":
            changed = delivery.hand_over(dossier, request.user, **form.asked())
        else:
            changed = transitions.perform(dossier, request.user, action, **form.asked())
    except ActionForbidden:
        return access.forbidden_page(request, "role", dossier=dossier.code)
    except Dossier.DoesNotExist:
        raise Http404 from None
    except Conflict as conflict:
        messages.error(request, conflict.message)
        fresh = _dossier_or_404(request, code)
        return _render(request, fresh, {}, status=409)
    except DossierError as refusal:
        form.add_error(None, refusal.message)
        for field, message in refusal.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return _render(request, dossier, {action: form}, status=400)
    messages.success(
        request,
        _("Done: %(action)s. The dossier is now “%(status)s”.")
        % {"action": TABLE[action].label, "status": changed.get_status_display()},
    )
    return redirect("backoffice:dossier", code=changed.code)


def _dossier_or_404(request: HttpRequest, code: str) -> Dossier:
    try:
        return inbox_service.get_for_official(request.user, code)
    except Dossier.DoesNotExist:
        access.deny(request, "dossier", dossier=code[:60])
        raise Http404 from None


def _render(
    request: HttpRequest, dossier: Dossier, posted: dict[str, TransitionForm], status: int = 200
) -> HttpResponse:
    """The dossier page; ``posted`` keeps what the official typed in a refused form."""
    held = access.roles_by_agency(request.user)
    process = process_sections(request.user, dossier, held)
    actions = []
    for action in inbox_service.actions_for(request.user, dossier, held):
        if action in process["withheld"]:
            continue
        form = posted.get(action) or TransitionForm(
            transition=TABLE[action], initial={"revision": dossier.revision}
        )
        actions.append({"action": action, "label": TABLE[action].label, "form": form})
    return render(
        request,
        "backoffice/dossier.html",
        {
            "dossier": dossier,
            "sections": _sections(dossier),
            "documents": _documents(dossier),
            "timeline": _timeline(dossier),
            "requests": dossier.supplement_requests.order_by("requested_at"),
            "actions": actions,
            **process,
        },
        status=status,
    )


def _sections(dossier: Dossier) -> list[dict[str, Any]]:
    """The submitted answers laid out by the frozen schema's sections and labels."""
    schema = dossier.form_schema or {}
    data = dossier.submitted_data or {}
    ward_names = dict(forms_render.ward_choices())
    return [
        {
            "title": section.get("title", ""),
            "answers": forms_render.answers(section, data.get(section["id"]), ward_names),
        }
        for section in schema.get("sections", [])
    ]


def _documents(dossier: Dossier) -> list[dict[str, Any]]:
    slots = dossier.form_schema.get("documents") or []
    names = {slot.get("id"): slot.get("name", "") for slot in slots}
    return [
        {
            "slot": names.get(item.slot_id, item.slot_id),
            "title": item.stored.title,
            "file_name": item.stored.original_name,
            "size": item.stored.size,
            "public_id": item.stored.public_id,
        }
        for item in services.attached(dossier)
    ]


def _timeline(dossier: Dossier) -> list[dict[str, Any]]:
    rows = []
    for event in services.timeline(dossier):
        row = describe_event(event)
        row.update(actor=event.actor, actor_type=event.actor_type, note=event.note)
        rows.append(row)
    return rows
