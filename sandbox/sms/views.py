"""The SMS gateway stand-in: ``POST /sms/api/messages`` (bearer key; JSON ``to``, ``text``,
``brandname``, ``client_ref``) and ``/sms/``, the list of what it received.

Each message is stored (and committed) before the answer. ``SANDBOX_SMS_DELAY_SECONDS`` makes
the answer slow, after the store: a sender that dies while waiting has in fact sent the SMS,
which is the case the sender's idempotency key is for.
"""

from __future__ import annotations

import hmac
import json
import re
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import ReceivedSms

PHONE = re.compile(r"^\+?\d{9,15}$")


def _refuse(status: int, error: str) -> JsonResponse:
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given, f"Bearer {settings.SMS_API_KEY}"):
        return _refuse(401, "invalid api key")
    try:
        data = json.loads(request.body)
        to, text, ref = str(data["to"]), str(data["text"]), str(data["client_ref"])
    except (ValueError, KeyError, TypeError):
        return _refuse(400, "to, text and client_ref are required")
    if not PHONE.match(to.replace(" ", "")):
        return _refuse(422, "not a phone number")
    if not text or not ref or len(ref) > 200 or len(text) > 1000:
        return _refuse(422, "text and client_ref must be non-empty (text ≤ 1000, ref ≤ 200)")
    try:
        with transaction.atomic():
            message = ReceivedSms.objects.create(
                client_ref=ref, to=to, text=text, brandname=str(data.get("brandname", ""))[:20]
            )
        duplicate = False
    except IntegrityError:
        ReceivedSms.objects.filter(client_ref=ref).update(requests=F("requests") + 1)
        message = ReceivedSms.objects.get(client_ref=ref)
        duplicate = True
    if settings.SMS_DELAY_SECONDS:
        time.sleep(settings.SMS_DELAY_SECONDS)
    return JsonResponse(
        {"id": message.message_id, "duplicate": duplicate}, status=200 if duplicate else 201
    )


@csrf_exempt
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    """Forget every message (tests start each case from an empty gateway)."""
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given, f"Bearer {settings.SMS_API_KEY}"):
        return _refuse(401, "invalid api key")
    deleted, _ = ReceivedSms.objects.all().delete()
    return JsonResponse({"deleted": deleted})


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    messages = ReceivedSms.objects.all()[:500]
    return render(request, "sms/inbox.html", {"messages": messages})


@require_GET
def messages_json(request: HttpRequest) -> HttpResponse:
    """What the gateway received, for tests and scripts (newest first)."""
    rows = ReceivedSms.objects.all()[:1000]
    return JsonResponse({"messages": [
        {"id": m.message_id, "to": m.to, "text": m.text, "client_ref": m.client_ref,
         "requests": m.requests, "received_at": m.received_at.isoformat()}
        for m in rows
    ]})  # fmt: skip
