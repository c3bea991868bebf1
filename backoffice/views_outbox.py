"""Hộp thư đi: the operators' view of the outbox (city administrators only).

Per topic: what waits, what fails and is being retried, what is dead, the age of the oldest
waiting message; the dead and failing messages with their last error; requeue (audited).
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

import outbox
from identity import access, audit
from identity.models import AuditEvent, Role
from outbox.models import Message

PER_PAGE = 50
STATES = ("failing", Message.State.DEAD, Message.State.PENDING, Message.State.DELIVERED)


@access.official_required(roles=[Role.CITY_ADMIN])
@require_http_methods(["GET", "POST"])
def outbox_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _requeue(request)
    state = request.GET.get("state") or "failing"
    if state not in STATES:
        state = "failing"
    topic = request.GET.get("topic") or ""
    found = outbox.messages(topic=topic or None, state=state)
    paginator = Paginator(found, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/outbox.html",
        {
            "stats": outbox.stats(),
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=1),
            "state": state,
            "topic": topic,
            "states": [(s, _state_label(s)) for s in STATES],
        },
    )


def _state_label(state: str) -> str:
    if state == "failing":
        return _("failing, being retried")
    return str(Message.State(state).label)


def _requeue(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("message") if v.isdigit()]
    if request.POST.get("all_dead_of"):
        ids = list(
            Message.objects.filter(
                topic=request.POST["all_dead_of"], state=Message.State.DEAD
            ).values_list("pk", flat=True)
        )
    if not ids:
        flash.error(request, _("Choose at least one message to send again."))
        return redirect("backoffice:outbox")
    count = outbox.requeue(ids)
    audit.record(AuditEvent.Action.OUTBOX_REQUEUED, request=request, detail={"messages": ids[:200]})
    flash.success(
        request,
        ngettext("%(n)d message will be sent again.", "%(n)d messages will be sent again.", count)
        % {"n": count},
    )
    return redirect("backoffice:outbox")
