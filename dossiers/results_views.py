"""Downloading a dossier's result: the applicant once it is decided, the handling agency's
verified officials whenever it exists (:func:`dossiers.results.may_read`); anyone else gets
"not found", exactly like an unknown code."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from identity.access import citizen_login_redirect
from portal.downloads import content_disposition

from . import results
from .models import Dossier, Status


@never_cache
@require_GET
def result_pdf(request: HttpRequest, code: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    dossier = (
        Dossier.objects.select_related("receiving_agency", "result")
        .filter(code=code)
        .exclude(status=Status.DRAFT)
        .first()
    )
    result = getattr(dossier, "result", None) if dossier is not None else None
    if result is None or not results.may_read(request.user, dossier):
        raise Http404
    path = results.file_of(result)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(
        results.filename(dossier), attachment=False
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
