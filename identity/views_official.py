"""Officials' sign-in and sign-out (đăng nhập cán bộ): password and TOTP code, with lockout.

Authentication stays in ``identity``; the back office (:mod:`backoffice`) mounts these views
under its own URL namespace (``backoffice:login``, ``backoffice:logout``) and sends officials
to its inbox once they are signed in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
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

from . import access
from .forms_official import OfficialLoginForm


def official_locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this when an account or address is locked after repeated failures."""
    return render(request, "identity/locked_out.html", status=403)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("backoffice:inbox")


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
