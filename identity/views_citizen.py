"""Citizen pages: VNeID login and callback, logout, and the profile ("Tài khoản của tôi").

The views stay thin: :mod:`identity.oidc` speaks OpenID Connect, :mod:`identity.citizens` turns
claims into an account. A login that fails for any reason shows a translated page, leaves the
browser logged out and creates nothing.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import audit, oidc
from .access import citizen_login_redirect
from .citizens import CitizenRefused, citizen_of, login_citizen_from_claims, update_contact
from .forms import ContactForm
from .models import AuditEvent

logger = logging.getLogger("identity.citizen")

MODEL_BACKEND = "identity.backends.PortalModelBackend"


def _failed(request: HttpRequest, message: str, code: str, status: int) -> HttpResponse:
    audit.record(
        AuditEvent.Action.LOGIN_FAILED,
        request=request,
        actor_type=AuditEvent.ActorType.ANONYMOUS,
        actor="",
        detail={"method": "vneid", "reason": code},
    )
    return render(request, "identity/citizen_login_error.html", {"message": message}, status=status)


@never_cache
@require_GET
def vneid_login(request: HttpRequest) -> HttpResponse:
    """Send the browser to VNeID with a fresh state, nonce and PKCE challenge."""
    try:
        url = oidc.begin_login(request, request.GET.get("next"))
    except oidc.LoginFailed as failure:
        return _failed(request, failure.message, failure.code, failure.status)
    return HttpResponseRedirect(url)


@never_cache
@require_GET
def vneid_callback(request: HttpRequest) -> HttpResponse:
    """VNeID sends the browser back here with a code (or an error)."""
    try:
        result = oidc.finish_login(request)
        citizen = login_citizen_from_claims(result.claims)
    except (oidc.LoginFailed, CitizenRefused) as failure:
        status = getattr(failure, "status", 400)
        return _failed(request, failure.message, failure.code, status)
    # login() gives the session a new key, so a key planted before the login is useless.
    login(request, citizen.user, backend=MODEL_BACKEND)
    return redirect(result.next_url)


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """POST ends the session; GET asks first (a link or an image must not log anyone out)."""
    if request.method == "POST":
        logout(request)
        return redirect("home")
    return render(request, "identity/citizen_logout.html")


@never_cache
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The citizen's profile: VNeID data (read-only) and contact data (editable)."""
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    citizen = citizen_of(request.user)
    if citizen is None:
        return render(request, "identity/account_forbidden.html", status=403)
    if request.method == "POST":
        form = ContactForm(request.POST, instance=citizen)
        if form.is_valid():
            update_contact(citizen, **{name: form.cleaned_data[name] for name in form.fields})
            messages.success(request, _("Your contact details have been saved."))
            return redirect("citizen:account")
        status = 400
    else:
        form = ContactForm(instance=citizen)
        status = 200
    # The "My documents" section comes from dossiers' template tag: identity imports no dossiers.
    context = {"citizen": citizen, "form": form}
    return render(request, "identity/account.html", context, status=status)
