"""HTTP side of the national-portal stand-in.

Machine endpoints (``api/…``) take the push token as ``Authorization: Bearer``; the pages
(overview with the fault switch, "Tra cứu hồ sơ") need no login, as everything in the sandbox.
"""

from __future__ import annotations

import hmac
import json
import logging
import time

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import faults, national, receiving
from .models import FaultMode, Kind, MirroredDossier, PollState, ReceivedEnvelope, Source

log = logging.getLogger(__name__)

MAX_MIRROR_LIMIT = 1000
DEFAULT_MIRROR_LIMIT = 100


def _authorised(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = settings.NATIONAL_PORTAL_PUSH_TOKEN
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected.encode()
    )


def _unauthorised() -> JsonResponse:
    response = _rejected("Sai hoặc thiếu mã truy cập (missing or wrong bearer token)", 401)
    response["WWW-Authenticate"] = 'Bearer realm="national-portal"'
    return response


def _rejected(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"status": "rejected", "error": message},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _json_body(request: HttpRequest):
    try:
        return json.loads(request.body)
    except RequestDataTooBig:
        raise receiving.InvalidEnvelope(
            "Bản tin quá lớn (the envelope is larger than DATA_UPLOAD_MAX_MEMORY_SIZE)"
        ) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise receiving.InvalidEnvelope(
            "Nội dung không phải JSON hợp lệ (the body is not valid JSON)"
        ) from None


@csrf_exempt
@never_cache
@require_POST
def receive(request: HttpRequest) -> JsonResponse:
    """``POST api/receive``: one envelope pushed by the portal."""
    if not _authorised(request):
        return _unauthorised()
    fault = faults.current()
    if fault.mode == FaultMode.DOWN:
        response = _rejected("Hệ thống tạm ngừng hoạt động (the portal is down)", status=503)
        if fault.until:
            left = (fault.until - timezone.now()).total_seconds()
            response["Retry-After"] = str(max(int(left), 1))
        return response
    if fault.mode == FaultMode.ERROR500:
        return _rejected("Lỗi máy chủ (simulated server error)", status=500)
    try:
        receipt = receiving.receive_data(_json_body(request), Source.PUSH)
    except receiving.InvalidEnvelope as error:
        return _rejected(str(error))
    if fault.mode == FaultMode.TIMEOUT:
        # Stored and committed: the late answer makes the portal send it again.
        time.sleep(fault.seconds)
    return JsonResponse({"status": "accepted", "duplicate": receipt.duplicate})


@never_cache
@require_GET
def mirror(request: HttpRequest) -> JsonResponse:
    """``GET api/mirror?after=&limit=``: the mirrored dossiers in code order, for reconciling."""
    if not _authorised(request):
        return _unauthorised()
    after = request.GET.get("after", "")
    raw_limit = request.GET.get("limit", str(DEFAULT_MIRROR_LIMIT))
    try:
        limit = int(raw_limit)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_MIRROR_LIMIT:
        return _rejected(
            f"limit phải là số nguyên từ 1 đến {MAX_MIRROR_LIMIT} "
            f"(limit must be an integer between 1 and {MAX_MIRROR_LIMIT})"
        )
    dossiers, next_after = receiving.mirror_page(after, limit)
    return JsonResponse({"dossiers": dossiers, "next_after": next_after})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def fault(request: HttpRequest) -> JsonResponse:
    """``GET/POST api/fault``: read or set the fault switch (``{"mode", "minutes", "seconds"}``)."""
    if not _authorised(request):
        return _unauthorised()
    if request.method == "GET":
        return JsonResponse(faults.current().as_json())
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        return _rejected("Nội dung không phải JSON hợp lệ (the body is not valid JSON)")
    if not isinstance(data, dict):
        return _rejected("Nội dung phải là một đối tượng JSON (the body must be an object)")
    try:
        switched = faults.set_fault(data.get("mode"), data.get("minutes"), data.get("seconds"))
    except faults.InvalidFault as error:
        return _rejected(str(error))
    log.warning("fault switch set to %s (until %s)", switched.mode, switched.until)
    return JsonResponse(switched.as_json())


# --- pages ---------------------------------------------------------------------------------


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest):
    """The stand-in's own page: poller state, fault switch (form), latest mirrored dossiers."""
    error = ""
    status = 200
    if request.method == "POST":
        try:
            faults.set_fault(
                request.POST.get("mode", ""),
                request.POST.get("minutes") or None,
                request.POST.get("seconds") or None,
            )
        except faults.InvalidFault as invalid:
            error, status = str(invalid), 400
        else:
            return redirect("nationalportal:overview")
    context = {
        "fault": faults.current(),
        "modes": FaultMode.choices,
        "error": error,
        "poll": PollState.objects.filter(pk=1).first(),
        "poll_seconds": settings.NATIONAL_PORTAL_POLL_SECONDS,
        "portal_url": settings.NATIONAL_PORTAL_FEED_URL,
        "dossiers": [
            (row, national.status_name(row.status))
            for row in MirroredDossier.objects.order_by("-updated_at")[:20]
        ],
        "envelope_count": ReceivedEnvelope.objects.count(),
    }
    return render(request, "nationalportal/overview.html", context, status=status)


@never_cache
@require_GET
def lookup(request: HttpRequest):
    """ "Tra cứu hồ sơ": a dossier as the national portal shows it, by its code."""
    code = request.GET.get("ma", "").strip()[:64]
    context: dict = {"code": code}
    status = 200
    if code:
        found = MirroredDossier.objects.filter(dossier_code=code).first()
        if found is None:
            status = 404
        else:
            envelopes = ReceivedEnvelope.objects.filter(dossier_code=code).order_by("version")
            context.update(
                mirror=found,
                dossier=national.dossier_view(found.payload) if found.payload else None,
                progress=[
                    national.progress_view(envelope.payload)
                    for envelope in envelopes
                    if envelope.kind == Kind.PROGRESS
                ],
                history=envelopes,
            )
    return render(request, "nationalportal/lookup.html", context, status=status)
