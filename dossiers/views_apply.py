"""The citizen's filing journey in HTML (nộp hồ sơ trực tuyến): start, form steps, review, submit,
and "My dossiers".

The views stay thin: :mod:`dossiers.forms_render` draws the e-form and reads it back, the
services in :mod:`dossiers.services` save, check and submit. A draft is addressed by its random
``public_id``; anyone else's draft answers 404, exactly like a draft that does not exist.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from identity.access import citizen_login_redirect
from identity.citizens import assurance_problem, citizen_of
from identity.models import Citizen
from payments import fees
from payments import services as payment_services
from payments.models import Stage
from portal import clock
from procedures.applicants import account_problem
from procedures.eform_builder import build_schema
from procedures.eforms import is_visible, validate_data
from procedures.models import Agency, OnlineLevel, Procedure
from procedures.services import find_procedure

from . import forms_render, services
from .models import Dossier, Status

PAGE_SIZE = 10
SESSION_KEY = "apply-submit-key:{}"


# --- paths owned by the documents and tracking pages ------------------------------------------


def documents_url(dossier: Dossier) -> str:
    return f"/dossiers/drafts/{dossier.public_id}/documents/"


def dossier_url(code: str) -> str:
    return f"/dossiers/{code}/"


def step_url(dossier: Dossier, section_id: str) -> str:
    return reverse("apply:step", args=[dossier.public_id, section_id])


def review_url(dossier: Dossier) -> str:
    return reverse("apply:review", args=[dossier.public_id])


# --- who may file -----------------------------------------------------------------------------


def _citizen_or_refusal(request: HttpRequest) -> tuple[Citizen | None, HttpResponse | None]:
    """The logged-in citizen, or the answer for everyone else (login redirect or 403 page)."""
    if not request.user.is_authenticated:
        return None, citizen_login_redirect(request)
    citizen = citizen_of(request.user)
    if citizen is None:
        return None, render(request, "dossiers/apply_forbidden.html", status=403)
    return citizen, None


def _draft(citizen: Citizen, public_id) -> Dossier:
    try:
        return services.get_for_citizen(citizen, public_id=public_id)
    except Dossier.DoesNotExist:
        raise Http404 from None


# --- steps ------------------------------------------------------------------------------------


@dataclass
class Step:
    key: str
    title: str
    url: str


def steps_of(dossier: Dossier) -> list[Step]:
    steps = [
        Step(section["id"], section["title"], step_url(dossier, section["id"]))
        for section in dossier.form_schema["sections"]
    ]
    if dossier.form_schema.get("documents"):
        steps.append(Step("documents", _("Documents"), documents_url(dossier)))
    steps.append(Step("review", _("Check and submit"), review_url(dossier)))
    return steps


def _step_context(dossier: Dossier, current: str) -> dict:
    steps = steps_of(dossier)
    number = next(i for i, step in enumerate(steps, 1) if step.key == current)
    return {"steps": steps, "current": current, "step_number": number, "step_count": len(steps)}


# --- start ------------------------------------------------------------------------------------


def _find_procedure(code: str) -> Procedure | None:
    return find_procedure(
        code,
        Procedure.objects.select_related("current_version", "current_version__receiving_agency"),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def apply_start(request: HttpRequest, code: str) -> HttpResponse:
    """What the citizen needs, then "Start": a new draft under the version in force."""
    citizen, refusal = _citizen_or_refusal(request)
    if refusal:
        return refusal
    procedure = _find_procedure(code)
    if procedure is None:
        context = {"code": code[:60], "procedure": None}
        return render(request, "dossiers/apply_unavailable.html", context, status=404)
    version = procedure.current_version
    if version.online_level == OnlineLevel.NONE:
        context = {"code": code[:60], "procedure": procedure, "version": version}
        return render(request, "dossiers/apply_unavailable.html", context, status=404)
    problem = assurance_problem(citizen, procedure)
    if problem:
        context = {"procedure": procedure, "version": version, "problem": problem}
        return render(request, "dossiers/apply_level.html", context, status=403)
    not_eligible = account_problem(citizen.account_type, version.applicant_types or [])
    if not_eligible:
        context = {"procedure": procedure, "version": version, "problem": not_eligible}
        return render(request, "dossiers/apply_account.html", context, status=403)

    error = ""
    if request.method == "POST":
        try:
            dossier = services.start_draft(citizen, procedure)
        except services.DossierError as exc:
            error = exc.message
        else:
            return redirect(step_url(dossier, dossier.form_schema["sections"][0]["id"]))
    schema = build_schema(version)
    drafts = services.dossiers_of(citizen).filter(procedure=procedure, status=Status.DRAFT)
    context = {
        "procedure": procedure,
        "version": version,
        "documents": schema["documents"],
        "document_notes": schema.get("notes", []),
        "sections": schema["sections"],
        "online_channel": version.channels.filter(kind="online").first(),
        "drafts": drafts.order_by("-updated_at")[:5],
        "error": error,
    }
    return render(request, "dossiers/apply_start.html", context, status=400 if error else 200)


# --- form sections ----------------------------------------------------------------------------


@never_cache
def draft_resume(request: HttpRequest, public_id) -> HttpResponse:
    citizen, refusal = _citizen_or_refusal(request)
    if refusal:
        return refusal
    dossier = _draft(citizen, public_id)
    if dossier.status != Status.DRAFT:
        return redirect(dossier_url(dossier.code))
    return redirect(step_url(dossier, dossier.form_schema["sections"][0]["id"]))


def _section_errors(section: dict, values: dict) -> dict[str, str]:
    """Everything wrong with one section, required fields included (the page's own check)."""
    result = validate_data(
        {"sections": [section]}, {section["id"]: values}, services.form_context(partial=False)
    )
    return result.errors


def _newly_shown(section: dict, before: dict, after: dict) -> bool:
    """Did this answer reveal a question that was hidden when the page was drawn?"""
    return any(
        f.get("show_if") and not is_visible(f, before) and is_visible(f, after)
        for f in section["fields"]
    )


@never_cache
@require_http_methods(["GET", "POST"])
def draft_step(request: HttpRequest, public_id, section_id: str) -> HttpResponse:
    """One section of the form. Every POST saves what was typed, valid or not."""
    citizen, refusal = _citizen_or_refusal(request)
    if refusal:
        return refusal
    dossier = _draft(citizen, public_id)
    if dossier.status != Status.DRAFT:
        return redirect(dossier_url(dossier.code))
    sections = dossier.form_schema["sections"]
    index = next((i for i, s in enumerate(sections) if s["id"] == section_id), None)
    if index is None:
        raise Http404
    section = sections[index]
    values = dossier.form_data.get(section_id) or {}
    errors: dict[str, str] = {}
    status = 200

    if request.method == "POST":
        before = values
        values = forms_render.parse_section(section, request.POST)
        action = request.POST.get("_action", "continue")
        anchor = None
        if action.startswith(("add:", "remove:")):
            anchor = forms_render.apply_group_action(section, values, action)
        try:
            services.save_draft(dossier, citizen, {section_id: values})
        except services.Conflict as exc:
            messages.error(request, exc.message)
            return redirect("apply:my-dossiers")
        if anchor is not None:
            return redirect(f"{step_url(dossier, section_id)}#{forms_render.html_id(anchor)}")
        if action == "leave":
            messages.success(
                request,
                _("Your draft has been saved. You can come back to it at any time from this page."),
            )
            return redirect("apply:my-dossiers")
        errors = _section_errors(section, values)
        revealed = not request.POST.get("_js") and _newly_shown(section, before, values)
        if not errors and not revealed:
            following = _next_step_url(dossier, index)
            return redirect(following)
        if revealed and not errors:
            messages.info(request, _("Your answer added more questions below. Please check them."))
        status = 400 if errors else 200
    elif request.GET.get("check"):
        errors = _section_errors(section, values)

    renderer = forms_render.Renderer(errors)
    fields = renderer.section(section, values)
    context = {
        "dossier": dossier,
        "section": section,
        "fields": fields,
        "error_list": _error_list(dossier.form_schema, fields, errors),
        "back_url": step_url(dossier, sections[index - 1]["id"]) if index else None,
        **_step_context(dossier, section_id),
    }
    return render(request, "dossiers/apply_step.html", context, status=status)


def _next_step_url(dossier: Dossier, index: int) -> str:
    sections = dossier.form_schema["sections"]
    if index + 1 < len(sections):
        return step_url(dossier, sections[index + 1]["id"])
    if dossier.form_schema.get("documents"):
        return documents_url(dossier)
    return review_url(dossier)


@dataclass
class ErrorLink:
    href: str
    label: str
    message: str


def _error_list(schema: dict, fields: list, errors: dict[str, str]) -> list[ErrorLink]:
    """The error summary in the order of the page, each linking to its field."""
    links: list[ErrorLink] = []
    seen: set[str] = set()

    def add(anchor: str, path: str, error: str) -> None:
        links.append(ErrorLink(f"#{anchor}", forms_render.label_for_path(schema, path), error))
        seen.add(path)

    def walk(views):
        for view in views:
            if view.error:
                add(view.anchor, view.path, view.error)
            for item in view.items:
                if item.error:
                    add(item.id, item.path, item.error)
                walk(item.fields)

    walk(fields)
    for path, message in errors.items():  # anything the page could not place
        if path not in seen:
            links.append(ErrorLink("#main", forms_render.label_for_path(schema, path), message))
    return links


# --- review and submit ------------------------------------------------------------------------


def _review_errors(dossier: Dossier, errors: dict[str, str]) -> list[ErrorLink]:
    """Submission errors, each linked to the page where it can be fixed."""
    schema = dossier.form_schema
    slots = {slot["id"]: slot for slot in schema.get("documents", [])}
    links = []
    for path, message in errors.items():
        head = path.split(".", 1)[0]
        if path == "consent":
            links.append(ErrorLink("#consent", _("Confirmation"), message))
        elif path == "receiving_agency":
            links.append(ErrorLink("#agency", _("Where to file"), message))
        elif head == "documents":
            slot = slots.get(path.split(".", 1)[-1], {})
            links.append(
                ErrorLink(documents_url(dossier), slot.get("name", _("Documents")), message)
            )
        elif any(s["id"] == head for s in schema["sections"]):
            href = f"{step_url(dossier, head)}?check=1#{forms_render.html_id(path)}"
            links.append(ErrorLink(href, forms_render.label_for_path(schema, path), message))
        else:
            links.append(ErrorLink("#main", "", message))
    return links


def _submission_key(request: HttpRequest, dossier: Dossier, posted: str = "") -> str:
    """The key the form carries: the one posted (a resend keeps it), else a fresh one that is
    also kept in the session for this draft."""
    session_key = SESSION_KEY.format(dossier.public_id)
    key = posted if 0 < len(posted) <= 64 else uuid.uuid4().hex
    request.session[session_key] = key
    return key


@never_cache
@require_http_methods(["GET", "POST"])
def draft_review(request: HttpRequest, public_id) -> HttpResponse:
    """Everything entered, the documents, where to file, consent, and Submit."""
    citizen, refusal = _citizen_or_refusal(request)
    if refusal:
        return refusal
    dossier = _draft(citizen, public_id)
    error_links: list[ErrorLink] = []
    errors: dict[str, str] = {}
    posted_key = ""
    status = 200
    consent = False

    if request.method == "POST":
        posted_key = request.POST.get("idempotency_key", "")[:64] or request.session.get(
            SESSION_KEY.format(dossier.public_id), ""
        )
        consent = request.POST.get("consent") == "yes"
        outcome = _submit_or_errors(request, dossier, citizen, posted_key, consent)
        if isinstance(outcome, HttpResponse):
            return outcome
        errors = outcome
        dossier.refresh_from_db()
        error_links = _review_errors(dossier, errors)
        status = 400
    elif dossier.status != Status.DRAFT:
        return redirect(dossier_url(dossier.code))

    context = {
        "dossier": dossier,
        **_review_context(dossier),
        "errors": errors,
        "error_list": error_links,
        "consent": consent,
        "idempotency_key": _submission_key(request, dossier, posted_key if errors else ""),
        **_step_context(dossier, "review"),
    }
    return render(request, "dossiers/apply_review.html", context, status=status)


def _submit_or_errors(request, dossier, citizen, key, consent) -> HttpResponse | dict[str, str]:
    """Submit (after applying a new place to file); a response on success, else the errors."""
    agency_code = request.POST.get("agency", "")
    if agency_code and dossier.status == Status.DRAFT and agency_code != _agency_code(dossier):
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            return {"receiving_agency": _("Choose a ward or commune of Ho Chi Minh City.")}
        try:
            services.choose_receiving_agency(dossier, citizen, agency)
        except services.DossierError as exc:
            return {"receiving_agency": exc.message}
        dossier.refresh_from_db()
    if request.POST.get("_action") == "agency":
        messages.success(request, _("The place to file has been saved."))
        return redirect(f"{review_url(dossier)}#agency")
    try:
        submitted = services.submit(dossier, citizen, idempotency_key=key, consent=consent)
    except services.Conflict as exc:
        # A double click can race the first click; if that one went through, show its result.
        with contextlib.suppress(services.KeyReused):
            if done := services.replay_of(dossier, citizen, key):
                return redirect(dossier_url(done.code))
        messages.error(request, exc.message)
        if dossier.code:
            return redirect(dossier_url(dossier.code))
        return redirect("apply:my-dossiers")
    except services.DossierError as exc:
        errors = dict(exc.errors)
        if not errors:
            errors["__all__"] = exc.message
        return errors
    request.session.pop(SESSION_KEY.format(dossier.public_id), None)
    messages.success(
        request,
        _("Your dossier has been submitted. Its code is %(code)s.") % {"code": submitted.code},
    )
    if payment_services.due_demand(submitted) is not None:
        # Fees due at submission: the desk accepts the dossier once they are paid.
        return redirect("payments:pay", code=submitted.code)
    return redirect(dossier_url(submitted.code))


def _agency_code(dossier: Dossier) -> str:
    return dossier.receiving_agency.code if dossier.receiving_agency_id else ""


def _review_context(dossier: Dossier) -> dict:
    schema = dossier.form_schema
    wards = forms_render.ward_choices()
    ward_names = dict(wards)
    sections = [
        {
            "section": section,
            "answers": forms_render.answers(
                section, dossier.form_data.get(section["id"]), ward_names
            ),
            "url": step_url(dossier, section["id"]),
        }
        for section in schema["sections"]
    ]
    attached: dict[str, list] = {}
    for document in services.attached(dossier):
        attached.setdefault(document.slot_id, []).append(document)
    slots = [
        {"slot": slot, "attached": attached.get(slot["id"], [])}
        for slot in services.active_document_slots(dossier)
    ]
    return {
        "fees": fees.quote(dossier, Stage.SUBMISSION, clock.now()),
        "sections": sections,
        "slots": slots,
        "missing": [row for row in slots if row["slot"]["required"] and not row["attached"]],
        "documents_url": documents_url(dossier),
        "has_documents": bool(schema.get("documents")),
        "choose_agency": dossier.procedure.receives_at_commune,
        "wards": wards if dossier.procedure.receives_at_commune else [],
        "agency_code": _agency_code(dossier) or _suggested_ward(dossier, ward_names),
    }


def _suggested_ward(dossier: Dossier, ward_names: dict[str, str]) -> str:
    """Before a place is chosen, the select shows the applicant's own ward (from the form);
    submitting the page files it there, and the citizen can pick any other."""
    applicant = dossier.form_data.get("applicant")
    ward = applicant.get("ward") if isinstance(applicant, dict) else None
    return ward if isinstance(ward, str) and ward in ward_names else ""


# --- my dossiers ------------------------------------------------------------------------------


def _page(request: HttpRequest, queryset, param: str):
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(request.GET.get(param))


@never_cache
def my_dossiers(request: HttpRequest) -> HttpResponse:
    """Drafts and submitted dossiers of the citizen, newest first."""
    citizen, refusal = _citizen_or_refusal(request)
    if refusal:
        return refusal
    mine = services.dossiers_of(citizen)
    context = {
        "drafts": _page(
            request, mine.filter(status=Status.DRAFT).order_by("-updated_at", "-pk"), "drafts"
        ),
        "submitted": _page(
            request, mine.exclude(status=Status.DRAFT).order_by("-submitted_at", "-pk"), "page"
        ),
    }
    return render(request, "dossiers/my_dossiers.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def draft_delete(request: HttpRequest, public_id) -> HttpResponse:
    """GET asks for confirmation; POST deletes the draft."""
    citizen, refusal = _citizen_or_refusal(request)
    if refusal:
        return refusal
    dossier = _draft(citizen, public_id)
    if dossier.status != Status.DRAFT:
        return redirect(dossier_url(dossier.code))
    if request.method == "POST":
        try:
            services.delete_draft(dossier, citizen)
        except services.DossierError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The draft has been deleted."))
        return redirect("apply:my-dossiers")
    return render(request, "dossiers/apply_delete.html", {"dossier": dossier})
