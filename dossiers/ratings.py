"""Satisfaction (đánh giá mức độ hài lòng): the applicant rates the handling of a dossier once,
after its result (status 9 or 10): satisfied or not, with an optional comment.

One service function (:func:`rate`) for the dossier page and the API; officials read the
ratings of their agency (:func:`for_agency`). The rows feed the service index's satisfaction
group later (DOMAIN.md §7: % rated dissatisfied).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from .errors import Conflict, DossierError
from .models import Dossier, ServiceRating, Status

RATEABLE = frozenset({Status.DECIDED, Status.RETURNED})
COMMENT_LIMIT = 1000


def may_rate(dossier: Dossier) -> bool:
    """The dossier has its result and was not rated yet (the page shows the form)."""
    return dossier.status in RATEABLE and not ServiceRating.objects.filter(dossier=dossier).exists()


def rate(dossier: Dossier, citizen: Any, satisfied: Any, comment: str = "") -> ServiceRating:
    """Record the applicant's rating of ``dossier`` (theirs: the caller looked it up among the
    citizen's own). Refused before the result (:class:`DossierError`) and a second time
    (:class:`Conflict`)."""
    if not isinstance(satisfied, bool):
        message = _("Say whether you are satisfied or not.")
        raise DossierError(message, {"satisfied": message})
    comment = str(comment or "").strip()
    if len(comment) > COMMENT_LIMIT:
        message = _("The comment may be at most %(limit)d characters.") % {"limit": COMMENT_LIMIT}
        raise DossierError(message, {"comment": message})
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.applicant_id != citizen.pk:
            raise DossierError(_("You have no dossier with this code."))
        if locked.status not in RATEABLE:
            message = _("You can rate the service once the result of your dossier is ready.")
            raise DossierError(message, {"satisfied": message})
        if ServiceRating.objects.filter(dossier=locked).exists():
            raise Conflict(_("You have already rated this dossier; a dossier is rated once."))
        try:
            with transaction.atomic():
                return ServiceRating.objects.create(
                    dossier=locked,
                    agency_id=locked.receiving_agency_id,
                    satisfied=satisfied,
                    comment=comment,
                )
        except IntegrityError:  # rated at the same instant from another tab
            raise Conflict(
                _("You have already rated this dossier; a dossier is rated once.")
            ) from None


@dataclass(frozen=True)
class Summary:
    total: int
    satisfied: int
    dissatisfied: int

    @property
    def satisfied_percent(self) -> int | None:
        return round(100 * self.satisfied / self.total) if self.total else None


def for_agency(agency_ids: Any) -> QuerySet[ServiceRating]:
    """The ratings of the agencies ``agency_ids``, newest first."""
    return (
        ServiceRating.objects.filter(agency_id__in=agency_ids)
        .select_related("dossier__procedure_version", "agency")
        .order_by("-created_at", "-pk")
    )


def summary(ratings: QuerySet[ServiceRating]) -> Summary:
    counts = ratings.aggregate(total=Count("pk"), satisfied=Count("pk", filter=Q(satisfied=True)))
    total, satisfied = counts["total"] or 0, counts["satisfied"] or 0
    return Summary(total, satisfied, total - satisfied)
