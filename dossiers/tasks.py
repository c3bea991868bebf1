"""Background work on dossiers: the receipt PDF (Mẫu 01) and, later, the other forms.

Tasks run after the submitting transaction commits (``transaction.on_commit``) on the
``documents`` queue, with ``acks_late``: a worker that dies mid-task leaves the message for
another worker, so every task here may run twice and must do no harm when it does.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from . import pdf
from .documents.storage import write_atomically
from .models import Dossier, DossierFile, Status

logger = logging.getLogger("dossiers.tasks")

RECEIPTS_DIR = "receipts"
ONLINE_RECEIVER = "Hệ thống tiếp nhận trực tuyến"
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)


class DocumentsTask(Task):
    """Tasks that render documents: sent to the ``documents`` queue unless told otherwise.

    (Celery 5.7 deprecates the ``queue`` task attribute in favour of ``task_routes``; this keeps
    the routing beside the task until the settings route ``dossiers.*`` themselves.)
    """

    queue_name = "documents"

    def apply_async(self, args=None, kwargs=None, **options):
        options.setdefault("queue", self.queue_name)
        return super().apply_async(args, kwargs, **options)


# --- files ------------------------------------------------------------------------------------


def file_path(storage_name: str) -> Path:
    """Where a :class:`DossierFile` lives; refuses a name that would leave the private root."""
    root = Path(settings.PRIVATE_STORAGE_ROOT).resolve()
    path = (root / storage_name).resolve()
    if not path.is_relative_to(root) or path == root:
        raise ValueError(f"bad storage name {storage_name!r}")
    return path


# --- the receipt (Mẫu 01) ---------------------------------------------------------------------


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


def render_receipt_pdf(dossier: Dossier) -> bytes:
    return pdf.render_pdf("pdf/receipt.html", receipt_context(dossier))


@shared_task(
    name="dossiers.render_receipt",
    base=DocumentsTask,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def render_receipt(code: str, replace: bool = False) -> str | None:
    """Render the receipt (Mẫu 01) of dossier ``code`` and store it as its receipt file.

    Idempotent: when the receipt exists with its file on disk nothing happens (``replace``
    re-renders it, e.g. once the desk has set the appointment). Returns the storage name, or
    None when the dossier does not exist (nothing to retry).
    """
    dossier = (
        Dossier.objects.select_related(
            "applicant__ward", "procedure_version", "receiving_agency__parent"
        )
        .filter(code=code)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if dossier is None:
        logger.warning("render_receipt: no dossier %s", code)
        return None
    existing = DossierFile.objects.filter(dossier=dossier, kind=DossierFile.Kind.RECEIPT).first()
    if existing is not None and not replace and file_path(existing.storage_name).is_file():
        return existing.storage_name

    data = render_receipt_pdf(dossier)
    if existing is not None:
        # The row is there but the file is missing (or is being replaced): same name, new bytes.
        _size, digest = write_atomically(file_path(existing.storage_name), [data])
        DossierFile.objects.filter(pk=existing.pk).update(sha256=digest)
        return existing.storage_name

    storage_name = f"{RECEIPTS_DIR}/{secrets.token_hex(16)}.pdf"
    path = file_path(storage_name)
    _size, digest = write_atomically(path, [data])
    try:
        with transaction.atomic():
            DossierFile.objects.create(
                dossier=dossier,
                kind=DossierFile.Kind.RECEIPT,
                storage_name=storage_name,
                sha256=digest,
            )
    except IntegrityError:
        # Another run of this task got there first: keep its file, drop ours.
        path.unlink(missing_ok=True)
        winner = DossierFile.objects.get(dossier=dossier, kind=DossierFile.Kind.RECEIPT)
        return winner.storage_name
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    logger.info("receipt of %s rendered (%d bytes)", code, len(data))
    return storage_name


def receipt_file(dossier: Dossier) -> Path | None:
    """The receipt's file on disk, or None while it is not rendered yet."""
    existing = DossierFile.objects.filter(dossier=dossier, kind=DossierFile.Kind.RECEIPT).first()
    if existing is None:
        return None
    path = file_path(existing.storage_name)
    return path if path.is_file() else None
