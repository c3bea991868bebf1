"""Dossier codes: ``{agency code}-{YYMMDD}-{NNNN}`` (Circular 03/2025, DOMAIN §2).

The number is taken from a per-agency, per-day counter row locked with ``SELECT … FOR UPDATE``
inside the caller's transaction. If that transaction rolls back, so does the increment, so
codes have no gaps; concurrent submissions to one agency queue on the row lock and get
consecutive numbers.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction

from .models import DossierCounter


def format_code(agency_code: str, day: datetime.date, number: int) -> str:
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"


def allocate_code(agency, day: datetime.date) -> str:
    """The next code for ``agency`` on ``day``. Must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_code must run inside the submitting transaction")
    counter = DossierCounter.objects.select_for_update().filter(agency=agency, day=day).first()
    if counter is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first insert may win
                DossierCounter.objects.create(agency=agency, day=day, last=0)
        except IntegrityError:
            pass
        counter = DossierCounter.objects.select_for_update().get(agency=agency, day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_code(agency.code, day, counter.last)
