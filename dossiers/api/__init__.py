"""Dossier REST API for citizens' apps (``/api/v1/dossiers/``), by concern:

- :mod:`.views`: the endpoints (my dossiers, one dossier, its documents, submit, withdraw, the
  document store);
- :mod:`.base`: who may call them (:class:`~.base.IsCitizen`) and the view they all extend;
- :mod:`.schema`: what the OpenAPI document says about them (tags, parameters, error answers);
- :mod:`.errors`: the services' refusals mapped to the shared error shape.

``dossiers.api`` keeps the names urls and tests import.
"""

from .base import CitizenAPIView, IsCitizen
from .errors import dossier_exception_handler, error_response
from .views import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_MAX,
    DossierDetailView,
    DossierDocumentsView,
    DossierDocumentView,
    DossierListView,
    DossierSubmitView,
    DossierWithdrawView,
    StoredDocumentListView,
)

__all__ = [
    "IDEMPOTENCY_HEADER",
    "IDEMPOTENCY_KEY_MAX",
    "CitizenAPIView",
    "DossierDetailView",
    "DossierDocumentView",
    "DossierDocumentsView",
    "DossierListView",
    "DossierSubmitView",
    "DossierWithdrawView",
    "IsCitizen",
    "StoredDocumentListView",
    "dossier_exception_handler",
    "error_response",
]
