"""Comparing our dossiers with what the national portal holds (``manage.py
reconcile_national_portal``), and requeuing what it lacks.

For each dossier with change records, ours is its latest version and the digest of its latest
full dossier (serialised as the protocol says). The receiver's mirror is read page by page through
the transport (ordered by code) and matched against our dossiers in the same code range, so
neither side is held in memory whole. A dossier is

- **missing** when the receiver has none of it,
- **stale** when the receiver's version is below ours,
- **mismatched** when the versions agree but the full dossiers differ (or the receiver has a
  version we never wrote).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from .models import ChangeRecord
from .transports.base import MirrorEntry, SyncTransport

PAGE = 1000


def payload_sha256(payload: dict[str, Any]) -> str:
    """The digest of a full dossier as the protocol fixes it (sorted keys, compact, UTF-8)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Ours:
    version: int
    sha256: str


@dataclass
class Report:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    stale: dict[str, int] = field(default_factory=dict)  # code → the receiver's version
    mismatched: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.mismatched)


def ours_between(after: str, upto: str | None) -> dict[str, Ours]:
    """Our dossiers with codes in (after, upto] (no upper bound when ``upto`` is None)."""
    rows = ChangeRecord.objects.filter(dossier_code__gt=after)
    if upto is not None:
        rows = rows.filter(dossier_code__lte=upto)
    latest = dict(
        rows.values("dossier_code").annotate(top=Max("version")).values_list("dossier_code", "top")
    )
    digests: dict[str, str] = {}
    full = rows.filter(kind=ChangeRecord.Kind.DOSSIER).order_by("dossier_code", "version")
    for code, payload in full.values_list("dossier_code", "payload").iterator(chunk_size=500):
        digests[code] = payload_sha256(payload)  # the last one (highest version) stays
    return {code: Ours(version, digests.get(code, "")) for code, version in latest.items()}


def _mirror(transport: SyncTransport) -> Iterator[list[MirrorEntry]]:
    after = ""
    while True:
        page = transport.mirror(after, PAGE)
        yield page.entries
        if page.next_after is None or not page.entries:
            return
        after = page.next_after


def compare(transport: SyncTransport) -> Report:
    report = Report()
    after = ""
    for entries in _mirror(transport):
        upto = max((entry.dossier_code for entry in entries), default=None)
        if upto is None:
            break
        ours = ours_between(after, upto)
        theirs = {entry.dossier_code: entry for entry in entries}
        _match(report, ours, theirs)
        after = upto
    _match(report, ours_between(after, None), {})
    return report


def _match(report: Report, ours: dict[str, Ours], theirs: dict[str, MirrorEntry]) -> None:
    for code in sorted(ours.keys() | theirs.keys()):
        mine, held = ours.get(code), theirs.get(code)
        if mine is None:
            continue  # the receiver knows a dossier we have no record of: not ours to judge
        report.checked += 1
        if held is None:
            report.missing.append(code)
        elif held.version < mine.version:
            report.stale[code] = held.version
        elif held.version > mine.version or held.payload_sha256 != mine.sha256:
            report.mismatched.append(code)


# --- repair -------------------------------------------------------------------------------------


def repair(report: Report) -> int:
    """Put back on the push relay every change the receiver lacks (missing and stale dossiers).

    Returns how many changes were requeued or sent again.
    """
    from . import push  # the outbox is only needed to repair

    lacking = dict.fromkeys(report.missing, 0) | dict(report.stale)
    count = 0
    for code, held in sorted(lacking.items()):
        records = ChangeRecord.objects.filter(dossier_code=code, version__gt=held)
        for record in records.order_by("version"):
            count += push.resend(record)
    return count
