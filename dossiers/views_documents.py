"""Citizen pages for documents: the documents step of a draft, and downloading stored files.

The documents step lists each document slot that applies to the draft (only the chosen case's)
with what is attached, an upload form and a choice from the citizen's document store. It works
without JavaScript: every action is a POST that comes back to the same page. The views only
check who is asking and call :mod:`dossiers.uploads`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from identity.access import citizen_login_redirect
from identity.citizens import citizen_of
from identity.models import Citizen
from portal.downloads import content_disposition

from . import services, uploads
from .documents import limits as upload_limits
from .models import Dossier, Status, StoredDocument


def _draft_of(request: HttpRequest, public_id: Any) -> tuple[Citizen, Dossier]:
    """The requesting citizen and their own dossier; 404 for everyone and everything else."""
    citizen = citizen_of(request.user)
    if citizen is None:
        raise Http404
    try:
        dossier = services.get_for_citizen(citizen, public_id=public_id)
    except Dossier.DoesNotExist:
        raise Http404 from None
    return citizen, dossier


# --- the documents step -----------------------------------------------------------------------


@csrf_exempt  # checked by _documents_step, after the size of the request body was looked at
@require_http_methods(["GET", "POST"])
def documents_step(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Refuse an oversized upload before Django reads its body, limit what it may read, then
    handle the request (see :mod:`dossiers.documents.limits`)."""
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    if request.method == "POST":
        citizen, dossier = _draft_of(request, public_id)
        slot_id = request.GET.get("slot", "")
        limit, limit_text = upload_limits.limit_for(dossier, slot_id)
        if upload_limits.declared_too_large(request, limit):
            message = upload_limits.declared_message(limit_text)
            return _refused(request, citizen, dossier, slot_id, message, status=413)
        upload_limits.guard(request, limit, limit_text)
    return _documents_step(request, public_id)


@never_cache
@csrf_protect
def _documents_step(request: HttpRequest, public_id: Any) -> HttpResponse:
    citizen, dossier = _draft_of(request, public_id)
    if request.method == "GET":
        return _render(request, citizen, dossier)

    action = request.POST.get("action", "upload")
    slot_id = request.POST.get("slot_id", "") or request.GET.get("slot", "")
    stopped = upload_limits.stopped(request)
    if stopped is not None:
        message = upload_limits.stopped_message(stopped)
        return _refused(request, citizen, dossier, slot_id, message, status=413)
    try:
        if action == "remove":
            uploads.detach(dossier, citizen, request.POST.get("document"))
            done = _("The document was removed from the dossier. It stays in your documents.")
        elif action == "reuse":
            chosen = request.POST.get("stored", "")
            if not chosen:
                raise services.DossierError(_("Choose one of your documents."))
            uploads.reuse_document(dossier, citizen, slot_id, chosen)
            done = _("The document from your documents was attached.")
        else:
            uploaded = request.FILES.get("file")
            if uploaded is None:
                raise services.DossierError(_("Choose a file to upload."))
            uploads.attach_upload(dossier, citizen, slot_id, uploaded)
            done = _("The file “%(name)s” was uploaded and attached.") % {
                "name": uploads.display_name(uploaded.name)
            }
    except services.Conflict as conflict:
        dossier.refresh_from_db()
        return _render(request, citizen, dossier, general=conflict.message, status=409)
    except services.DossierError as refused:
        return _refused(request, citizen, dossier, slot_id, refused.message, status=400)
    messages.success(request, done)
    anchor = f"#slot-{slot_id}" if slot_id else ""
    return redirect(reverse("documents:step", args=[dossier.public_id]) + anchor)


def _refused(
    request: HttpRequest,
    citizen: Citizen,
    dossier: Dossier,
    slot_id: str,
    message: str,
    *,
    status: int,
) -> HttpResponse:
    """The page again with ``message`` next to the slot it is about, or on top."""
    slots = {slot["id"] for slot in services.active_document_slots(dossier)}
    if slot_id in slots:
        return _render(request, citizen, dossier, errors={slot_id: message}, status=status)
    return _render(request, citizen, dossier, general=message, status=status)


