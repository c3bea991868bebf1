"""Catalogue services: publishing versions and keeping the listing/search columns in step."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .generation import catalogue_changed
from .models import Channel, Procedure, ProcedureVersion
from .search import rebuild_vocabulary
from .text import fold

LISTING_FIELDS = [
    "name",
    "sector",
    "level",
    "online_level",
    "is_fee_free",
    "receiving_agency",
    "receives_at_commune",
    "search_name",
    "search_text",
]


def version_is_fee_free(version: ProcedureVersion) -> bool:
    """Free when every channel says so, or lists only zero-amount fee lines."""
    channels = list(version.channels.all())
    if not channels:
        return False
    return all(
        ch.fee_free is True
        or (bool(ch.fees.all()) and all(fee.amount_vnd == 0 for fee in ch.fees.all()))
        for ch in channels
    )


def search_text_for(version: ProcedureVersion) -> str:
    procedure = version.procedure
    parts = [
        procedure.national_code,  # local codes are found by the code search, not by words
        version.name,
        version.sector.name,
        version.implementing_agency_text,
        version.competent_authority_text,
        version.receiving_agency.name if version.receiving_agency else "",
        " ".join(result.name for result in version.results.all()),
    ]
    return fold(" ".join(parts))


def apply_version_to_procedure(procedure: Procedure, version: ProcedureVersion) -> None:
    """Copy the listing columns of ``version`` onto ``procedure`` (not saved)."""
    procedure.current_version = version
    procedure.name = version.name
    procedure.sector = version.sector
    procedure.level = version.level
    procedure.online_level = version.online_level
    procedure.is_fee_free = version_is_fee_free(version)
    procedure.receiving_agency = version.receiving_agency
    procedure.receives_at_commune = version.receives_at_commune
    procedure.search_name = fold(version.name)
    procedure.search_text = search_text_for(version)


def sync_listing(version_ids: Iterable[int]) -> int:
    """Recompute the listing and search columns of the procedures of these published versions."""
    versions = (
        ProcedureVersion.objects.filter(pk__in=list(version_ids))
        .select_related("procedure", "sector", "receiving_agency")
        .prefetch_related(
            "results", Prefetch("channels", queryset=Channel.objects.prefetch_related("fees"))
        )
    )
    procedures = []
    for version in versions:
        apply_version_to_procedure(version.procedure, version)
        procedures.append(version.procedure)
    Procedure.objects.bulk_update(procedures, LISTING_FIELDS + ["current_version"], batch_size=500)
    refresh_search_vectors([p.pk for p in procedures])
    catalogue_changed()  # bulk writes send no signal
    return len(procedures)


def refresh_search_vectors(procedure_ids: list[int]) -> None:
    """PostgreSQL only: rebuild the weighted tsvector (name A, everything else C)."""
    if connection.vendor != "postgresql" or not procedure_ids:
        return
    Procedure.objects.filter(pk__in=procedure_ids).update(
        search_vector=SearchVector("search_name", weight="A", config="simple")
        + SearchVector("search_text", weight="C", config="simple")
    )


@transaction.atomic
def publish_version(version: ProcedureVersion, valid_from: datetime.date | None = None) -> None:
    """Publish a draft: it becomes the version in force and the previous one is retired."""
    procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != ProcedureVersion.Status.DRAFT:
        raise ValidationError(_("Only a draft version can be published."))
    valid_from = valid_from or timezone.localdate()
    previous = procedure.current_version
    if previous is not None and previous.pk != version.pk:
        previous.status = ProcedureVersion.Status.RETIRED
        previous.valid_to = valid_from - datetime.timedelta(days=1)
        previous.save()
    ProcedureVersion.objects.filter(pk=version.pk).update(
        status=ProcedureVersion.Status.PUBLISHED,
        valid_from=valid_from,
        published_at=timezone.now(),
    )
    sync_listing([version.pk])
    rebuild_vocabulary()


@transaction.atomic
def new_draft_from(version: ProcedureVersion) -> ProcedureVersion:
    """Copy a version (usually the one in force) into a new editable draft."""
    source = ProcedureVersion.objects.prefetch_related(
        "channels__fees", "documents", "results", "legal_basis"
    ).get(pk=version.pk)
    procedure = Procedure.objects.select_for_update().get(pk=source.procedure_id)
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    draft = ProcedureVersion.objects.get(pk=source.pk)
    draft.pk = None
    draft.number = last + 1
    draft.status = ProcedureVersion.Status.DRAFT
    draft.valid_from = draft.valid_to = draft.published_at = None
    draft.source_hash = ""
    draft._state.adding = True
    draft.save()
    for channel in source.channels.all():
        fees = list(channel.fees.all())
        channel.pk = None
        channel.version = draft
        channel._state.adding = True
        channel.save()
        for fee in fees:
            fee.pk = None
            fee.channel = channel
            fee._state.adding = True
            fee.save()
    for related in ("documents", "results", "legal_basis"):
        for part in getattr(source, related).all():
            part.pk = None
            part.version = draft
            part._state.adding = True
            part.save()
    return draft


def popular_procedures(limit: int = 10):
    return (
        Procedure.objects.filter(current_version__isnull=False, popularity__gt=0)
        .select_related("sector")
        .order_by("-popularity", "national_code")[:limit]
    )


# --- lookup by code ---------------------------------------------------------------------------

# The longest code a procedure has (a local code, ``1.000894.000.00.00.H29``), with room to spare.
MAX_CODE_LENGTH = 40


def find_procedure(code: str, queryset: QuerySet[Procedure] | None = None) -> Procedure | None:
    """The procedure whose national (``1.000894``) or local (``1.000894.000.00.00.H29``) code is
    ``code``, or None. The one lookup every page and API uses, so they agree on which codes work:

    - surrounding whitespace is ignored; an empty, over-long or NUL-containing code finds
      nothing (PostgreSQL refuses NUL in text parameters);
    - case does not matter: codes are digits, dots and capital letters (the city's ``H29``),
      so the code is compared upper-cased;
    - only a procedure whose version in force is *published* is found: one without a current
      version, or whose current version is not published, is "not found" everywhere.

    ``queryset`` lets a caller add its own ``select_related``/``prefetch_related``.
    """
    code = (code or "").strip().upper()
    if not code or len(code) > MAX_CODE_LENGTH or "\x00" in code:
        return None
    queryset = Procedure.objects.all() if queryset is None else queryset
    return (
        queryset.filter(Q(national_code=code) | Q(local_code=code))
        .filter(current_version__status=ProcedureVersion.Status.PUBLISHED)
        .first()
    )
