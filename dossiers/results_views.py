"""Downloading a dossier's result: the applicant once it is decided, the handling agency's
verified officials whenever it exists (:func:`dossiers.results.may_read`); anyone else gets
"not found", exactly like an unknown code."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from identity import access
from identity.access import citizen_login_redirect
from portal.downloads import content_disposition

from . import results
from .documents.access import official_may_read
from .errors import ActionForbidden, Conflict, DossierError
from .models import Dossier, Status
from .signing import service as signing


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


# --- revoking a signed result (back office) -------------------------------------------------


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revoking"),
        max_length=signing.REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@access.official_required
@require_http_methods(["GET", "POST"])
def revoke_page(request: HttpRequest, code: str) -> HttpResponse:
    """Thu hồi kết quả: the agency's leader or administrator revokes a signed result; the
    verification page says so from then on."""
    dossier = Dossier.objects.select_related("receiving_agency", "result").filter(code=code).first()
    result = getattr(dossier, "result", None) if dossier is not None else None
    if result is None or not result.is_signed or not official_may_read(request.user, dossier):
        raise Http404
    if not signing.may_revoke(request.user, result):
        return access.forbidden_page(request, "revoke_result", dossier=dossier.code)
    form = RevokeForm(request.POST or None)
    context = {"dossier": dossier, "result": result, "form": form}
    if request.method == "GET":
        return render(request, "backoffice/result_revoke.html", context)
    if not form.is_valid():
        return render(request, "backoffice/result_revoke.html", context, status=400)
    try:
        signing.revoke(result, request.user, form.cleaned_data["reason"])
    except ActionForbidden:
        return access.forbidden_page(request, "revoke_result", dossier=dossier.code)
    except Conflict as conflict:
        messages.error(request, conflict.message)
        return redirect("backoffice:dossier", code=dossier.code)
    except DossierError as refused:
        form.add_error("reason", refused.message)
        return render(request, "backoffice/result_revoke.html", context, status=400)
    messages.success(request, _("The result was revoked; the verification page now says so."))
    return redirect("backoffice:dossier", code=dossier.code)
