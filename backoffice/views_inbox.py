"""The officials' inbox page: tabs per queue (all, mine, my department's shared queue, the
agency), status tabs inside the queue, filters by procedure, step and due date, most urgent first.

The queues, their counts and their order are :mod:`workflow.queues`' (the API reads the same);
this view only reads the query string, keeps the values that make sense for this official
(anything else is ignored, as a link from an old page would be) and renders one page.

The rows are laid out here, not in the template (:func:`shown_rows`): each link from one
``reverse``, each date formatted once per distinct value, each label translated once per page
(a lazy label hashed or cast per row, or a ``get_status_display`` per row, cost a
translation lookup per choice of the field), the open step on the row itself (no include).
"""

from __future__ import annotations

import datetime
import functools
from typing import Any
from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache

from dossiers.models import Status
from identity import access
from workflow import queues
from workflow.models import ProcessStep

from .urgency import Badge, badges
from .views import _int

DOSSIERS_PER_PAGE = 25


class CountedPaginator(Paginator):
    """A paginator told its total (from the queue counts), so it runs no ``COUNT`` of its own."""

    def __init__(self, object_list, per_page: int, total: int):
        super().__init__(object_list, per_page)
        self._total = total

    @cached_property
    def count(self) -> int:
        return self._total


@never_cache
@access.official_required
def dossier_inbox(request: HttpRequest) -> HttpResponse:
    """Hồ sơ cần xử lý: one queue of the official, narrowed by the filters, most urgent first."""
    scope = queues.scope_of(request.user)
    now = timezone.now()
    tabs = [queues.ALL, *scope.queues()]
    queue = request.GET.get("queue", queues.ALL)
    queue = queue if queue in tabs else queues.ALL
    steps = queues.step_names(scope, queue)
    step = request.GET.get("step") or None
    due = request.GET.get("due") or None
    filters = queues.Filters(
        step=step if step in steps else None, due=due if due in queues.DUE_CHOICES else None
    )
    counts = queues.counts(scope, filters, now)
    procedures = counts.procedures(queue)
    procedure = request.GET.get("procedure", "")
    procedure = procedure if procedure in {code for code, _name in procedures} else None
    per_status = counts.per_status(queue, procedure)
    status = _int(request.GET.get("status"))
    status = status if status in per_status else None
    filters = queues.Filters(procedure, status, filters.step, filters.due)
    shown = queues.dossiers(scope, queue, filters, now, counts)
    paginator = CountedPaginator(
        shown, DOSSIERS_PER_PAGE, counts.per_queue(procedure, status)[queue]
    )
    page_obj = paginator.get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    badge = badges(rows, now)
    in_workflow = [d.pk for d in rows if d.status in queues.IN_WORKFLOW]
    open_steps = queues.open_steps(in_workflow) if in_workflow else {}
    per_queue = counts.per_queue(procedure)
    return render(
        request,
        "backoffice/dossiers.html",
        {
            "rows": shown_rows(rows, badge, open_steps),
            "queues": [
                {"key": key, "label": str(queues.QUEUE_LABELS[key]), "count": per_queue[key]}
                for key in tabs
            ],
            "queue": queue,
            "tabs": [
                {"status": s, "label": str(Status(s).label), "count": n}
                for s, n in per_status.items()
            ],
            "total": sum(per_status.values()),
            "status": status,
            "procedures": procedures,
            "procedure_options": [(code, shortened(name)) for code, name in procedures],
            "procedure": procedure or "",
            "steps": steps,
            "step_options": [(name, shortened(name)) for name in steps],
            "step": filters.step or "",
            "dues": list(queues.DUE_CHOICES.items()),
            "due": filters.due or "",
            "page_obj": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number, on_each_side=1),
        },
    )


@functools.lru_cache(maxsize=4096)
def shortened(name: str) -> str:
    """A procedure's or step's name cut to 80 characters for the filters, as
    ``|truncatechars:80`` would, once per process (the names come from the catalogue and the
    workflow templates, a bounded set)."""
    return Truncator(name).chars(80)


# The dates of the list, as the template's ``|date:"d/m/Y H:i"`` writes them.
DATE_FORMAT = "%d/%m/%Y %H:%M"
# What ``reverse`` leaves unquoted in a path argument (RFC 3986's sub-delimiters and more).
URL_SAFE = "!$&'()*+,;=/~:@"


def shown_rows(
    rows: list[Any], badge: dict[int, Badge], steps: dict[int, ProcessStep]
) -> list[dict[str, Any]]:
    """What the list shows of each dossier, as text: the template only places it. The dossier,
    its badge and its open step ride along (tests and other templates read them)."""
    link = reverse("backoffice:dossier", args=["-"])
    before, after = link[: link.rindex("-")], link[link.rindex("-") + 1 :]
    dates: dict[datetime.datetime, str] = {}

    def when(value: datetime.datetime | None) -> str:
        if value is None:
            return ""
        if value not in dates:
            dates[value] = timezone.localtime(value).strftime(DATE_FORMAT)
        return dates[value]

    statuses: dict[int, str] = {}
    labels: dict[str, str] = {}
    shown = []
    for d in rows:
        if d.status not in statuses:
            statuses[d.status] = str(Status(d.status).label)
        mark = badge[d.pk]
        if mark.key not in labels:
            labels[mark.key] = str(mark.label)
        agency = d.receiving_agency
        step = steps.get(d.pk)
        shown.append(
            {
                "dossier": d,
                "badge": mark,
                "step": step,
                "url": f"{before}{quote(d.code, safe=URL_SAFE)}{after}",
                "code": d.code,
                "badge_key": mark.key,
                "badge_label": labels[mark.key],
                "status_label": statuses[d.status],
                "procedure": d.procedure.name,
                "applicant": d.applicant.full_name,
                "agency": (agency.short_name or agency.name) if agency is not None else "",
                "submitted": when(d.submitted_at),
                "due": when(d.due_at),
                "at_step": _step_shown(step, when) if step is not None else None,
            }
        )
    return shown


def _step_shown(step: ProcessStep, when) -> dict[str, Any]:
    unit, holder = step.handed_to, step.assignee
    return {
        "order": step.order,
        "name": step.name,
        "unit": unit.short_name or unit.name,
        "holder": (holder.get_full_name() or holder.get_username()) if holder else None,
        "deadline": when(step.deadline),
    }
