"""Background work for the catalogue."""

from celery import shared_task

from .models import Procedure
from .search import rebuild_vocabulary
from .services import sync_listing


@shared_task(name="procedures.rebuild_search_index", acks_late=True)
def rebuild_search_index(national_codes: list[str] | None = None) -> int:
    """Recompute listing and search columns from the versions in force. Safe to run twice.

    Operators run it after changing how text is folded or weighted; ``national_codes`` limits
    it to some procedures. Returns how many procedures were refreshed.
    """
    qs = Procedure.objects.filter(current_version__isnull=False)
    if national_codes:
        qs = qs.filter(national_code__in=national_codes)
    refreshed = sync_listing(qs.values_list("current_version_id", flat=True))
    rebuild_vocabulary()
    return refreshed
