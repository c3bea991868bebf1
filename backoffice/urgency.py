"""Urgency badges of the officials' inbox: quá hạn, due within one working day, in time.

The calendar (``workflow.calendar``) says when a dossier is late; this module only turns that
into a badge per row. The "one working day from now" limit is computed once per agency for a
whole page, so a page of rows costs no query per row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dossiers import deadlines
from dossiers.models import Dossier
from workflow.calendar import OpenLateness, classify_open


@dataclass(frozen=True)
class Badge:
    key: str  # late, soon, in_time, none: also the CSS modifier
    label: Promise


LATE = Badge("late", _("Overdue"))
SOON = Badge("soon", _("Due within one working day"))
IN_TIME = Badge("in_time", _("In time"))
NO_DUE_DATE = Badge("none", _("No due date yet"))


def badges(dossiers: Iterable[Dossier], now: datetime.datetime) -> dict[int, Badge]:
    """The badge of each dossier (by pk), judged at ``now`` with its agency's calendar."""
    limits: dict[int | None, datetime.datetime] = {}
    found = {}
    for dossier in dossiers:
        if dossier.due_at is None:
            found[dossier.pk] = NO_DUE_DATE
            continue
        if classify_open(dossier.due_at, now) == OpenLateness.LATE:
            found[dossier.pk] = LATE
            continue
        agency = dossier.receiving_agency_id
        if agency not in limits:
            limits[agency] = deadlines.one_working_day_after(dossier, now)
        found[dossier.pk] = SOON if dossier.due_at <= limits[agency] else IN_TIME
    return found
