"""Downloading the official forms issued for a dossier (Mẫu 01–06).

The applicant and the officials of the handling agency may read them
(:func:`dossiers.documents.access.can_read_dossier_files`); anyone else gets "not found", exactly
like an unknown code or form, so neither reveals that it exists.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from identity.access import citizen_login_redirect
from portal.downloads import content_disposition

from .documents.access import can_read_dossier_files
from .models import IssuedForm, Status
from .official_forms import FORMS
from .tasks import form_file


@never_cache
@require_GET
def form_pdf(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    issued = (
        IssuedForm.objects.select_related("dossier__receiving_agency")
        .filter(pk=pk, dossier__code=code)
        .exclude(dossier__status=Status.DRAFT)
        .first()
    )
    if issued is None or not can_read_dossier_files(request.user, issued.dossier):
        raise Http404
    path = form_file(issued)
    if path is None:
        raise Http404
    name = FORMS[issued.form].filename(issued.dossier)
    response = FileResponse(path.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(name, attachment=False)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
