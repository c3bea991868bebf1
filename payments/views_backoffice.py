"""Back-office reconciliation page and its CSV (mounted at ``/backoffice/payments/``).

Officials see the agencies they work for (``identity.access``); city administrators all.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from identity import access

from . import reconciliation
from .models import Payment


def _day(request: HttpRequest) -> tuple[datetime.date, str]:
    text = request.GET.get("day", "")
    if not text:
        return timezone.localdate(), ""
    try:
        return datetime.date.fromisoformat(text[:10]), ""
    except ValueError:
        return timezone.localdate(), _("Give the day as YYYY-MM-DD; today is shown.")


def _lines(request: HttpRequest, day: datetime.date):
    visible = access.scope_to_agencies(Payment.objects.all(), request.user)
    return reconciliation.daily(day, visible)


@never_cache
@access.official_required
def reconciliation_page(request: HttpRequest) -> HttpResponse:
    day, error = _day(request)
    lines = _lines(request, day)
    context = {
        "day": day,
        "error": error,
        "lines": lines,
        "total": reconciliation.total_of(lines),
    }
    return render(request, "payments/reconciliation.html", context, status=400 if error else 200)


@never_cache
@access.official_required
def reconciliation_csv(request: HttpRequest) -> HttpResponse:
    day, error = _day(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    body = reconciliation.as_csv(day, _lines(request, day))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="doi-soat-{day.isoformat()}.csv"'
    return response
