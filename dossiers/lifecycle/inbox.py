"""What an official works on: the dossiers of their agencies in the statuses their roles act on.

The statuses come from the transition table, the agencies and roles from :mod:`identity.access`,
so the inbox never shows a dossier on which the official has nothing to do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from identity import access

from ..models import Dossier
from .table import available, statuses_acted_on


def inbox(user: Any) -> QuerySet[Dossier]:
    """The official's inbox, most urgent first (earliest due date; none last, oldest first)."""
    wanted = Q(pk__in=[])
    for agency_id, roles in access.roles_by_agency(user).items():
        statuses = statuses_acted_on(roles)
        if statuses:
            wanted |= Q(receiving_agency_id=agency_id, status__in=sorted(statuses))
    return (
        Dossier.objects.filter(wanted)
        .select_related("procedure", "receiving_agency", "applicant")
        .order_by(F("due_at").asc(nulls_last=True), "submitted_at", "pk")
    )


def get_for_official(user: Any, code: str) -> Dossier:
    """A submitted dossier of an agency the official may see; anything else is "not found"."""
    if "\x00" in code:  # PostgreSQL refuses NUL in text parameters; no code contains one
        raise Dossier.DoesNotExist
    return (
        Dossier.objects.filter(code=code, receiving_agency__in=access.agency_ids_for(user))
        .select_related("procedure", "receiving_agency", "applicant", "procedure_version")
        .get()
    )


def key_for_official(user: Any, code: str) -> Dossier:
    """As :func:`get_for_official`, without reading anything: for a transition, whose lock
    (:func:`dossiers.lifecycle.transitions.lock`) finds the row by this key (the code among
    the official's agencies) and reads and locks it in one query."""
    if "\x00" in code:
        raise Dossier.DoesNotExist
    key = Dossier(code=code)
    key.locate = Q(code=code, receiving_agency__in=access.agency_ids_for(user))
    return key


def actions_for(user: Any, dossier: Dossier, held: dict[int, frozenset[str]] | None = None):
    """The actions ``user`` may take on ``dossier`` now; ``held`` is
    :func:`identity.access.roles_by_agency` computed once for a whole list."""
    if held is None:
        return available(dossier, access.roles_in(user, dossier.receiving_agency))
    return available(dossier, held.get(dossier.receiving_agency_id, frozenset()))
