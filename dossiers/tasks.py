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

from . import official_forms, read_cache
from .documents.storage import write_atomically
from .models import Dossier, DossierFile, IssuedForm, Status
from .official_forms import receipt_context  # noqa: F401  (the receipt's context, kept here too)

logger = logging.getLogger("dossiers.tasks")

RECEIPTS_DIR = "receipts"
FORMS_DIR = "forms"
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


def render_receipt_pdf(dossier: Dossier) -> bytes:
    return official_forms.render(dossier, IssuedForm.Form.RECEIPT)[1]


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
        read_cache.dossier_changed(dossier)  # the file is back: the receipt link shows again
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


def receipt_file(dossier: Dossier, issued: list[IssuedForm] | None = None) -> Path | None:
    """The receipt's file on disk, or None while it is not rendered yet: the one re-rendered at
    reception (with the appointment) once there is one, else the one of the submission.

    ``issued``: the dossier's issued forms when the caller already has them (saves a query).
    """
    if issued is None:
        issued = list(dossier.issued_forms.filter(form=IssuedForm.Form.RECEIPT))
    again = [form for form in issued if form.form == IssuedForm.Form.RECEIPT]
    if again and file_path(again[-1].storage_name).is_file():
        return file_path(again[-1].storage_name)
    existing = DossierFile.objects.filter(dossier=dossier, kind=DossierFile.Kind.RECEIPT).first()
    if existing is None:
        return None
    path = file_path(existing.storage_name)
    return path if path.is_file() else None


# --- the other official forms (Mẫu 01 again, 02–06) --------------------------------------------

# Which form a transition issues (DOMAIN.md §5); Mẫu 06 is rendered on demand (request_form).
ACTION_FORMS: dict[str, str] = {
    "receive": IssuedForm.Form.RECEIPT,
    "return_for_completion": IssuedForm.Form.SUPPLEMENT,
    "request_supplement": IssuedForm.Form.SUPPLEMENT,
    "refuse": IssuedForm.Form.REFUSAL,
    "apologise_and_extend": IssuedForm.Form.APOLOGY,
    "stop": IssuedForm.Form.STOP,
}


@shared_task(
    name="dossiers.render_form",
    base=DocumentsTask,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def render_form(code: str, form: str, revision: int) -> str | None:
    """Render form ``form`` of dossier ``code`` as it stood at ``revision``; store it once.

    Idempotent: the row (dossier, form, revision) with its file on disk means done, so a rerun
    (acks_late redelivery, a repeated signal) renders nothing. Returns the storage name, or None
    for an unknown dossier or form (nothing to retry).
    """
    dossier = (
        Dossier.objects.select_related(
            "applicant__ward", "procedure_version", "receiving_agency__parent"
        )
        .filter(code=code)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if dossier is None or form not in official_forms.FORMS:
        logger.warning("render_form: no dossier %s or form %s", code, form)
        return None
    key = {"dossier": dossier, "form": form, "revision": revision}
    existing = IssuedForm.objects.filter(**key).first()
    if existing is not None and file_path(existing.storage_name).is_file():
        return existing.storage_name

    number, data = official_forms.render(dossier, form, existing.number if existing else None)
    if existing is not None:  # the row is there but its file was lost: same name, new bytes
        _size, digest = write_atomically(file_path(existing.storage_name), [data])
        IssuedForm.objects.filter(pk=existing.pk).update(sha256=digest)
        read_cache.dossier_changed(dossier)  # the file is back: the page may link it again
        return existing.storage_name

    storage_name = f"{FORMS_DIR}/{secrets.token_hex(16)}.pdf"
    path = file_path(storage_name)
    _size, digest = write_atomically(path, [data])
    try:
        with transaction.atomic():
            IssuedForm.objects.create(
                **key, number=number, storage_name=storage_name, sha256=digest
            )
    except IntegrityError:
        path.unlink(missing_ok=True)  # another run got there first: keep its file
        return IssuedForm.objects.get(**key).storage_name
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    logger.info("form %s of %s rendered (%d bytes)", form, code, len(data))
    return storage_name


def request_form(dossier: Dossier, form: str) -> None:
    """Queue form ``form`` of ``dossier`` as it stands now (Mẫu 06 on demand); after commit."""
    code, revision = dossier.code, dossier.revision
    transaction.on_commit(lambda: render_form.delay(code, form, revision))


def on_transition(sender: Any, code: str, action: str, **change: Any) -> None:
    """Receiver of the lifecycle's ``transitioned`` signal (sent after commit): queue the form
    the transition issues, keyed by the revision the transition gave the dossier (read again
    only from a sender that does not say it)."""
    form = ACTION_FORMS.get(action)
    if form is None:
        return
    revision = change.get("revision")
    if revision is None:
        revision = Dossier.objects.filter(code=code).values_list("revision", flat=True).first()
    if revision is not None:
        render_form.delay(code, form, revision)


def form_file(issued: IssuedForm) -> Path | None:
    """An issued form's file on disk, or None when it is missing."""
    path = file_path(issued.storage_name)
    return path if path.is_file() else None
