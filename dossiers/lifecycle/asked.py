"""What the agency asked the applicant for, read back: the request open for an answer and the
places (slots) where the applicant's documents answering it go.

A supplement request (status 5) or a completion request (status 1) lists numbered items
(Mẫu 02). Each item is a slot ``req<request id>-<number>`` of the dossier's documents, so an
answer's files are ordinary :class:`~dossiers.models.DossierDocument` rows, attached through the
same upload and reuse code as a draft's (:mod:`dossiers.documents.store`).
"""

from __future__ import annotations

from django.db.models import QuerySet

from procedures.eforms import DEFAULT_ACCEPT, DEFAULT_MAX_SIZE_MB

from ..models import Dossier, DossierDocument, Status, SupplementRequest

# The request kind the applicant may answer in each status.
ANSWERED_IN = {
    Status.SUPPLEMENT: SupplementRequest.Kind.SUPPLEMENT,
    Status.SUBMITTED: SupplementRequest.Kind.COMPLETION,
}


def open_request(dossier: Dossier) -> SupplementRequest | None:
    """The request the applicant may answer now: in status 5 the unanswered supplement request,
    in status 1 the latest unanswered completion request; None otherwise."""
    kind = ANSWERED_IN.get(dossier.status)
    if kind is None:
        return None
    return (
        dossier.supplement_requests.select_related("requested_by")
        .filter(kind=kind, answered_at=None)
        .order_by("-requested_at", "-pk")
        .first()
    )


def has_open_completion(dossier: Dossier) -> bool:
    return dossier.supplement_requests.filter(
        kind=SupplementRequest.Kind.COMPLETION, answered_at=None
    ).exists()


def prefix(request: SupplementRequest) -> str:
    return f"req{request.pk}-"


def slots_of(request: SupplementRequest | None) -> list[dict]:
    """One document slot per numbered item of ``request`` (any type the portal accepts)."""
    if request is None:
        return []
    return [
        {
            "id": f"{prefix(request)}{number}",
            "number": number,
            "name": str(item)[:255],
            "accept": list(DEFAULT_ACCEPT),
            "max_size_mb": DEFAULT_MAX_SIZE_MB,
            "required": False,
        }
        for number, item in enumerate(request.items or [], start=1)
    ]


def open_slots(dossier: Dossier) -> list[dict]:
    """The slots of the request open for an answer (none when there is none)."""
    return slots_of(open_request(dossier))


def answer_documents(request: SupplementRequest) -> QuerySet[DossierDocument]:
    """The documents attached in answer to ``request``, by item."""
    return (
        DossierDocument.objects.filter(
            dossier_id=request.dossier_id, slot_id__startswith=prefix(request)
        )
        .select_related("stored")
        .order_by("slot_id", "pk")
    )
