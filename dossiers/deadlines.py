"""Due dates of a dossier: the one place the state machine asks for them.

The working-time calendar (DOMAIN.md §4: working hours per agency, holidays, the yearly swaps)
is ``workflow.calendar``; this module only decides which duration applies to a dossier and which
rule a supplement follows.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

from django.conf import settings

from procedures.models import Channel as ProcedureChannel
from procedures.models import DurationUnit
from workflow.calendar import calendar_for

from .models import Channel, Dossier

# Which catalogue channel's duration applies to a dossier filed through each channel.
CHANNEL_KIND = {
    Channel.ONLINE: ProcedureChannel.Kind.ONLINE,
    Channel.DIRECT: ProcedureChannel.Kind.DIRECT,
    Channel.POST: ProcedureChannel.Kind.POSTAL,
}
SHIFT = "shift"


def duration_of(dossier: Dossier) -> tuple[Decimal, str] | None:
    """(amount, unit) of the procedure version for the dossier's channel: the online duration
    where one is set, else the desk's, else any; None when the catalogue gives none.

    A part of a month (rare in the catalogue) is counted as a whole one: the calendar adds
    whole months, and the appointment must never come before what the law allows.
    """
    channels = {
        c.kind: c
        for c in dossier.procedure_version.channels.all()
        if c.duration is not None and c.unit
    }
    for kind in [CHANNEL_KIND.get(dossier.channel), ProcedureChannel.Kind.DIRECT, *channels]:
        if kind in channels:
            amount, unit = channels[kind].duration, channels[kind].unit
            if unit == DurationUnit.MONTH:
                amount = Decimal(math.ceil(amount))
            return amount, unit
    return None


def due_date_for(dossier: Dossier, received_at: datetime.datetime) -> datetime.datetime | None:
    """When the result is due for a dossier received (or completed again) at ``received_at``."""
    duration = duration_of(dossier)
    if duration is None:
        return None
    return calendar_for(dossier.receiving_agency).due_at(received_at, *duration)


def resumed_due_date(
    dossier: Dossier, paused_at: datetime.datetime | None, answered_at: datetime.datetime
) -> datetime.datetime | None:
    """The due date once the supplement is in: the full duration again from ``answered_at``
    (``restart``, the default), or the old one moved on by the working time paused (``shift``),
    per the setting ``SUPPLEMENT_CLOCK_RULE``."""
    if settings.SUPPLEMENT_CLOCK_RULE == SHIFT and dossier.due_at and paused_at:
        calendar = calendar_for(dossier.receiving_agency)
        return calendar.shift(dossier.due_at, paused_at, answered_at)
    return due_date_for(dossier, answered_at) or dossier.due_at


def one_working_day_after(dossier: Dossier, moment: datetime.datetime) -> datetime.datetime:
    """``moment`` plus one working day of the dossier's agency (the apology's notice period)."""
    calendar = calendar_for(dossier.receiving_agency)
    return calendar.due_at(moment, Decimal(1), DurationUnit.WORKING_DAY)
