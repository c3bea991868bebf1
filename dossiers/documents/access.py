"""Who may read a document: files are served only through :func:`can_read`."""

from __future__ import annotations

from typing import Any

from identity.citizens import citizen_of

from ..models import Dossier, DossierDocument, Status, StoredDocument


def can_read(user: Any, document: StoredDocument | DossierDocument) -> bool:
    """May ``user`` read this file?

    A stored document: only its owner (the store is personal). A document attached to a dossier:
    its owner, and officials allowed by :func:`official_may_read`.
    """
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if isinstance(document, DossierDocument):
        stored = document.stored
        if official_may_read(user, document.dossier):
            return True
    else:
        stored = document
    citizen = citizen_of(user)
    return citizen is not None and stored.owner_id == citizen.pk


def official_may_read(user: Any, dossier: Dossier) -> bool:
    """Extension point for the back office: an official who passed the second factor and works
    in the agency handling a submitted dossier may read its documents. Drafts are private."""
    from identity import access

    if dossier.status == Status.DRAFT or dossier.receiving_agency_id is None:
        return False
    if not access.is_official(user) or not access.is_verified(user):
        return False
    return access.can_access_agency(user, dossier.receiving_agency)


def can_read_dossier_files(user: Any, dossier: Dossier) -> bool:
    """May ``user`` read the files the system issued for ``dossier`` (receipt, Mẫu 01–06)?
    Its applicant, and the officials :func:`official_may_read` lets read its documents."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    citizen = citizen_of(user)
    if citizen is not None and dossier.applicant_id == citizen.pk:
        return True
    return official_may_read(user, dossier)
