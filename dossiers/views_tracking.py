"""Following a dossier: the citizen's dossier page, the receipt, withdrawal, public lookup.

The dossier page, the receipt and withdrawal are for the applicant only: anyone else — another
citizen, an official (who has the back office) — gets "not found", so a code reveals nothing.
Public lookup (``/lookup/``) needs the code *and* a second factor (the applicant's ID number or
phone), shows the progress only, answers every miss with one message, and is rate-limited per
client address and per code.
"""

from __future__ import annotations

import hmac
import pickle
import re
from functools import partial

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from identity.access import citizen_login_redirect
from identity.audit import client_ip
from identity.citizens import citizen_of
from portal import ratelimit
from portal.downloads import content_disposition
from portal.errors import too_many_requests

from . import read_cache, results, services
from .lifecycle import asked
from .models import Dossier, DossierEvent, IssuedForm, Status
from .official_forms import issued
from .tasks import receipt_file
from .templatetags.kept_fragment import KeptFragment

# --- words for statuses and events --------------------------------------------------------------

STATUS_EXPLANATIONS = {
    Status.SUBMITTED: gettext_lazy(
        "The dossier has been filed online. The one-stop desk will check it and either accept "
        "it or tell you what is missing."
    ),
    Status.ACCEPTED: gettext_lazy(
        "The one-stop desk has accepted the dossier. The processing time counts from now."
    ),
    Status.REFUSED: gettext_lazy(
        "The one-stop desk did not accept the dossier. The refusal notice states the reasons."
    ),
    Status.PROCESSING: gettext_lazy("The competent department is processing the dossier."),
    Status.SUPPLEMENT: gettext_lazy(
        "The agency has asked you to supplement or complete the dossier. The processing time "
        "is paused until it receives what is missing."
    ),
    Status.PAYMENT: gettext_lazy(
        "Fees or taxes are due before the agency can continue processing the dossier."
    ),
    Status.WITHDRAWN: gettext_lazy(
        "The applicant withdrew this dossier. It will not be processed."
    ),
    Status.STOPPED: gettext_lazy(
        "The agency stopped processing the dossier. The notice states the reasons."
    ),
    Status.DECIDED: gettext_lazy("The dossier has been processed and the result is ready."),
    Status.RETURNED: gettext_lazy("The result has been delivered."),
}

ACTION_WORDS = {
    "submitted": gettext_lazy("Dossier filed online"),
    "withdrawn": gettext_lazy("Withdrawn by the applicant"),
    "accepted": gettext_lazy("Accepted by the one-stop desk"),
    "refused": gettext_lazy("Not accepted by the one-stop desk"),
    "returned_for_completion": gettext_lazy("Returned for completion before acceptance"),
    "routed": gettext_lazy("Sent to the processing department"),
    "step": gettext_lazy("Handed over to the next step"),
    "supplement_requested": gettext_lazy("Supplement requested"),
    "supplemented": gettext_lazy("Supplement received"),
    "payment_requested": gettext_lazy("Payment requested"),
    "paid": gettext_lazy("Payment received"),
    "stopped": gettext_lazy("Processing stopped"),
    "decided": gettext_lazy("Result ready"),
    "result_returned": gettext_lazy("Result delivered"),
    "rescheduled": gettext_lazy("Appointment moved (apology letter issued)"),
    "supplement_sent": gettext_lazy("Supplement sent by the applicant"),
    "completion_sent": gettext_lazy("Completed documents sent by the applicant"),
}


def status_label(value: int | None) -> str:
    if value is None:
        return ""
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value)


def describe_event(event: DossierEvent) -> dict:
    """A timeline row in words (no actor, no note: callers add them where allowed)."""
    what = ACTION_WORDS.get(event.action)
    if what is None:
        what = (
            _("Status changed") if event.to_status is not None else event.action.replace("_", " ")
        )
    return {
        "at": event.at,
        "what": what,
        "from_status": status_label(event.from_status) if event.from_status else "",
        "to_status": status_label(event.to_status),
        "changed": event.to_status is not None and event.to_status != event.from_status,
    }


def status_view(dossier: Dossier) -> dict:
    return {
        "code": dossier.status,
        "label": status_label(dossier.status),
        "explanation": STATUS_EXPLANATIONS.get(dossier.status, ""),
    }


# --- the applicant's own pages ----------------------------------------------------------------

DETAIL = "dossiers/detail.html"


def _own_dossier(request: HttpRequest, code: str) -> Dossier:
    citizen = citizen_of(request.user)
    if citizen is None:
        raise Http404
    try:
        return services.get_for_citizen(citizen, code=code)
    except Dossier.DoesNotExist:
        raise Http404 from None


