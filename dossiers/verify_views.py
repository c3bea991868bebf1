"""``/verify/``: anyone checks an electronic result (public, rate-limited, no login).

- ``/verify/<token>/`` is what the QR code on a signed result opens: the result's title,
  number, issuing agency and dossier code (what the result itself prints, nothing more about the
  applicant), who signed it and when, and whether it was revoked.
- ``/verify/`` takes an uploaded PDF and says whether it is genuine, or why not
  (:func:`dossiers.signing.verify.check_pdf`). The upload passes the portal's upload checks
  (size, type by its first bytes, the bounded parse, the virus scan) and is never kept.

Both count every request per client address (``VERIFY_MAX_ATTEMPTS`` per
``VERIFY_WINDOW_SECONDS``), like the dossier lookup, so the tokens cannot be guessed by brute
force and the validator cannot be used to load the server.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from identity.audit import client_ip
from portal import ratelimit
from portal.errors import too_many_requests

from .documents.checks import check_upload, content_refusal, limit_bytes, too_large
from .errors import DossierError
from .models import DossierResult, Status
from .signing import verify

VISIBLE = (Status.DECIDED, Status.RETURNED)
TOKEN_LIMIT = 64


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The result's PDF file"),
        help_text=gettext_lazy("The file is checked and then discarded; it is not kept."),
    )


def _limited(request: HttpRequest) -> HttpResponse | None:
    """429 when this address used up its attempts, else count this one."""
    limit = int(settings.VERIFY_MAX_ATTEMPTS)
    window = int(settings.VERIFY_WINDOW_SECONDS)
    key = ratelimit.key("verify:ip", client_ip(request) or "unknown")
    wait = ratelimit.retry_after(key, limit, window)
    if wait is not None:
        return too_many_requests(request, wait, "dossiers/verify_limited.html")
    ratelimit.hit(key, window)
    return None


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    # The token stays out of other sites' logs; same-origin (not no-referrer), so the upload
    # form's POST still carries the Origin header the CSRF check compares.
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_GET
def verify_token(request: HttpRequest, token: str) -> HttpResponse:
    refused = _limited(request)
    if refused is not None:
        return refused
    result = None
    if len(token) <= TOKEN_LIMIT:
        result = (
            DossierResult.objects.select_related("dossier__receiving_agency")
            .filter(verify_token=token, dossier__status__in=VISIBLE)
            .first()
        )
    if result is None:
        page = render(request, "dossiers/verify_unknown.html", {"form": VerifyForm()}, status=404)
        return _no_store(page)
    return _no_store(
        render(request, "dossiers/verify_token.html", {"result": result, "form": VerifyForm()})
    )


@never_cache
@require_http_methods(["GET", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _no_store(render(request, "dossiers/verify.html", {"form": VerifyForm()}))
    refused = _limited(request)
    if refused is not None:
        return refused
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _no_store(render(request, "dossiers/verify.html", {"form": form}, status=400))
    upload = form.cleaned_data["file"]
    try:
        data = read_checked(upload)
    except DossierError as error:
        form.add_error("file", error.message)
        return _no_store(render(request, "dossiers/verify.html", {"form": form}, status=400))
    verdict = verify.check_pdf(data)
    context = {"form": VerifyForm(), "verdict": verdict}
    return _no_store(render(request, "dossiers/verify.html", context))


def read_checked(upload) -> bytes:
    """The bytes of ``upload`` once it passed the upload checks; :class:`DossierError` with the
    reason otherwise."""
    max_mb = float(settings.VERIFY_UPLOAD_MAX_MB)
    checked = check_upload(upload, ["pdf"], max_mb)
    data = upload.read(limit_bytes(max_mb) + 1)
    if len(data) > checked.limit:
        raise too_large(checked.name, max_mb)
    with tempfile.TemporaryDirectory(prefix="verify-") as folder:
        path = Path(folder) / "upload.pdf"
        path.write_bytes(data)
        refusal = content_refusal(path, checked.kind, checked.name)
    if refusal is not None:
        raise DossierError(refusal)
    return data
