"""What ``/verify/`` says about a PDF someone uploads: genuine, or why not, in plain words.

A file is genuine when all of these hold:

1. it is a PDF pyHanko can read, with at least one signature;
2. its last signature is intact (the signed bytes hash to what was signed) and covers the whole
   file (nothing was added after signing);
3. the signer's certificate chains up to a trusted root (``RESULT_TRUST_ROOTS``, or the demo CA);
4. its bytes are exactly those of a result the portal issued (SHA-256 of the signed file);
5. that result was not revoked.

The first check that fails gives the reason. The validation is pyHanko's
(:func:`pyhanko.sign.validation.validate_pdf_signature`), offline: no certificate is fetched,
revocation of certificates is not looked up (the demo CA publishes none).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from ..models import DossierResult
from .loops import outside_event_loop
from .registry import trust_roots

logger = logging.getLogger("dossiers.signing")

GENUINE = "genuine"
REVOKED = "revoked"
NOT_PDF = "not_pdf"
UNSIGNED = "unsigned"
MODIFIED = "modified"
UNKNOWN_KEY = "unknown_key"
NOT_OURS = "not_ours"


@dataclass
class Verdict:
    """The answer about one file: ``code`` is one of the constants above."""

    code: str
    result: DossierResult | None = None
    signer: str = ""
    signed_at: datetime | None = None
    details: list[str] = field(default_factory=list)

    @property
    def genuine(self) -> bool:
        return self.code == GENUINE

    @property
    def message(self) -> str:
        return messages()[self.code]


def messages() -> dict[str, str]:
    """The reason of each verdict, for the person who uploaded the file."""
    return {
        GENUINE: _(
            "Genuine: this file is exactly the result issued by the portal, and its digital "
            "signature is valid."
        ),
        REVOKED: _(
            "This file is a result the portal issued, but the agency has revoked it: it is no "
            "longer valid."
        ),
        NOT_PDF: _("Not genuine: this file is not a PDF document, or it is damaged."),
        UNSIGNED: _(
            "Not genuine: this PDF carries no digital signature, so it is not an electronic "
            "result issued by the portal."
        ),
        MODIFIED: _(
            "Not genuine: the file was changed after it was signed; its content no longer "
            "matches the signature."
        ),
        UNKNOWN_KEY: _(
            "Not genuine: the file was signed with a key the portal does not know; the "
            "certificate was not issued by a trusted authority."
        ),
        NOT_OURS: _(
            "Not genuine: the signature is valid, but this file is not one of the results the "
            "portal issued."
        ),
    }


def validation_context() -> ValidationContext:
    return ValidationContext(
        trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail"
    )


def check_pdf(data: bytes) -> Verdict:
    """The verdict on ``data`` (the bytes of an uploaded file)."""
    if not data.startswith(b"%PDF-"):
        return Verdict(NOT_PDF)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as error:
        logger.info("verify: unreadable PDF: %r", error)
        return Verdict(NOT_PDF)
    if not signatures:
        return Verdict(UNSIGNED)
    try:
        status = outside_event_loop(validate_pdf_signature, signatures[-1], validation_context())
    except Exception as error:  # a malformed signature dictionary raises from deep inside
        logger.info("verify: signature could not be validated: %r", error)
        return Verdict(MODIFIED)
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    verdict = Verdict(MODIFIED, signer=signer, signed_at=status.signer_reported_dt)
    if not status.intact or not status.valid:
        return verdict
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not whole or status.modification_level not in (None, ModificationLevel.NONE):
        return verdict
    if not status.trusted:
        verdict.code = UNKNOWN_KEY
        return verdict
    digest = hashlib.sha256(data).hexdigest()
    result = (
        DossierResult.objects.select_related("dossier__receiving_agency")
        .filter(signed_sha256=digest)
        .first()
    )
    if result is None:
        verdict.code = NOT_OURS
        return verdict
    verdict.result = result
    verdict.code = REVOKED if result.revoked_at is not None else GENUINE
    return verdict