def _documents(dossier: Dossier) -> list[dict]:
    names = {
        slot.get("id"): slot.get("name", "")
        for slot in (dossier.form_schema or {}).get("documents") or []
    }
    return [
        {
            # An answer to a request has no slot of the form: its item's words name it.
            "slot": names.get(item.slot_id, item.stored.title),
            "title": item.stored.title,
            "file_name": item.stored.original_name,
            "reused": item.reused,
            "url": f"/documents/{item.stored.public_id}/",
        }
        for item in services.attached(dossier)
    ]


def _latest(forms: list[IssuedForm], form: str) -> IssuedForm | None:
    matching = [issued_form for issued_form in forms if issued_form.form == form]
    return matching[-1] if matching else None


def _requests(dossier: Dossier, forms: list[IssuedForm]) -> list[dict]:
    """What the agency asked for (Mẫu 02), newest first, each with the answer sent so far; the
    one still waiting for the applicant (:func:`asked.open_request`) is marked ``open``."""
    rows = []
    waiting = asked.ANSWERED_IN.get(dossier.status)
    found_open = False
    for request in dossier.supplement_requests.select_related("requested_by").order_by(
        "-requested_at", "-pk"
    ):
        by = request.requested_by
        is_open = not found_open and request.kind == waiting and request.answered_at is None
        found_open |= is_open
        rows.append(
            {
                "request": request,
                "by": (by.get_full_name() or by.get_username()) if by else "",
                "open": is_open,
                "documents": list(asked.answer_documents(request)),
            }
        )
    if rows:
        rows[0]["form"] = _latest(forms, IssuedForm.Form.SUPPLEMENT)
    return rows


def _apology(dossier: Dossier, forms: list[IssuedForm]) -> dict | None:
    """The apology and new date (Mẫu 04) once the due date was moved."""
    if not dossier.extended:
        return None
    event = dossier.events.filter(action="rescheduled").order_by("-at", "-pk").first()
    return {
        "first_due_at": dossier.original_due_at,
        "new_due_at": dossier.due_at,
        "reason": event.note if event else "",
        "at": event.at if event else None,
        "form": _latest(forms, IssuedForm.Form.APOLOGY),
    }


@never_cache
@require_GET
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    citizen = citizen_of(request.user)
    if citizen is None:
        raise Http404
    # The context is kept per revision of the dossier and served to its owner only
    # (dossiers.read_cache); the page around it (messages, CSRF, CSP nonce) is rendered anew.
    # The page's parts that show the dossier are rendered once per revision too ({% kept %} in
    # the template); what the page uses outside them is unpickled only if it is used.
    read = read_cache.Read("page", request, code, citizen.pk)
    kept = read.lookup()
    if kept is not None:
        values, html = kept
        context = {name: SimpleLazyObject(partial(pickle.loads, v)) for name, v in values.items()}
        return render(request, DETAIL, {**context, "kept_fragment": KeptFragment(dict(html))})
    dossier = _own_dossier(request, code)
    context = _detail_context(dossier)
    fragment = KeptFragment()
    response = render(request, DETAIL, {**context, "kept_fragment": fragment})
    values = {name: pickle.dumps(value) for name, value in context.items()}
    read.keep(dossier, (values, fragment.html))
    return response


def _detail_context(dossier: Dossier) -> dict:
    """What the dossier page shows; the same for every request of the owner until the dossier
    changes (kept by :mod:`dossiers.read_cache`: nothing per request belongs here)."""
    timeline = []
    for event in services.timeline(dossier):
        row = describe_event(event)
        row["by_you"] = event.actor_type == "citizen"
        row["note"] = event.note
        timeline.append(row)
    forms = issued(dossier)
    result = results.result_of(dossier) if dossier.status in results.VISIBLE_TO_APPLICANT else None
    return {
        "dossier": dossier,
        "status": status_view(dossier),
        "timeline": timeline,
        "documents": _documents(dossier),
        "receipt_ready": receipt_file(dossier, forms) is not None,
        "issued_forms": forms,
        "can_withdraw": dossier.status in services.WITHDRAWABLE,
        "requests": _requests(dossier, forms),
        "apology": _apology(dossier, forms),
        "result": result,
        "rating": getattr(dossier, "rating", None) if result is not None else None,
        "due_moved": bool(
            dossier.original_due_at and dossier.due_at and dossier.original_due_at != dossier.due_at
        ),
    }


