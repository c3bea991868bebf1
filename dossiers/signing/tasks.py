"""The signing task: ``dossiers.render_signed_result`` on the ``documents`` queue."""

from __future__ import annotations

import logging

from celery import shared_task

from ..tasks import TRANSIENT_ERRORS, DocumentsTask
from .base import SigningUnavailable
from .service import sign_result

logger = logging.getLogger("dossiers.signing")


@shared_task(
    name="dossiers.render_signed_result",
    base=DocumentsTask,
    acks_late=True,
    autoretry_for=(*TRANSIENT_ERRORS, SigningUnavailable),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def render_signed_result(result_id: int) -> str | None:
    """Stamp and sign the result ``result_id`` (idempotent: a signed result is left as it is).
    Returns the SHA-256 of the signed file, or None when the result no longer exists."""
    result = sign_result(result_id)
    if result is None:
        logger.warning("render_signed_result: no result %s", result_id)
        return None
    return result.signed_sha256
