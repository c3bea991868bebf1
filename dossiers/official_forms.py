"""The official forms a dossier produces (DOMAIN.md §5, Mẫu 01–06): one registry, one render path.

:data:`FORMS` maps a form id to its template, title, file name, number suffix and the function
that builds its context from the dossier. Every form extends ``templates/pdf/base.html`` (agency
header, national motto, number, place and date, signature blocks) and is rendered by
:func:`render`, through :func:`dossiers.pdf.render_pdf` and its static-only URL fetcher. The
receipt task (``dossiers.tasks.render_receipt``) and the forms task (``render_form``) both come
here, so the receipt's code exists once.

Legal text is Vietnamese whatever the interface language: the strings below are not translated.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from . import pdf
from .models import Dossier, DossierEvent, IssuedForm, Status, SupplementRequest

ONLINE_RECEIVER = "Hệ thống tiếp nhận trực tuyến"


def _applicant(dossier: Dossier) -> dict[str, str]:
    """Applicant data as submitted, completed from the profile where the form had no field."""
    from procedures.models import Agency

    submitted = (dossier.submitted_data or {}).get("applicant") or {}
    citizen = dossier.applicant

    def value(key: str, fallback: Any) -> str:
        given = submitted.get(key) if isinstance(submitted, dict) else None
        return str(given if given not in (None, "") else (fallback or "")).strip()

    ward_code = value("ward", citizen.ward.code if citizen.ward_id else "")
    names = Agency.objects.filter(code=ward_code).values_list("short_name", "name").first()
    ward = (names[0] or pdf.place_name(names[1])) if names else ""
    street = value("address", citizen.address)
    address = ", ".join(part for part in (street, ward or "", "Thành phố Hồ Chí Minh") if part)
    return {
        "full_name": value("full_name", citizen.full_name),
        "id_number": value("id_number", citizen.id_number),
        "address": address if street or ward else "",
        "phone": value("phone", citizen.phone),
        "email": value("email", citizen.email),
    }


def _documents(dossier: Dossier) -> list[dict[str, Any]]:
    """Slots with at least one attached file, in the order of the form, with counts."""
    files: dict[str, int] = {}
    for slot_id in dossier.documents.values_list("slot_id", flat=True):
        files[slot_id] = files.get(slot_id, 0) + 1
    listed = []
    for slot in (dossier.form_schema or {}).get("documents") or []:
        if slot.get("id") in files:
            listed.append(
                {
                    "name": slot.get("name", ""),
                    "originals": slot.get("originals"),
                    "copies": slot.get("copies"),
                    "files": files[slot["id"]],
                }
            )
    return listed


def _online_duration(dossier: Dossier) -> str:
    from procedures.models import Channel

    channels = {c.kind: c for c in dossier.procedure_version.channels.all()}
    channel = channels.get(Channel.Kind.ONLINE) or channels.get(Channel.Kind.DIRECT)
    return pdf.duration_text(channel.duration, channel.unit) if channel else ""


def _return_place(dossier: Dossier) -> str:
    from procedures.models import OnlineLevel

    agency = dossier.receiving_agency
    desk = f"Bộ phận Một cửa — {agency.name}" if agency else "Bộ phận Một cửa"
    if agency is not None and agency.address:
        desk += f" ({agency.address})"
    if dossier.procedure_version.online_level == OnlineLevel.FULL:
        return f"Trực tuyến, trên Cổng Dịch vụ công (kết quả điện tử); hoặc tại {desk}"
    return desk


def receipt_context(dossier: Dossier) -> dict[str, Any]:
    """Everything Mẫu 01 prints, for ``dossier`` (DOMAIN §5)."""
    agency = dossier.receiving_agency
    sequence = dossier.code.rsplit("-", 1)[-1]
    received = pdf.local(dossier.submitted_at) or timezone.localtime()
    request = ((dossier.submitted_data or {}).get("request") or {}).get("request") or ""
    return {
        "header": pdf.agency_header(agency),
        "number": f"{sequence}/TTPVHCC",
        "place_date": pdf.place_and_date(received.date()),
        "code": dossier.code,
        "receiving_unit": f"Bộ phận Một cửa — {agency.name}" if agency else "",
        "applicant": _applicant(dossier),
        "proxy": "",
        "procedure_name": dossier.procedure_version.name,
        "request_text": str(request)[:2000],
        "documents": _documents(dossier),
        "duration": _online_duration(dossier),
        "received_at": pdf.time_and_date(dossier.submitted_at),
        "appointment": (
            pdf.time_and_date(dossier.due_at)
            if dossier.status != Status.SUBMITTED and dossier.due_at
            else ""
        ),
        "return_place": _return_place(dossier),
        "book": f"{received:%Y}/{agency.code if agency else ''}",
        "number_in_book": sequence,
        "receiver": ONLINE_RECEIVER,
    }


# --- what every other form shares ---------------------------------------------------------------


def _request_text(dossier: Dossier) -> str:
    request = ((dossier.submitted_data or {}).get("request") or {}).get("request") or ""
    return str(request)[:2000]


def _last_event(dossier: Dossier, action: str) -> DossierEvent | None:
    return dossier.events.filter(action=action).order_by("-at", "-pk").first()


def _common(dossier: Dossier) -> dict[str, Any]:
    """Header, place and date, and the dossier's identity: what Mẫu 02–06 all print."""
    agency = dossier.receiving_agency
    return {
        "header": pdf.agency_header(agency),
        "place_date": pdf.place_and_date(timezone.localdate()),
        "code": dossier.code,
        "applicant": _applicant(dossier),
        "procedure_name": dossier.procedure_version.name,
        "request_text": _request_text(dossier),
        "agency_name": agency.name if agency else "",
        "received_at": pdf.time_and_date(dossier.accepted_at or dossier.submitted_at),
        "appointment": pdf.time_and_date(dossier.due_at),
    }


