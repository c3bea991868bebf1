"""Writing change records: heard from ``dossiers.signals.recorded``, inside the change's
transaction and under the dossier's row lock, so a record commits (or rolls back) with its change
and the per-dossier version has no gaps and no duplicates.

Which changes give which records (the national portal's two payloads, :mod:`sync.payloads`):

- the full dossier on a submission, a change of status, a moved due date and a result;
- a progress entry on each transition (after the dossier, when both are written) and on each
  workflow hand-off.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Max
from django.db.models.expressions import RawSQL

from dossiers.models import Dossier

from . import payloads
from .models import ChangeRecord

# Transitions that keep the status but move the due date (Mẫu 04): the full dossier changes.
DUE_DATE_ACTIONS = frozenset({"apologise_and_extend"})


def kinds_for(kind: str, action: str, from_status: int, to_status: int) -> list[str]:
    """The record kinds one heard change writes, in version order."""
    dossier, progress = ChangeRecord.Kind.DOSSIER, ChangeRecord.Kind.PROGRESS
    if kind in ("submitted", "result"):
        return [dossier]
    if kind == "hand_off":
        return [progress]
    if from_status != to_status or action in DUE_DATE_ACTIONS:
        return [dossier, progress]
    return [progress]


def transaction_id() -> RawSQL | int:
    """The writing transaction's id on PostgreSQL (assigned now if it had none), 0 elsewhere."""
    if connection.vendor == "postgresql":
        return RawSQL("pg_current_xact_id()::text::bigint", ())
    return 0


def write(dossier: Dossier, **change: Any) -> list[ChangeRecord]:
    """Write the records of one change of ``dossier`` (locked by the caller's transaction)."""
    kinds = kinds_for(change["kind"], change["action"], change["from_status"], change["to_status"])
    last = ChangeRecord.objects.filter(dossier=dossier).aggregate(last=Max("version"))["last"]
    version = last or 0
    written = []
    for kind in kinds:
        version += 1
        if kind == ChangeRecord.Kind.DOSSIER:
            payload = payloads.dossier_payload(dossier)
        else:
            payload = payloads.progress_payload(dossier, change)
        written.append(
            ChangeRecord.objects.create(
                dossier=dossier,
                dossier_code=dossier.code,
                version=version,
                kind=kind,
                cause=change["action"][:40],
                recorded_at=change["at"],
                payload=payload,
                txid=transaction_id(),
            )
        )
    return written


# --- the envelope (NATPORTAL_PROTOCOL.md): our words around the national payload ------------


def recorded_at_text(moment: datetime) -> str:
    return moment.astimezone(payloads.NATIONAL_TIME_ZONE).isoformat(timespec="seconds")


def envelope(record: ChangeRecord) -> dict[str, Any]:
    """What the feed serves and the push sends for one record."""
    return {
        "dossier_code": record.dossier_code,
        "version": record.version,
        "kind": record.kind,
        "recorded_at": recorded_at_text(record.recorded_at),
        "payload": record.payload,
    }


def envelope_text(code: str, version: int, kind: str, at: datetime, payload_json: str) -> str:
    """:func:`envelope` as JSON text around a payload already in JSON (the feed's fast path)."""
    head = json.dumps(
        {"dossier_code": code, "version": version, "kind": kind, "recorded_at": ""},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    at_text = json.dumps(recorded_at_text(at))
    return f'{head[:-3]}{at_text},"payload":{payload_json}}}'