@never_cache
@require_GET
def receipt_pdf(request: HttpRequest, code: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    dossier = _own_dossier(request, code)
    path = receipt_file(dossier)
    if path is None:
        raise Http404
    response = FileResponse(
        path.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"giay-tiep-nhan-{dossier.code}.pdf",
    )
    response["Content-Disposition"] = content_disposition(
        f"giay-tiep-nhan-{dossier.code}.pdf", attachment=False
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you withdraw this dossier?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """GET: confirm with a reason; POST: withdraw (status 7) through the service."""
    if not request.user.is_authenticated:
        return citizen_login_redirect(request)
    dossier = _own_dossier(request, code)
    detail_url = reverse("tracking:detail", args=[dossier.code])
    if request.method == "GET" and dossier.status not in services.WITHDRAWABLE:
        messages.error(request, _("This dossier can no longer be withdrawn."))
        return redirect(detail_url)
    # On POST the service decides (it locks the row and checks the status again).
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(dossier, citizen_of(request.user), form.cleaned_data["reason"])
        except services.DossierError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Your dossier has been withdrawn."))
        return redirect(detail_url)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dossiers/withdraw.html",
        {"dossier": dossier, "status": status_view(dossier), "form": form},
        status=status,
    )


# --- public lookup ----------------------------------------------------------------------------

CODE_PATTERN = re.compile(r"^[A-Z0-9.]{1,35}-\d{6}-\d{4,}$")


def lookup_limit() -> int:
    return int(getattr(settings, "LOOKUP_MAX_ATTEMPTS", 10))


def lookup_window() -> int:
    return int(getattr(settings, "LOOKUP_WINDOW_SECONDS", 600))


def rate_key(kind: str, value: str) -> str:
    return ratelimit.key(f"lookup:{kind}", value)


def normalise_code(value: str) -> str:
    return "".join(value.split()).upper()


def normalise_factor(value: str) -> str:
    """ID numbers and phones as digits only; ``+84 912 345 678`` → ``0912345678``."""
    text = "".join(value.split()).replace(".", "").replace("-", "")
    text = text.removeprefix("+")
    if text.startswith("84") and len(text) in (11, 12) and text[2:3] in "35789":
        text = "0" + text[2:]
    return text


def _factors(dossier: Dossier) -> list[str]:
    """What proves the asker knows the applicant: the ID number, the phones on file."""
    applicant = (dossier.submitted_data or {}).get("applicant") or {}
    values = [dossier.applicant.id_number, dossier.applicant.phone]
    if isinstance(applicant, dict):
        values += [str(applicant.get("id_number") or ""), str(applicant.get("phone") or "")]
    return sorted({normalise_factor(v) for v in values if v and normalise_factor(v)})


def factor_matches(dossier: Dossier | None, given: str) -> bool:
    """Constant-time comparison against every factor; a missing dossier costs the same."""
    candidates = _factors(dossier) if dossier is not None else ["0" * 12]
    given_bytes = normalise_factor(given).encode()
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(candidate.encode(), given_bytes)
    return matched and dossier is not None and bool(given_bytes)


class LookupForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Dossier code"), max_length=60)
    factor = forms.CharField(
        label=gettext_lazy("ID number or phone number of the applicant"),
        max_length=30,
        help_text=gettext_lazy(
            "The 12-digit personal ID number (or 9-digit old ID) or the phone number given in "
            "the dossier."
        ),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Track a dossier by code and a second factor; POST keeps ID numbers out of URLs."""
    if request.method == "GET":
        return render(request, "dossiers/lookup.html", {"form": LookupForm()})
    form = LookupForm(request.POST)
    if not form.is_valid():
        return render(request, "dossiers/lookup.html", {"form": form}, status=400)
    code = normalise_code(form.cleaned_data["code"])
    ip_key = rate_key("ip", client_ip(request) or "unknown")
    code_key = rate_key("code", code)
    limited = [k for k in (ip_key, code_key) if ratelimit.is_limited(k, lookup_limit())]
    if limited:
        wait = max(ratelimit.retry_after(k, lookup_limit(), lookup_window()) or 0 for k in limited)
        return too_many_requests(request, wait or lookup_window(), "dossiers/lookup_limited.html")
    ratelimit.hit(ip_key, lookup_window())
    dossier = None
    if CODE_PATTERN.match(code):
        dossier = (
            Dossier.objects.select_related("applicant", "procedure_version")
            .filter(code=code)
            .exclude(status=Status.DRAFT)
            .first()
        )
    if not factor_matches(dossier, form.cleaned_data["factor"]):
        ratelimit.hit(code_key, lookup_window())
        return render(
            request,
            "dossiers/lookup.html",
            {"form": LookupForm(initial={"code": form.cleaned_data["code"]}), "no_match": True},
        )
    return render(
        request,
        "dossiers/lookup_result.html",
        {
            "code": dossier.code,
            "procedure_name": dossier.procedure_version.name,
            "status": status_view(dossier),
            "submitted_at": dossier.submitted_at,
            "due_at": dossier.due_at,
            "timeline": [describe_event(event) for event in services.timeline(dossier)],
            "form": LookupForm(),
        },
    )
