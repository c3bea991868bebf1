"""The result of a dossier (kết quả): attached by the agency's leader, read by the applicant.

At approval (4 → 9, :func:`dossiers.lifecycle.transitions.approve`) the leader gives the result
as a :class:`ResultChoice`: a PDF they upload (checked like every citizen upload: type, size,
parsed in a bounded child process, virus scan where one is configured) or one rendered from the
template ``pdf/result.html`` (agency header, motto, number, place and date, DOMAIN.md §5)
through :func:`dossiers.pdf.render_pdf` with the bundled fonts. Either way the file is written by
:func:`dossiers.documents.storage.write_private` under a server-generated name. A result may
also be attached before approval (:func:`attach`, the API's result endpoint); approval without
any is refused. At approval the result is also put in the applicant's document store
(``StoredDocument.Source.RESULT``, the same file).

The applicant reads it once the dossier is decided (9) or delivered (10); the handling
agency's officials whenever it exists (:func:`may_read`). Once the approval commits, the task
``dossiers.render_signed_result`` (:mod:`dossiers.signing`) stamps the QR code of
``/verify/<token>/`` on it and signs it with the agency's key; from then on the download and the
copy in the document store are the signed file (:func:`file_of`).

For scripts (the demo seeder)::

    transitions.approve(dossier, leader, result=ResultChoice(render=True))
    transitions.approve(dossier, leader, result=ResultChoice(file=open("qd.pdf", "rb")))
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import official_forms, pdf, signals
from .documents.access import can_read_dossier_files, official_may_read
from .documents.checks import CONTENT_TYPES, NAME_LIMIT, display_name
from .documents.storage import WrittenFile, path_of, write_private
from .documents.store import check_and_write
from .errors import DossierError
from .lifecycle import transitions
from .models import Dossier, DossierResult, Status, StoredDocument
from .signing.service import new_token

RESULT_MAX_SIZE_MB = 20
NUMBER_SUFFIX = "KQ"
DEFAULT_TITLE = "Kết quả giải quyết thủ tục hành chính"
# The applicant sees the result once the dossier is decided.
VISIBLE_TO_APPLICANT = frozenset({Status.DECIDED, Status.RETURNED})


@dataclass(frozen=True)
class ResultChoice:
    """What the official gives as the result: ``file`` (an uploaded PDF, any file object with a
    ``name``) or ``render`` (from the template); ``title`` names it (default: the procedure's
    result, else "Kết quả giải quyết thủ tục hành chính")."""

    file: Any = None
    render: bool = False
    title: str = ""


@dataclass(frozen=True)
class Prepared:
    """A result file written to storage, not yet recorded: :func:`record` keeps it, else
    :meth:`discard` removes it."""

    file: WrittenFile
    source: str
    title: str
    number: str

    def discard(self) -> None:
        self.file.remove()


def default_title(dossier: Dossier) -> str:
    names = [r.name for r in dossier.procedure_version.results.all()]
    return (" ".join((names[0] if names else DEFAULT_TITLE).split()))[:NAME_LIMIT]


def _number(dossier: Dossier) -> str:
    """``"07/KQ"``: the next result number of the receiving agency this year."""
    count = DossierResult.objects.filter(
        dossier__receiving_agency_id=dossier.receiving_agency_id,
        created_at__year=timezone.localdate().year,
    ).count()
    return f"{count + 1:02d}/{NUMBER_SUFFIX}"


def render_context(dossier: Dossier, title: str, number: str) -> dict[str, Any]:
    """What the rendered result prints: the forms' header and the dossier's identity."""
    return {
        **official_forms.common_context(dossier),
        "title": title,
        "number": number,
        "signers": [
            {"role": "Thủ trưởng cơ quan", "hint": "(Ký, ghi rõ họ tên và đóng dấu)", "name": ""}
        ],
    }


def prepare(dossier: Dossier, choice: ResultChoice) -> Prepared:
    """Check and write the result file of ``choice`` (no database lock held); raise
    :class:`DossierError` for a file refused (field ``result_file``) or no choice (``result``)."""
    title = " ".join(str(choice.title or "").split())[:NAME_LIMIT]
    if choice.file is not None and choice.render:
        message = _("Either upload the result or render it from the template, not both.")
        raise DossierError(message, {"result": message})
    if choice.file is not None:
        try:
            written = check_and_write(choice.file, ["pdf"], RESULT_MAX_SIZE_MB)
        except DossierError as refused:
            raise DossierError(refused.message, {"result_file": refused.message}) from None
        fallback = display_name(written.original_name).rsplit(".", 1)[0]
        return Prepared(written.file, DossierResult.Source.UPLOADED, title or fallback, "")
    if choice.render:
        title = title or default_title(dossier)
        number = _number(dossier)
        data = pdf.render_pdf("pdf/result.html", render_context(dossier, title, number))
        written = write_private(io.BytesIO(data), ".pdf", len(data))
        return Prepared(written, DossierResult.Source.RENDERED, title, number)
    raise DossierError(*_missing())


def _missing() -> tuple[str, dict[str, str]]:
    message = _(
        "Attach the result before approving: upload the signed PDF or render it from the template."
    )
    return message, {"result": message}


def record(dossier: Dossier, user: Any, prepared: Prepared) -> DossierResult:
    """Keep ``prepared`` as the result of ``dossier`` (locked by the caller), replacing one
    attached earlier (its file is removed once the transaction commits)."""
    earlier = DossierResult.objects.filter(dossier=dossier).first()
    if earlier is not None:
        old = earlier.storage_name
        earlier.delete()
        transaction.on_commit(lambda: path_of(old).unlink(missing_ok=True))
    return DossierResult.objects.create(
        dossier=dossier,
        title=prepared.title or default_title(dossier),
        number=prepared.number,
        source=prepared.source,
        storage_name=prepared.file.storage_name,
        size=prepared.file.size,
        sha256=prepared.file.sha256,
        created_by=user,
        verify_token=new_token(),
    )


def attach(dossier: Dossier, user: Any, choice: ResultChoice) -> DossierResult:
    """Attach the result before approving (the leader, in status 4), replacing an earlier one:
    approval then needs no file. Same refusals as the approval itself."""
    who = transitions.official(user)
    transitions.check_allowed(dossier, "approve", who)
    prepared = prepare(dossier, choice)
    try:
        with transaction.atomic():
            locked = transitions.lock(dossier)
            transitions.check_allowed(locked, "approve", who)
            kept = record(locked, user, prepared)
            signals.send(
                locked,
                "result",
                from_status=locked.status,
                to_status=locked.status,
                at=kept.created_at,
                actor=user.get_username(),
            )
            return kept
    except BaseException:
        prepared.discard()
        raise


def on_approval(dossier: Dossier, user: Any, prepared: Prepared | None, now: Any) -> DossierResult:
    """Part of the approval (the row is locked): record the result given now, or find the one
    attached earlier (else refuse), and put it in the applicant's document store."""
    if prepared is not None:
        result = record(dossier, user, prepared)
    else:
        result = DossierResult.objects.filter(dossier=dossier).first()
        if result is None:
            raise DossierError(*_missing())
    result.stored = StoredDocument.objects.create(
        owner_id=dossier.applicant_id,
        source=StoredDocument.Source.RESULT,
        title=result.title,
        original_name=f"ket-qua-{dossier.code}.pdf",
        storage_name=result.storage_name,
        content_type=CONTENT_TYPES["pdf"],
        size=result.size,
        sha256=result.sha256,
    )
    result.save(update_fields=["stored"])
    transaction.on_commit(lambda: _sign_later(result.pk))
    return result


def _sign_later(result_id: int) -> None:
    from .signing.tasks import render_signed_result

    render_signed_result.delay(result_id)


# --- reading ----------------------------------------------------------------------------------


def result_of(dossier: Dossier) -> DossierResult | None:
    return DossierResult.objects.filter(dossier=dossier).first()


def may_read(user: Any, dossier: Dossier) -> bool:
    """The handling agency's verified officials whenever there is a result; the applicant once
    the dossier is decided (before, it is the agency's draft)."""
    if dossier.status in VISIBLE_TO_APPLICANT:
        return can_read_dossier_files(user, dossier)
    return official_may_read(user, dossier)


def file_of(result: DossierResult) -> Path | None:
    """The result's file on disk (the signed one once signed), or None when it is missing."""
    try:
        path = path_of(result.signed_storage_name or result.storage_name)
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


def filename(dossier: Dossier) -> str:
    return f"ket-qua-{dossier.code}.pdf"
