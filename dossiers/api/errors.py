"""The dossier services' refusals in the portal's error shape
``{"error": {"status", "detail", "fields"}}``, with the services' messages.

A refusal of the rules (:class:`~dossiers.services.DossierError`) becomes 400, a draft that is
gone (:class:`~dossiers.services.DraftNotFound`) 404, a dossier no longer in the expected state
(:class:`~dossiers.services.Conflict`) 409; anything else is answered as every API does it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from portal.api import exception_handler as portal_exception_handler
from portal.errors import error_body

from .. import services
from ..models import Dossier


def error_response(status_code: int, detail: str, fields: dict[str, Any] | None = None):
    """A response in the shared error shape (``portal.api.exception_handler``)."""
    return Response(error_body(status_code, detail, fields), status=status_code)


def dossier_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The services' refusals in the shared shape; everything else as every API does it.

    ``fields`` holds the services' errors by path (``applicant.phone``, ``documents.doc-1``,
    ``consent``), each as a one-message list like every other field error of the API.
    """
    if isinstance(exc, services.DraftNotFound):  # deleted by another request meanwhile
        return error_response(status.HTTP_404_NOT_FOUND, exc.message)
    if isinstance(exc, services.DossierError):
        code = status.HTTP_409_CONFLICT if isinstance(exc, services.Conflict) else 400
        fields = {path: [message] for path, message in exc.errors.items()}
        return error_response(code, exc.message, fields)
    if isinstance(exc, Dossier.DoesNotExist):  # deleted by another request meanwhile
        return error_response(status.HTTP_404_NOT_FOUND, _("You have no dossier with this code."))
    return portal_exception_handler(exc, context)
