"""The applicant's answer to a supplement or completion request, on the same dossier.

``/dossiers/<code>/supplement/`` shows what the agency asked (numbered items, reason, who and
when, Mẫu 02) with, for each item, the documents attached so far, an upload form and a choice
from the citizen's document store, then a message and the button that sends the answer. Every
action is a POST that comes back here (no JavaScript needed); the views only check who asks
and call :mod:`dossiers.lifecycle.answer`. Anyone but the applicant gets "not found".
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from identity.access import citizen_login_redirect
from identity.citizens import citizen_of
from identity.models import Citizen

from . import services, uploads
from .documents import limits as upload_limits
from .lifecycle import answer, asked
from .lifecycle.transitions import NOTE_LIMIT
from .models import Dossier, IssuedForm
from .views_documents import slot_rows
from .views_tracking import _own_dossier


class SendForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Message to the agency (optional)"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@csrf_exempt  # checked by _answer_page, after the size of the request body was looked at
@require_http_methods(["GET", "POST"])
def answer_page(request: HttpRequest, code: str) -> HttpResponse:
    """Refuse an oversized upload before its body is read, limit what may be read, then handle
    the request (as the draft's documents step does: dossiers.documents.limits)."""
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    if request.method == "POST":
        dossier = _own_dossier(request, code)
        slot_id = request.GET.get("slot", "")
        limit, limit_text = upload_limits.limit_for(dossier, slot_id, asked.open_slots(dossier))
        if upload_limits.declared_too_large(request, limit):
            message = upload_limits.declared_message(limit_text)
            return _render(request, dossier, SendForm(), {slot_id: message}, status=413)
        upload_limits.guard(request, limit, limit_text)
    return _answer_page(request, code)


@never_cache
@csrf_protect
def _answer_page(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _own_dossier(request, code)
    citizen = citizen_of(request.user)
    if request.method == "GET":
        return _render(request, dossier, SendForm())
    action = request.POST.get("action", "upload")
    slot_id = request.POST.get("slot_id", "") or request.GET.get("slot", "")
    here = reverse("tracking:supplement", args=[dossier.code])
    send_form = SendForm(request.POST if action == "send" else None)
    stopped = upload_limits.stopped(request)
    if stopped is not None:
        message = upload_limits.stopped_message(stopped)
        return _render(request, dossier, send_form, {slot_id: message}, status=413)
    try:
        done = _act(request, dossier, citizen, action, slot_id, send_form)
    except services.Conflict as conflict:
        messages.error(request, conflict.message)
        return redirect("tracking:detail", code=dossier.code)
    except services.DossierError as refused:
        return _render(request, dossier, send_form, {slot_id or "": refused.message}, status=400)
    messages.success(request, done)
    if action == "send":
        return redirect("tracking:detail", code=dossier.code)
    return redirect(f"{here}#slot-{slot_id}" if slot_id else here)


def _act(
    request: HttpRequest,
    dossier: Dossier,
    citizen: Citizen,
    action: str,
    slot_id: str,
    send_form: SendForm,
) -> str:
    """Do what the POST asks through :mod:`.lifecycle.answer`; the message to show."""
    if action == "send":
        if not send_form.is_valid():
            raise services.DossierError(_("The message is too long."))
        answer.send(dossier, citizen, send_form.cleaned_data["note"])
        return _("Your documents were sent to the agency.")
    if action == "remove":
        answer.detach(dossier, citizen, request.POST.get("document"))
        return _("The document was removed from your answer. It stays in your documents.")
    if action == "reuse":
        chosen = request.POST.get("stored", "")
        if not chosen:
            raise services.DossierError(_("Choose one of your documents."))
        answer.reuse_document(dossier, citizen, slot_id, chosen)
        return _("The document from your documents was attached.")
    uploaded = request.FILES.get("file")
    if uploaded is None:
        raise services.DossierError(_("Choose a file to upload."))
    answer.attach_upload(dossier, citizen, slot_id, uploaded)
    return _("The file “%(name)s” was uploaded and attached.") % {
        "name": uploads.display_name(uploaded.name)
    }


def _render(
    request: HttpRequest,
    dossier: Dossier,
    send_form: SendForm,
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """The answer page; an error is shown by its item, or on top (``""``)."""
    errors = dict(errors or {})
    citizen = citizen_of(request.user)
    open_request = asked.open_request(dossier)
    if open_request is None:
        messages.info(request, _("This dossier is not waiting for documents from you."))
        return redirect("tracking:detail", code=dossier.code)
    slots = asked.slots_of(open_request)
    by_slot: dict[str, list] = defaultdict(list)
    for document in asked.answer_documents(open_request):
        by_slot[document.slot_id].append(document)
    store = list(uploads.stored_documents_of(citizen))
    known = {slot["id"] for slot in slots}
    general = " ".join(message for key, message in errors.items() if key not in known)
    form_02 = dossier.issued_forms.filter(form=IssuedForm.Form.SUPPLEMENT).order_by("-pk").first()
    by = open_request.requested_by
    return render(
        request,
        "dossiers/supplement.html",
        {
            "dossier": dossier,
            "request_asked": open_request,
            "by": (by.get_full_name() or by.get_username()) if by else "",
            "form_02": form_02,
            "rows": slot_rows(slots, by_slot, store, errors),
            "general": general,
            "send_form": send_form,
        },
        status=status,
    )