def applicant_of(dossier: Dossier) -> dict[str, str]:
    """The applicant as the forms print them (name, ID number, address, phone, email)."""
    return _applicant(dossier)


def common_context(dossier: Dossier) -> dict[str, Any]:
    """What every form after the receipt prints (the rendered result too: dossiers.results)."""
    return _common(dossier)


def _signer(role: str, name: str = "", hint: str = "(Ký, ghi rõ họ tên)") -> dict[str, str]:
    return {"role": role, "hint": hint, "name": name}


def _official_name(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()


def supplement_context(dossier: Dossier) -> dict[str, Any]:
    """Mẫu 02: the latest supplement or completion request, its numbered list and reason."""
    asked = dossier.supplement_requests.select_related("requested_by").order_by("-pk").first()
    agency = dossier.receiving_agency
    official = _official_name(asked.requested_by) if asked else ""
    return {
        **_common(dossier),
        "completion": asked is not None and asked.kind == SupplementRequest.Kind.COMPLETION,
        "items": list(asked.items) if asked else [],
        "reason": asked.reason if asked else "",
        "contact": official,
        "contact_phone": agency.phone if agency and agency.phone else "",
        "signers": [_signer("Người hướng dẫn, tiếp nhận hồ sơ", official)],
    }


def refusal_context(dossier: Dossier) -> dict[str, Any]:
    """Mẫu 03: the reasons the desk gave when it refused the dossier."""
    event = _last_event(dossier, "refused")
    return {
        **_common(dossier),
        "reason": event.note if event else "",
        "signers": [_signer("Người tiếp nhận hồ sơ", event.actor if event else "")],
    }


def apology_context(dossier: Dossier) -> dict[str, Any]:
    """Mẫu 04: the first appointment, why it is missed, the apology and the new date."""
    event = _last_event(dossier, "rescheduled")
    return {
        **_common(dossier),
        "original_appointment": pdf.time_and_date(dossier.original_due_at),
        "new_appointment": pdf.time_and_date(dossier.due_at),
        "reason": event.note if event else "",
        "signers": [_signer("Thủ trưởng cơ quan", hint="(Ký, ghi rõ họ tên và đóng dấu)")],
    }


def stop_context(dossier: Dossier) -> dict[str, Any]:
    """Mẫu 05: why processing of the dossier stopped."""
    event = _last_event(dossier, "stopped")
    return {
        **_common(dossier),
        "reason": event.note if event else "",
        "signers": [_signer("Thủ trưởng cơ quan", hint="(Ký, ghi rõ họ tên và đóng dấu)")],
    }


# --- Mẫu 06: the hand-offs --------------------------------------------------------------------

HANDOFF_EVENTS = {
    "routed": ("Bộ phận Một cửa", "Phòng chuyên môn"),
    "step": ("Bước xử lý trước", "Bước xử lý tiếp theo"),
}


def step_result(at: datetime.datetime, due: datetime.datetime | None) -> str:
    """trước hạn / đúng hạn / quá hạn of a hand-off at ``at`` against the deadline ``due``:
    before the deadline's day, on that day, after it."""
    if due is None:
        return ""
    done, deadline = timezone.localtime(at), timezone.localtime(due)
    if done > deadline:
        return "quá hạn"
    return "đúng hạn" if done.date() == deadline.date() else "trước hạn"


def handoffs(dossier: Dossier) -> list[dict[str, str]]:
    """The rows of Mẫu 06, one per hand-off, oldest first.

    Read from the process-control record the routing task writes (``workflow.ProcessStep``:
    the units handing over and receiving, the step's own deadline and result). Until the task
    has written them (it runs after commit, on the ``routing`` queue), the timeline's route and
    forward events stand in, compared with the dossier's due date.
    """
    steps = list(
        dossier.process_steps.select_related("handed_over_by", "handed_to").order_by("order")
    )
    if steps:
        return [
            {
                "giver": step.handed_over_by.name,
                "taker": f"{step.handed_to.name} ({step.name})",
                "at": pdf.time_and_date(step.handed_over_at),
                "result": step_result(step.finished_at, step.deadline) if step.finished_at else "",
                "note": step.note,
            }
            for step in steps
        ]
    rows = []
    events = dossier.events.filter(action__in=HANDOFF_EVENTS).order_by("at", "pk")
    for event in events:
        giver, taker = HANDOFF_EVENTS[event.action]
        rows.append(
            {
                "giver": f"{giver} ({event.actor})" if event.actor else giver,
                "taker": taker,
                "at": pdf.time_and_date(event.at),
                "result": step_result(event.at, dossier.due_at),
                "note": event.note,
            }
        )
    return rows


def control_context(dossier: Dossier) -> dict[str, Any]:
    """Mẫu 06: the process-control sheet of the dossier, as far as it has gone."""
    return {
        **_common(dossier),
        "rows": handoffs(dossier),
        "coordinating": "",
        "signers": [],
    }


# --- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficialForm:
    """One printed form: what it is called, where its template is, how its context is built."""

    id: str
    title: str
    template: str
    slug: str  # file name stem, followed by the dossier code
    suffix: str  # of the number "Số: …/XXX"; "" for a form without a number suffix
    context: Callable[[Dossier], dict[str, Any]]

    def filename(self, dossier: Dossier) -> str:
        return f"{self.slug}-{dossier.code}.pdf"


F = IssuedForm.Form
FORMS: dict[str, OfficialForm] = {
    form.id: form
    for form in [
        OfficialForm(F.RECEIPT, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "pdf/receipt.html",
                     "giay-tiep-nhan", "TTPVHCC", receipt_context),
        OfficialForm(F.SUPPLEMENT, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
                     "pdf/supplement.html", "phieu-yeu-cau-bo-sung", "PBS", supplement_context),
        OfficialForm(F.REFUSAL, "Phiếu từ chối tiếp nhận giải quyết hồ sơ", "pdf/refusal.html",
                     "phieu-tu-choi", "PTC", refusal_context),
        OfficialForm(F.APOLOGY, "Phiếu xin lỗi và hẹn lại ngày trả kết quả", "pdf/apology.html",
                     "phieu-xin-loi", "PXL", apology_context),
        OfficialForm(F.STOP, "Thông báo dừng giải quyết hồ sơ", "pdf/stop.html",
                     "thong-bao-dung", "TB", stop_context),
        OfficialForm(F.CONTROL, "Phiếu kiểm soát quá trình giải quyết hồ sơ", "pdf/control.html",
                     "phieu-kiem-soat", "PKS", control_context),
    ]
}  # fmt: skip


def next_number(dossier: Dossier, form: OfficialForm) -> str:
    """``"07/PBS"``: the next number of this form in the receiving agency this year.

    The receipt keeps the dossier's own sequence (its tracking-book number). Two forms issued
    at the same instant may draw the same number; the row's key, not the number, is unique.
    """
    if form.id == F.RECEIPT:
        return f"{dossier.code.rsplit('-', 1)[-1]}/{form.suffix}"
    issued = IssuedForm.objects.filter(
        form=form.id,
        dossier__receiving_agency_id=dossier.receiving_agency_id,
        created_at__year=timezone.localdate().year,
    ).count()
    return f"{issued + 1:02d}/{form.suffix}"


def render(dossier: Dossier, form_id: str, number: str | None = None) -> tuple[str, bytes]:
    """The form ``form_id`` of ``dossier`` as PDF bytes, with its number (drawn when not given)."""
    form = FORMS[form_id]
    number = number or next_number(dossier, form)
    context = {**form.context(dossier), "number": number, "title": form.title}
    return number, pdf.render_pdf(form.template, context)


# --- Mẫu 07: the tracking book (one per sector and period, not per dossier: reports.book) -----


def render_book(context: dict[str, Any]) -> bytes:
    """Mẫu 07 — Sổ theo dõi hồ sơ as PDF, from :func:`reports.book.context` (landscape A4)."""
    return pdf.render_pdf("pdf/book.html", context)


def issued(dossier: Dossier) -> list[IssuedForm]:
    """The forms rendered for ``dossier``, oldest first (for the dossier pages)."""
    return list(dossier.issued_forms.all())
