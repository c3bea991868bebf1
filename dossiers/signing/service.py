"""Signing a dossier's result once, and revoking it.

:func:`sign_result` runs in the ``dossiers.render_signed_result`` task (``documents`` queue,
``acks_late``), sent after the approval commits (:func:`dossiers.results.on_approval`). It holds
the result's row lock while it signs, so two runs of the task (a redelivery, a second worker)
sign once: the second finds ``signed_at`` set and returns. The signed file gets a new storage
name; the result, and the copy in the applicant's document store, then point to it. A failure
before the commit removes the file it wrote.
"""

from __future__ import annotations

import io
import logging
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import access

from ..documents.storage import WrittenFile, path_of, write_private
from ..errors import ActionForbidden, Conflict, DossierError
from ..models import DossierResult, StoredDocument
from .registry import active_keys
from .stamp import sign_pdf

logger = logging.getLogger("dossiers.signing")

TOKEN_BYTES = 16  # 22 URL-safe characters: short to type, impossible to guess
REASON_LIMIT = 500


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def verify_url(token: str) -> str:
    """The absolute URL printed on the result: ``RESULT_VERIFY_BASE_URL`` + the path."""
    base = str(getattr(settings, "RESULT_VERIFY_BASE_URL", "")).rstrip("/")
    return base + reverse("verify:token", args=[token])


def sign_result(result_id: int) -> DossierResult | None:
    """Stamp and sign the result ``result_id`` unless it already is; the result, or None when
    it no longer exists. Raises :class:`~dossiers.signing.base.SigningUnavailable` when the
    agency's key cannot be used (the task retries)."""
    written: WrittenFile | None = None
    try:
        with transaction.atomic():
            result = (
                DossierResult.objects.select_for_update(of=("self",))
                .select_related("dossier__receiving_agency")
                .filter(pk=result_id)
                .first()
            )
            if result is None or result.is_signed:
                return result
            if not result.verify_token:
                result.verify_token = new_token()
            agency = result.dossier.receiving_agency
            original = path_of(result.storage_name).read_bytes()
            with active_keys().signer(agency) as signer:
                signed = sign_pdf(
                    original,
                    signer,
                    verify_url(result.verify_token),
                    reason=f"{result.title} — {result.dossier.code}"[:200],
                    location="Thành phố Hồ Chí Minh",
                )
            written = write_private(io.BytesIO(signed.data), ".pdf", len(signed.data))
            result.signed_storage_name = written.storage_name
            result.signed_size = written.size
            result.signed_sha256 = written.sha256
            result.signed_at = timezone.now()
            result.signature = {
                "subject": signed.subject,
                "issuer": signed.issuer,
                "serial": signed.serial,
                "keys": active_keys().identifier,
                "agency": agency.code,
                "agency_name": agency.name,
            }
            result.save(
                update_fields=[
                    "verify_token",
                    "signed_storage_name",
                    "signed_size",
                    "signed_sha256",
                    "signed_at",
                    "signature",
                ]
            )
            stored = StoredDocument.objects.filter(pk=result.stored_id).first()
            if stored is not None:  # the applicant's copy is the signed file from now on
                stored.storage_name = written.storage_name
                stored.size, stored.sha256 = written.size, written.sha256
                stored.save(update_fields=["storage_name", "size", "sha256"])
            logger.info("signed the result of %s", result.dossier.code)
            return result
    except BaseException:
        if written is not None:
            written.remove()
        raise


# --- revocation -------------------------------------------------------------------------------


def may_revoke(user: Any, result: DossierResult) -> bool:
    """The receiving agency's leader or administrator, or a city administrator."""
    return access.may_revoke_result(user, result.dossier.receiving_agency)


def revoke(result: DossierResult, user: Any, reason: str) -> DossierResult:
    """Mark ``result`` revoked (thu hồi) with ``reason``; ``/verify/`` says so from then on."""
    if not may_revoke(user, result):
        raise ActionForbidden(_("Only the agency's leader or administrator may revoke a result."))
    reason = " ".join(str(reason or "").split())[:REASON_LIMIT]
    if not reason:
        message = _("Give the reason for revoking this result.")
        raise DossierError(message, {"reason": message})
    with transaction.atomic():
        locked = DossierResult.objects.select_for_update().get(pk=result.pk)
        if locked.revoked_at is not None:
            raise Conflict(_("This result has already been revoked."))
        locked.revoked_at = timezone.now()
        locked.revoked_reason = reason
        locked.revoked_by = user
        locked.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    return locked