def _render(
    request: HttpRequest,
    citizen: Citizen,
    dossier: Dossier,
    *,
    errors: dict[str, str] | None = None,
    general: str = "",
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    by_slot: dict[str, list] = defaultdict(list)
    for document in services.attached(dossier):
        by_slot[document.slot_id].append(document)
    store = list(uploads.stored_documents_of(citizen))
    rows = slot_rows(services.active_document_slots(dossier), by_slot, store, errors)
    context = _steps(dossier)
    others = [document for documents in by_slot.values() for document in documents]
    sections = dossier.form_schema.get("sections") or []
    context |= {
        "dossier": dossier,
        "procedure": dossier.procedure,
        "rows": rows,
        "others": others,
        "general": general,
        "editable": dossier.status == Status.DRAFT,
        "missing": services.missing_documents(dossier) if dossier.status == Status.DRAFT else [],
        "back_url": (
            f"/dossiers/drafts/{dossier.public_id}/step/{sections[-1]['id']}/" if sections else ""
        ),
        "review_url": f"/dossiers/drafts/{dossier.public_id}/review/",
        "dossier_url": f"/dossiers/{dossier.code}/" if dossier.code else "",
    }
    return render(request, "dossiers/documents_step.html", context, status=status)


def slot_rows(
    slots: list[dict], by_slot: dict[str, list], store: list[StoredDocument], errors: dict
) -> list[dict]:
    """One row per slot for an upload page: what it accepts, its limit, the documents attached
    (taken out of ``by_slot``), the citizen's stored documents that fit it, its error. Used by
    the draft's documents step and by the answer to a supplement request (views_answer)."""
    rows = []
    for slot in slots:
        accept = uploads.slot_accept(slot)
        limit = uploads.limit_bytes(uploads.slot_max_size_mb(slot))
        here = by_slot.pop(slot["id"], [])
        taken = {document.stored_id for document in here}
        rows.append(
            {
                "slot": slot,
                "types": uploads.types_text(accept),
                "accept_attr": ",".join(
                    sorted(
                        {f".{ext}" for ext, kind in uploads.EXTENSIONS.items() if kind in accept}
                    )
                ),
                "limit_mb": uploads.limit_text(uploads.slot_max_size_mb(slot)),
                "documents": here,
                "reusable": [
                    stored
                    for stored in store
                    if stored.pk not in taken
                    and uploads.kind_of(stored) in accept
                    and stored.size <= limit
                ],
                "error": errors.get(slot["id"], ""),
            }
        )
    return rows


def _steps(dossier: Dossier) -> dict:
    """The wizard's step indicator, when the wizard provides one (it owns the other steps)."""
    try:
        from .views_apply import steps_of
    except ImportError:
        return {}
    steps = steps_of(dossier)
    keys = [step.key for step in steps]
    if "documents" not in keys:
        return {}
    return {
        "steps": steps,
        "current": "documents",
        "step_number": keys.index("documents") + 1,
        "step_count": len(steps),
    }


# --- downloading ------------------------------------------------------------------------------


def _may_read(user: Any, stored: StoredDocument) -> bool:
    """The owner, or an official allowed to read a dossier the document is attached to."""
    if uploads.can_read(user, stored):
        return True
    attachments = stored.attachments.select_related("dossier", "stored")
    return any(uploads.can_read(user, attachment) for attachment in attachments)


@require_safe
def download(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Stream a stored document to someone allowed to read it; 404 for anyone else, so the
    answer never confirms that a document exists."""
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    stored = StoredDocument.objects.filter(public_id=public_id).first()
    if stored is None or not _may_read(request.user, stored):
        raise Http404
    try:
        handle = uploads.open_stored(stored)
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=uploads.download_name(stored),
        content_type=stored.content_type,
    )
    response["Content-Disposition"] = content_disposition(uploads.download_name(stored))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
