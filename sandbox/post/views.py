"""The postal service stand-in: ``POST /post/api/shipments`` (bearer key, JSON shipment with a
``client_ref`` idempotency key and a ``callback_url``) answers a tracking number; ``/post/``
lists the shipments with buttons to report one delivered or returned (the signed callback).
``SANDBOX_POST_AUTO_DELIVER_SECONDS`` (0: off) delivers each shipment by itself after that long.
"""

from __future__ import annotations

import hmac
import json
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import Shipment
from .reports import deliver_later, report


@csrf_exempt
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given, f"Bearer {settings.POST_API_KEY}"):
        return JsonResponse({"error": "invalid api key"}, status=401)
    try:
        data = json.loads(request.body)
        recipient = data["recipient"]
        fields = {
            "reference": str(data["reference"])[:100],
            "recipient_name": str(recipient["name"])[:255],
            "phone": str(recipient.get("phone", ""))[:20],
            "address": str(recipient["address"])[:500],
            "content": str(data.get("content", ""))[:300],
            "callback_url": str(data["callback_url"])[:500],
        }
        ref = str(data["client_ref"])[:200]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "client_ref, reference, recipient and callback_url are "
                                      "required"}, status=400)  # fmt: skip
    if not fields["address"].strip():
        return JsonResponse({"error": "an address is required"}, status=422)
    existing = Shipment.objects.filter(client_ref=ref).first()
    if existing is not None:
        return JsonResponse({"tracking_number": existing.tracking_number, "duplicate": True})
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                client_ref=ref, tracking_number=f"EB{secrets.randbelow(10**9):09d}VN", **fields
            )
    except IntegrityError:
        shipment = Shipment.objects.get(client_ref=ref)
        return JsonResponse({"tracking_number": shipment.tracking_number, "duplicate": True})
    if settings.POST_AUTO_DELIVER_SECONDS:
        transaction.on_commit(
            lambda: deliver_later(shipment.pk, settings.POST_AUTO_DELIVER_SECONDS)
        )
    return JsonResponse({"tracking_number": shipment.tracking_number}, status=201)


@csrf_exempt
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    """Forget every shipment (tests start each case from an empty service)."""
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given, f"Bearer {settings.POST_API_KEY}"):
        return JsonResponse({"error": "invalid api key"}, status=401)
    deleted, _ = Shipment.objects.all().delete()
    return JsonResponse({"deleted": deleted})


@require_GET
def shipments(request: HttpRequest) -> HttpResponse:
    return render(request, "post/shipments.html", {"shipments": Shipment.objects.all()[:500]})


@require_POST
def mark(request: HttpRequest, tracking: str) -> HttpResponse:
    """A button of the page: report the shipment delivered or returned now."""
    shipment = get_object_or_404(Shipment, tracking_number=tracking)
    status = request.POST.get("status")
    if status in ("delivered", "returned"):
        reason = "Không có người nhận tại địa chỉ" if status == "returned" else ""
        report(shipment, status, request.POST.get("reason") or reason)
    return redirect("post:shipments")
