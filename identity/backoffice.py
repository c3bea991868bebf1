"""Back office for officials (trang quản trị nghiệp vụ): sign-in, inbox, agency workspace, staff.

Authorization lives in :mod:`identity.access`; these views only validate, call a service and
render. Dossiers arrive in a later issue: the inbox says so instead of showing made-up numbers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from procedures.models import Agency, Procedure
from procedures.search import SearchParams, apply_filters, base_queryset

from . import access
from .forms_official import OfficialLoginForm, StaffRoleAddForm

PROCEDURES_PER_PAGE = 20


def official_locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this when an account or address is locked after repeated failures."""
    return render(request, "identity/locked_out.html", status=403)


def received_procedures(agency: Agency) -> QuerySet[Procedure]:
    """Procedures in force whose dossiers this agency receives (the catalogue's own rule: a
    commune receives every procedure that can be filed at any commune; a department receives
    its own and its divisions')."""
    return apply_filters(base_queryset(), SearchParams(agency=agency))


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("backoffice:inbox")


# --- Sign in / out --------------------------------------------------------------------------


@sensitive_post_parameters("password", "otp_token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Password and TOTP code in one form; django-axes locks after repeated failures."""
    user = request.user
    if access.is_official(user) and access.is_verified(user):
        return HttpResponseRedirect(_safe_next(request))
    form = OfficialLoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.user_cache)  # new session key; user_logged_in is sent
        otp_login(request, form.device)  # marks the session as verified with this device
        return HttpResponseRedirect(_safe_next(request))
    return render(
        request,
        "identity/official_login.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)  # flushes the session; user_logged_out is sent
    messages.info(request, _("You have signed out."))
    return redirect("backoffice:login")


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
        "identity/backoffice_inbox.html",
        {"rows": rows, "directory": directory, "is_city_admin": directory is not None},
    )


@access.official_required
def agency_workspace(request: HttpRequest, code: str) -> HttpResponse:
    agency = access.get_agency_or_404_for(request.user, code, request=request)
    paginator = Paginator(received_procedures(agency), PROCEDURES_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "identity/backoffice_agency.html",
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
        "identity/backoffice_staff.html",
        {"agency": agency, "staff": access.staff_of(agency), "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None
