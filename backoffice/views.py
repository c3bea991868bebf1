"""Back office for officials (trang quản trị nghiệp vụ): inbox, agency workspace, staff.

Authorization lives in :mod:`identity.access` and the officials' sign-in in
:mod:`identity.views_official`; these views only validate, call a service and render. Dossiers
arrive in a later issue: the inbox says so instead of showing made-up numbers.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from identity import access
from procedures.models import Agency, Procedure
from procedures.search import SearchParams, apply_filters, base_queryset

from .forms import StaffRoleAddForm

PROCEDURES_PER_PAGE = 20


def received_procedures(agency: Agency) -> QuerySet[Procedure]:
    """Procedures in force whose dossiers this agency receives (the catalogue's own rule: a
    commune receives every procedure that can be filed at any commune; a department receives
    its own and its divisions')."""
    return apply_filters(base_queryset(), SearchParams(agency=agency))


# --- Pages -------------------------------------------------------------------------------------


@access.official_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Hộp công việc: the official's roles and, per agency, what it receives."""
    roles = list(access.roles_of(request.user))
    agencies: dict[int, Agency] = {}
    for staff_role in roles:
        agencies.setdefault(staff_role.agency_id, staff_role.agency)
    rows = [
        {
            "agency": agency,
            "roles": [r for r in roles if r.agency_id == agency.pk],
            "procedure_count": received_procedures(agency).count(),
        }
        for agency in agencies.values()
    ]
    directory = None
    if access.is_city_admin(request.user):
        directory = {
            "departments": Agency.objects.filter(level=Agency.Level.DEPARTMENT),
            "communes": Agency.objects.filter(level=Agency.Level.COMMUNE),
        }
    return render(
        request,
        "backoffice/inbox.html",
        {"rows": rows, "directory": directory, "is_city_admin": directory is not None},
    )


@access.official_required
def agency_workspace(request: HttpRequest, code: str) -> HttpResponse:
    agency = access.get_agency_or_404_for(request.user, code, request=request)
    paginator = Paginator(received_procedures(agency), PROCEDURES_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/agency.html",
        {
            "agency": agency,
            "divisions": agency.children.filter(level=Agency.Level.DIVISION),
            "staff": access.staff_of(agency),
            "page_obj": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number, on_each_side=1),
            "can_manage_staff": access.can_manage_staff(request.user, agency),
        },
    )


@access.official_required
@require_http_methods(["GET", "POST"])
def agency_staff(request: HttpRequest, code: str) -> HttpResponse:
    """Quản lý cán bộ: an agency administrator gives or removes roles in their agency."""
    agency = access.get_agency_or_404_for(request.user, code, request=request)
    if not access.can_manage_staff(request.user, agency):
        return access.forbidden_page(request, "staff_management", agency=agency.code)
    form = StaffRoleAddForm(agency=agency, actor=request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            staff_role = (
                access.staff_of(agency).filter(pk=_int(request.POST.get("role_id"))).first()
            )
            if staff_role is None:
                messages.error(request, _("This role no longer exists."))
            else:
                try:
                    access.revoke_role(request.user, staff_role)
                except access.StaffChangeRefused as refusal:
                    messages.error(request, str(refusal))
                else:
                    messages.success(request, _("The role was removed."))
            return redirect("backoffice:agency-staff", code=agency.code)
        form = StaffRoleAddForm(request.POST, agency=agency, actor=request.user)
        if form.is_valid():
            try:
                access.grant_role(
                    request.user,
                    agency=agency,
                    user=form.cleaned_data["username"],
                    role=form.cleaned_data["role"],
                    division=form.cleaned_data.get("division"),
                    title=form.cleaned_data["title"],
                )
            except access.StaffChangeRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, _("The role was added."))
                return redirect("backoffice:agency-staff", code=agency.code)
    return render(
        request,
        "backoffice/staff.html",
        {"agency": agency, "staff": access.staff_of(agency), "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None
