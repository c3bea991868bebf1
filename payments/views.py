"""The citizen's payment pages: what is due and why, "Pay online", and the gateway's return.

The return page only displays: it reads the gateway's signed parameters to say what the
gateway reported, but the payment's state shown comes from our records, which only the IPN or
the query task change (DOMAIN.md §9). A forged return therefore changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dossiers import services as dossier_services
from dossiers.models import Dossier
from identity.access import citizen_login_redirect
from identity.citizens import citizen_of

from . import conf, registry, services
from .base import BadSignature
from .models import FeeDemand, Payment


def _own(request: HttpRequest, code: str):
    citizen = citizen_of(request.user)
    if citizen is None:
        raise Http404
    try:
        return citizen, dossier_services.get_for_citizen(citizen, code=code)
    except Dossier.DoesNotExist:
        raise Http404 from None


def _client_ip(request: HttpRequest) -> str:
    return (request.META.get("REMOTE_ADDR") or "127.0.0.1")[:45]


def return_url(request: HttpRequest, gateway: str) -> str:
    path = reverse("payments:return", args=[gateway])
    base = conf.get("PAYMENT_PUBLIC_URL").rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@never_cache
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the fees due, their reason and earlier attempts; POST: go to the gateway."""
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    citizen, dossier = _own(request, code)
    demand = services.due_demand(dossier)
    if demand is None:
        messages.info(request, _("This dossier has no fee to pay."))
        return redirect("tracking:detail", code=dossier.code)
    plugin = registry.gateway()
    if request.method == "POST":
        try:
            started = services.start_payment(
                dossier,
                citizen,
                return_url=return_url(request, plugin.identifier),
                client_ip=_client_ip(request),
            )
        except services.PaymentError as exc:
            messages.error(request, exc.message)
            return redirect("tracking:detail", code=dossier.code)
        return redirect(started.redirect_url)
    context = {
        "dossier": dossier,
        "demand": demand,
        "attempts": demand.payments.order_by("-created_at", "-pk"),
        "open_payment": services.in_flight(demand),
        "gateway": plugin,
    }
    response = render(request, "payments/pay.html", context)
    if origin := plugin.page_origin():
        response._csp_update = {"form-action": [origin]}
    return response


@never_cache
@require_GET
def gateway_return(request: HttpRequest, gateway: str) -> HttpResponse:
    """Where the gateway sends the payer's browser back. Display only."""
    if gateway not in registry.gateways:
        raise Http404
    plugin = registry.gateways[gateway]
    try:
        reported = plugin.read_return(request.GET.dict())
    except BadSignature:
        return render(request, "payments/return.html", {"forged": True}, status=400)
    payment = (
        Payment.objects.select_related("dossier", "demand")
        .filter(gateway=plugin.identifier, txn_ref=reported.txn_ref)
        .first()
    )
    # Only the payer sees the dossier the payment belongs to.
    citizen = citizen_of(request.user) if request.user.is_authenticated else None
    if payment is None or citizen is None or payment.dossier.applicant_id != citizen.pk:
        return render(request, "payments/return.html", {"reported": reported, "payment": None})
    context = {
        "reported": reported,
        "payment": payment,
        "dossier": payment.dossier,
        "demand_paid": payment.demand.state == FeeDemand.State.PAID,
    }
    return render(request, "payments/return.html", context)
