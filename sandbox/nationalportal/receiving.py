"""Receiving changes, by push or by pull: one service stores each (dossier code, version) once
and keeps the mirror of the dossier at its newest full payload.

Two deliveries of the same change may race (a push retried after a timeout while the poller
reads the same change): the mirror row is locked first, so they take turns, and the unique
constraint on (dossier code, version) stays the last word.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from . import national
from .models import Kind, MirroredDossier, ReceivedEnvelope, Source

log = logging.getLogger(__name__)

# {agency code, dotted, up to 35 chars}-{YYMMDD}-{sequence, at least 4 digits} (DOMAIN.md §2).
DOSSIER_CODE = re.compile(r"[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*-\d{6}-\d{4,}")
MAX_CODE_LENGTH = 64
MAX_VERSION = 2**31 - 1  # the column's range on every database
MAX_DEPTH = 32
FIELDS = {"dossier_code", "version", "kind", "recorded_at", "payload"}


class InvalidEnvelope(ValueError):
    """The envelope breaks the protocol; the message names the field (Vietnamese, English)."""


@dataclass(frozen=True)
class Envelope:
    dossier_code: str
    version: int
    kind: str
    recorded_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class Receipt:
    envelope: Envelope
    duplicate: bool
    applied: bool  # whether the mirror's full payload changed


def parse(data: Any) -> Envelope:
    """Check an envelope as decoded from JSON, or raise :class:`InvalidEnvelope`."""
    if not isinstance(data, dict):
        raise InvalidEnvelope("Bản tin phải là một đối tượng JSON (the envelope must be an object)")
    missing = sorted(FIELDS - data.keys())
    if missing:
        raise InvalidEnvelope(
            f"Thiếu trường {', '.join(missing)} (missing field: {', '.join(missing)})"
        )
    code = data["dossier_code"]
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH or not DOSSIER_CODE.fullmatch(code):
        raise InvalidEnvelope(
            "dossier_code không đúng dạng mã hồ sơ {mã cơ quan}-{YYMMDD}-{số thứ tự} "
            "(dossier_code is not a dossier code)"
        )
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise InvalidEnvelope(
            f"version phải là số nguyên từ 1 đến {MAX_VERSION} "
            f"(version must be an integer from 1 to {MAX_VERSION})"
        )
    if data["kind"] not in Kind.values:
        raise InvalidEnvelope(
            'kind phải là "dossier" hoặc "progress" (kind must be "dossier" or "progress")'
        )
    try:
        recorded_at = (
            parse_datetime(data["recorded_at"]) if isinstance(data["recorded_at"], str) else None
        )
    except ValueError:  # well formed but impossible, e.g. month 13
        recorded_at = None
    if recorded_at is None or recorded_at.utcoffset() is None:
        raise InvalidEnvelope(
            "recorded_at phải là thời điểm ISO 8601 có múi giờ "
            "(recorded_at must be an ISO 8601 date-time with an offset)"
        )
    payload = data["payload"]
    if not isinstance(payload, dict) or not payload:
        raise InvalidEnvelope(
            "payload phải là một đối tượng JSON có nội dung (payload must be a non-empty object)"
        )
    if not _storable(payload):
        raise InvalidEnvelope(
            "payload lồng quá sâu, chứa ký tự NUL hoặc số không hữu hạn (NaN, Infinity) "
            "(payload nested too deep, or holds a NUL character or a non-finite number)"
        )
    try:
        national.check(data["kind"], code, payload)
    except national.PayloadError as error:
        raise InvalidEnvelope(str(error)) from error
    return Envelope(code, version, data["kind"], recorded_at, payload)


def _storable(value: Any, depth: int = 0) -> bool:
    """Whether every database can store the value as JSON (PostgreSQL's jsonb refuses NUL in
    text and NaN/Infinity, which Python's json module lets through), nested at most
    ``MAX_DEPTH`` deep (national payloads have three levels)."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(
            _storable(key, depth + 1) and _storable(item, depth + 1) for key, item in value.items()
        )
    if isinstance(value, list):
        return all(_storable(item, depth + 1) for item in value)
    return True


def receive(envelope: Envelope, source: str) -> Receipt:
    """Store the envelope unless its (dossier code, version) is already here, and update the
    mirror when it carries a newer full dossier than the mirror holds."""
    with transaction.atomic():
        # Make sure the mirror row exists (INSERT … ON CONFLICT DO NOTHING), then lock it: every
        # delivery of this dossier's changes waits here for the one before it.
        MirroredDossier.objects.bulk_create(
            [MirroredDossier(dossier_code=envelope.dossier_code)], ignore_conflicts=True
        )
        mirror = MirroredDossier.objects.select_for_update().get(dossier_code=envelope.dossier_code)
        known = ReceivedEnvelope.objects.filter(
            dossier_code=envelope.dossier_code, version=envelope.version
        ).exists()
        if known or not _store(envelope, source):
            return Receipt(envelope, duplicate=True, applied=False)
        applied = envelope.kind == Kind.DOSSIER and (
            mirror.dossier_version is None or envelope.version > mirror.dossier_version
        )
        if applied:
            mirror.dossier_version = envelope.version
            mirror.payload = envelope.payload
            mirror.status = national.mirror_status(envelope.payload)
            mirror.payload_sha256 = national.canonical_sha256(envelope.payload)
        elif envelope.kind == Kind.DOSSIER:
            log.info(
                "late dossier %s v%s kept in history; the mirror holds v%s",
                envelope.dossier_code,
                envelope.version,
                mirror.dossier_version,
            )
        mirror.version = max(mirror.version, envelope.version)
        mirror.save()
    return Receipt(envelope, duplicate=False, applied=applied)


def _store(envelope: Envelope, source: str) -> bool:
    """Insert the envelope; False when another delivery of it won the race."""
    try:
        with transaction.atomic():
            ReceivedEnvelope.objects.create(
                dossier_code=envelope.dossier_code,
                version=envelope.version,
                kind=envelope.kind,
                recorded_at=envelope.recorded_at,
                payload=envelope.payload,
                source=source,
            )
    except IntegrityError:
        return False
    return True


def receive_data(data: Any, source: str = Source.PUSH) -> Receipt:
    """:func:`parse` then :func:`receive`."""
    return receive(parse(data), source)


def mirror_page(after: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """The mirror listing: dossiers after ``after`` in code order, and the next ``after``."""
    rows = list(
        MirroredDossier.objects.filter(dossier_code__gt=after)
        .order_by("dossier_code")
        .values_list("dossier_code", "version", "status", "payload_sha256")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    dossiers = [
        {
            "dossier_code": code,
            "version": version,
            "status": status,
            "payload_sha256": sha or None,
        }
        for code, version, status, sha in rows
    ]
    return dossiers, (rows[-1][0] if more else None)
