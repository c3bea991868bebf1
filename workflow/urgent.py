"""A queue's page, most urgent first, read without sorting the whole queue.

A queue is a union of parts (:func:`workflow.queues.branches`): the dossiers of an agency in
some statuses, or a set of dossier ids (assigned or shared steps). Sorting the union in SQL
(``WHERE a OR b ORDER BY … LIMIT 25``) makes PostgreSQL read and sort every matching row:
40,000 rows for a leader of an agency with 100,000 dossiers. Here each part reads only the ids
of its first rows (as many as the page ends at): an agency's in the order of the partial index
``dossier_inbox_urgency_status``, a step queue's from ``dossier_urgency_by_id``, both without
reading the table. One query unites them in a subquery and reads the page from that union (a
few hundred rows at most) with the procedure, agency and applicant, without the form's JSON
(the list never shows it).
"""

from __future__ import annotations

import functools
import operator

from django.db.models import F, QuerySet

from dossiers.models import Dossier

from .queues import on_postgres

# The urgency order: due date (none last), submitted at, id.
ORDER = (F("due_at").asc(nulls_last=True), "submitted_at", "pk")
# Columns the inbox never shows: the frozen schema and the answers, and the procedure's
# search columns (its words and vector: several kilobytes a row).
UNSHOWN = (
    "form_schema",
    "form_data",
    "submitted_data",
    "procedure__search_name",
    "procedure__search_text",
    "procedure__search_vector",
)


class UrgentList:
    """The dossiers of a union of querysets, most urgent first; only slices are read.

    The paginators (Django's, DRF's through it) slice it once per page; the total comes from
    the queue counts (:class:`backoffice.views_inbox.CountedPaginator`), never from here.
    """

    ordered = True  # for the paginator's check

    def __init__(self, parts: list[QuerySet[Dossier]]):
        self.parts = parts

    def __getitem__(self, item: slice) -> list[Dossier]:
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("an urgent list is read by slices")
        start, stop = item.start or 0, item.stop
        if stop is None or start < 0 or stop < start:
            raise ValueError("an urgent list is read by bounded, forward slices")
        if not self.parts or stop == start:
            return []
        if not on_postgres():
            # SQLite cannot unite sliced, ordered queries: the OR of the parts, sorted.
            either = functools.reduce(operator.or_, self.parts)
            return list(self._page(Dossier.objects.filter(pk__in=either.values("pk")))[start:stop])
        heads = [part.order_by(*ORDER).values("pk")[:stop] for part in self.parts]
        first = heads[0].union(*heads[1:], all=True) if len(heads) > 1 else heads[0]
        return list(self._page(Dossier.objects.filter(pk__in=first))[start:stop])

    @staticmethod
    def _page(found: QuerySet[Dossier]) -> QuerySet[Dossier]:
        return (
            found.select_related("procedure", "receiving_agency", "applicant")
            .defer(*UNSHOWN)
            .order_by(*ORDER)
        )
