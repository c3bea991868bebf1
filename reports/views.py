"""Back-office reports of an agency: the tracking book (Mẫu 07) per sector and period, and the
applicants' satisfaction ratings. Any official of the agency (or a city administrator) may read
them (:func:`identity.access.may_read_agency_reports`); anyone else gets "no such agency"."""

from __future__ import annotations

import datetime

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from dossiers import ratings
from identity import access
from portal.downloads import content_disposition
from procedures.models import Sector

from . import book

RATINGS_PER_PAGE = 25
MAX_PERIOD_DAYS = 366
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end of the period is before its start."))
            if (end - start).days >= MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("A book covers at most one year."))
        return cleaned


def _this_month() -> dict[str, datetime.date]:
    today = timezone.localdate()
    return {"start": today.replace(day=1), "end": today}


def _agency(request: HttpRequest, code: str):
    agency = access.get_agency_or_404_for(request.user, code, request=request)
    if not access.may_read_agency_reports(request.user, agency):
        raise Http404
    return agency


@access.official_required
@require_GET
def tracking_book(request: HttpRequest, code: str) -> HttpResponse:
    """Sổ theo dõi hồ sơ: the sectors of the period, each downloadable as PDF or XLSX."""
    agency = _agency(request, code)
    form = PeriodForm(request.GET if "start" in request.GET else None, initial=_this_month())
    if form.is_bound and not form.is_valid():
        context = {"agency": agency, "form": form, "sectors": []}
        return render(request, "backoffice/book.html", context, status=400)
    period = book.Period(**(form.cleaned_data if form.is_bound else _this_month()))
    wanted = request.GET.get("format")
    if wanted in CONTENT_TYPES and request.GET.get("sector"):
        sector = Sector.objects.filter(code=request.GET["sector"]).first()
        if sector is None:
            raise Http404
        data = (
            book.as_pdf(agency, sector, period)
            if wanted == "pdf"
            else book.as_xlsx(agency, sector, period)
        )
        response = HttpResponse(data, content_type=CONTENT_TYPES[wanted])
        response["Content-Disposition"] = content_disposition(
            book.filename(agency, sector, period, wanted), attachment=True
        )
        response["Cache-Control"] = "private, no-store"
        return response
    context = {
        "agency": agency,
        "form": form,
        "period": period,
        "sectors": book.sectors(agency, period),
    }
    return render(request, "backoffice/book.html", context)


@access.official_required
@require_GET
def agency_ratings(request: HttpRequest, code: str) -> HttpResponse:
    """The applicants' ratings of the agency (and its divisions), with the counts."""
    agency = _agency(request, code)
    given = ratings.for_agency([agency.pk])
    page_obj = Paginator(given, RATINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/ratings.html",
        {
            "agency": agency,
            "summary": ratings.summary(given),
            "page_obj": page_obj,
            "page_range": page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1),
        },
    )
