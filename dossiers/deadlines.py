"""Due dates of a dossier: the one place the state machine asks for them.

The working-time calendar (DOMAIN.md §4) belongs to ``workflow``; until it is there this module
answers with a plain stand-in (weekdays for working days, no holidays), so the state machine and
its tests do not change when the real calendar arrives: only :func:`_calendar` does.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

from procedures.models import Channel as ProcedureChannel
from procedures.models import DurationUnit

from .models import Channel, Dossier

# Which catalogue channel's duration applies to a dossier filed through each channel.
CHANNEL_KIND = {
    Channel.ONLINE: ProcedureChannel.Kind.ONLINE,
    Channel.DIRECT: ProcedureChannel.Kind.DIRECT,
    Channel.POST: ProcedureChannel.Kind.POSTAL,
}
END_OF_DAY = datetime.time(17, 0)


class _PlainCalendar:
    """Stand-in for ``workflow.calendar``: weekdays only, no holidays, no working hours."""

    def due_at(self, start: datetime.datetime, amount: Decimal, unit: str) -> datetime.datetime:
        if unit == DurationUnit.HOUR:
            return start + datetime.timedelta(hours=float(amount))
        if unit == DurationUnit.SAME_DAY:
            end = datetime.datetime.combine(start.date(), END_OF_DAY, tzinfo=start.tzinfo)
            return max(start, end)
        days = math.ceil(amount) * (30 if unit == DurationUnit.MONTH else 1)
        if unit != DurationUnit.WORKING_DAY:
            return start + datetime.timedelta(days=days)
        moment = start
        while days:
            moment += datetime.timedelta(days=1)
            days -= moment.weekday() < 5
        return moment


def _calendar(agency):
    """The agency's working-time calendar (``calendar_for(agency)`` once it exists)."""
    return _PlainCalendar()


def duration_of(dossier: Dossier) -> tuple[Decimal, str] | None:
    """(amount, unit) of the procedure version for the dossier's channel: the online duration
    where one is set, else the desk's; None when the catalogue gives none."""
    channels = {
        c.kind: c
        for c in dossier.procedure_version.channels.all()
        if c.duration is not None and c.unit
    }
    wanted = [CHANNEL_KIND.get(dossier.channel), ProcedureChannel.Kind.DIRECT]
    for kind in wanted + list(channels):
        if kind in channels:
            return channels[kind].duration, channels[kind].unit
    return None


def due_date_for(dossier: Dossier, received_at: datetime.datetime) -> datetime.datetime | None:
    """When the result is due for a dossier received (or completed again) at ``received_at``."""
    duration = duration_of(dossier)
    if duration is None:
        return None
    return _calendar(dossier.receiving_agency).due_at(received_at, *duration)


def one_working_day_after(dossier: Dossier, moment: datetime.datetime) -> datetime.datetime:
    """``moment`` plus one working day of the dossier's agency (the apology's notice period)."""
    return _calendar(dossier.receiving_agency).due_at(moment, Decimal(1), DurationUnit.WORKING_DAY)
