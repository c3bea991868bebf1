"""Import the national procedure catalogue (``data/procedures.json.gz``).

Idempotent: each record is hashed; a record whose hash is already a version of its procedure is
skipped. A new procedure gets version 1, published at once; a changed record becomes a new
*draft* version that an administrator reviews and publishes. Records that cannot be used are
returned with the reason instead of being dropped silently. A duration without a unit gets the
unit its procedure's text states, else working days marked as assumed
(:mod:`procedures.durations`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from . import services
from .agencies import receiving_agency_code, seed_city_agencies
from .durations import infer_unit
from .models import (
    Agency,
    Channel,
    DocumentSlot,
    DurationUnit,
    FeeLine,
    LegalBasis,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    ResultDocument,
    Sector,
)
from .popular import initial_popularity
from .search import rebuild_vocabulary
from .text import fold

CODE_RE = re.compile(r"^\d\.\d{6}$")
CHANNEL_KINDS = {choice.value for choice in Channel.Kind}
UNITS = {choice.value for choice in DurationUnit}
LEVELS = {choice.value for choice in Level}
LEVEL_LABELS = {"Cấp bộ": "ministry", "Cấp tỉnh": "province", "Cấp xã": "commune"}
CHUNK = 400


class RecordError(ValueError):
    """A record the importer cannot use; the message says why."""


@dataclass
class Rejected:
    index: int
    code: str
    reason: str


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    new_drafts: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def usable(self) -> int:
        return self.read - len(self.rejected)


def load_records(path: str | Path) -> list[Any]:
    """Read a catalogue file (``.json`` or ``.json.gz``): a list, or ``{"procedures": [...]}``."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    if isinstance(data, dict):
        data = data.get("procedures")
    if not isinstance(data, list):
        raise RecordError("the file holds no list of procedures")
    return data


def record_hash(record: dict) -> str:
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- validation ------------------------------------------------------------------------------


def _text(record: dict, key: str, *, required: bool = False, limit: int = 100_000) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise RecordError(f"'{key}' is missing")
        return ""
    if not isinstance(value, str):
        raise RecordError(f"'{key}' must be text, not {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise RecordError(f"'{key}' is empty")
    if len(value) > limit:
        raise RecordError(f"'{key}' is longer than {limit} characters")
    return value


def _list(record: dict, key: str) -> list:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"'{key}' must be a list")
    if not all(isinstance(item, dict | str) for item in value):
        raise RecordError(f"'{key}' holds an item that is neither an object nor text")
    return value


def _count(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999:
        raise RecordError(f"{what} must be a whole number between 0 and 999")
    return value


def validate(record: Any) -> dict:
    """Check one record and return it normalised; raise :class:`RecordError` with the reason."""
    if not isinstance(record, dict):
        raise RecordError("the record is not an object")
    code = _text(record, "code", required=True, limit=20)
    if not CODE_RE.match(code):
        raise RecordError(f"code '{code[:20]}' is not a national procedure code like 1.004222")
    clean = {
        "code": code,
        "name": _text(record, "name", required=True, limit=2000),
        "sector": _text(record, "sector", required=True, limit=255),
        "level": _text(record, "level", required=True, limit=20),
        "decision": _text(record, "decision", limit=255),
        "kind": _text(record, "kind", limit=255),
        "ministry_slug": _text(record, "ministry_slug", limit=60),
        "implementing_agency": _text(record, "implementing_agency"),
        "competent_authority": _text(record, "competent_authority"),
        "coordinating_agency": _text(record, "coordinating_agency"),
        "steps": _text(record, "steps"),
        "conditions": _text(record, "conditions"),
        "related": _text(record, "related") if isinstance(record.get("related"), str) else "",
    }
    if clean["level"] not in LEVELS:
        raise RecordError(f"level '{clean['level'][:20]}' is not one of {sorted(LEVELS)}")
    clean["levels_raw"] = [str(item) for item in _list(record, "levels_raw")]
    clean["applicants"] = [str(item) for item in _list(record, "applicants")]
    clean["channels"] = [_channel(item) for item in _list(record, "channels")]
    clean["documents"] = [_document(item) for item in _list(record, "documents")]
    clean["results"] = [_result(item) for item in _list(record, "results")]
    clean["legal_basis"] = [_legal(item) for item in _list(record, "legal_basis")]
    return clean


def _channel(item: Any) -> dict:
    if not isinstance(item, dict):
        raise RecordError("a channel is not an object")
    kind = item.get("channel")
    if kind not in CHANNEL_KINDS:
        raise RecordError(f"channel '{str(kind)[:20]}' is not one of {sorted(CHANNEL_KINDS)}")
    duration = item.get("duration")
    if duration is not None and (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or duration < 0
        or duration >= 100_000
    ):
        raise RecordError("a channel duration must be a non-negative number")
    unit = item.get("unit")
    if unit is not None and unit not in UNITS:
        raise RecordError(f"duration unit '{str(unit)[:20]}' is not one of {sorted(UNITS)}")
    fees = []
    for fee in item.get("fees") or []:
        if not isinstance(fee, dict):
            raise RecordError("a fee line is not an object")
        amount = fee.get("amount_vnd")
        if amount is not None and (
            isinstance(amount, bool) or not isinstance(amount, int) or amount < 0
        ):
            raise RecordError("a fee amount must be a non-negative whole number of VND")
        fees.append({"amount_vnd": amount, "text": _text(fee, "text", limit=5000)})
    fee_free = item.get("fee_free")
    if fee_free is not None and not isinstance(fee_free, bool):
        raise RecordError("'fee_free' must be true, false or null")
    return {
        "kind": kind,
        "duration": duration,
        "unit": unit or "",
        "fees": fees,
        "fee_free": fee_free,
        "fee_text": _text(item, "fee_text"),
        "note": _text(item, "note"),
    }


def _document(item: Any) -> dict:
    if not isinstance(item, dict):
        raise RecordError("a document is not an object")
    return {
        "name": _text(item, "name", required=True),
        "form_ref": _text(item, "form", limit=5000),
        "originals": _count(item.get("original"), "a document's original count"),
        "copies": _count(item.get("copy"), "a document's copy count"),
        "group": _text(item, "group", limit=5000),
    }


def _result(item: Any) -> dict:
    if isinstance(item, str):
        return {"name": item.strip(), "code": ""}
    return {"name": _text(item, "name", required=True), "code": _text(item, "code", limit=40)}


def _legal(item: Any) -> dict:
    if isinstance(item, str):
        return {"title": item.strip(), "number": ""}
    return {
        "title": _text(item, "title", required=True),
        "number": _text(item, "number", limit=120),
    }


# --- derived facts -------------------------------------------------------------------------


def online_level(clean: dict) -> str:
    """Decree 42 level, from what the record says (editable by administrators afterwards).

    The national records do not state the level, so it is inferred: no online channel → not
    online; online and every document may be a scanned copy (no original required) → fully
    online; otherwise partly online (originals are shown at the desk when the result is taken).
    """
    if not any(ch["kind"] == "online" for ch in clean["channels"]):
        return OnlineLevel.NONE
    if all(not doc["originals"] for doc in clean["documents"]):
        return OnlineLevel.FULL
    return OnlineLevel.PARTIAL


def is_fee_free(clean: dict) -> bool:
    """Free when every channel says so explicitly, or states fee lines that are all zero."""
    channels = clean["channels"]
    if not channels:
        return False
    return all(
        ch["fee_free"] is True or (ch["fees"] and all(fee["amount_vnd"] == 0 for fee in ch["fees"]))
        for ch in channels
    )


def authority_levels(clean: dict) -> list[str]:
    return [LEVEL_LABELS.get(label, "other") for label in clean["levels_raw"]]


def local_code(national_code: str) -> str:
    return f"{national_code}.000.00.00.{settings.PORTAL_CITY_CODE}"


# --- the import ----------------------------------------------------------------------------


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Catalogue:
    """Lookups loaded once per import."""

    def __init__(self) -> None:
        self.agencies = {agency.code: agency for agency in Agency.objects.all()}
        self.sectors = {sector.name: sector for sector in Sector.objects.all()}
        self.procedures = {p.national_code: p for p in Procedure.objects.all()}
        self.hashes: set[tuple[int, str]] = set(
            ProcedureVersion.objects.values_list("procedure_id", "source_hash")
        )
        self.numbers: dict[int, int] = {}
        for procedure_id, number in ProcedureVersion.objects.values_list("procedure_id", "number"):
            self.numbers[procedure_id] = max(number, self.numbers.get(procedure_id, 0))

    def sector(self, name: str) -> Sector:
        sector = self.sectors.get(name)
        if sector is None:
            base = slugify(fold(name))[:110] or "sector"
            code, n = base, 1
            while Sector.objects.filter(code=code).exists():
                n += 1
                code = f"{base}-{n}"
            sector = Sector.objects.create(code=code, name=name)
            self.sectors[name] = sector
        return sector


def import_records(records: Iterable[Any]) -> ImportReport:
    """Import records into the catalogue; see the module docstring."""
    seed_city_agencies()
    catalogue = _Catalogue()
    report = ImportReport()
    seen: set[str] = set()
    todo: list[tuple[dict, str]] = []
    for index, record in enumerate(records):
        report.read += 1
        raw_code = record.get("code") if isinstance(record, dict) else None
        code = raw_code if isinstance(raw_code, str) else ""
        try:
            clean = validate(record)
            if clean["code"] in seen:
                raise RecordError(f"code {clean['code']} appears more than once in the file")
        except RecordError as exc:
            report.rejected.append(Rejected(index=index, code=code[:20], reason=str(exc)))
            continue
        seen.add(clean["code"])
        digest = record_hash(record)
        procedure = catalogue.procedures.get(clean["code"])
        if procedure is not None and (procedure.pk, digest) in catalogue.hashes:
            report.unchanged += 1
            continue
        todo.append((clean, digest))

    for chunk in _chunks(todo, CHUNK):
        with transaction.atomic():
            _import_chunk(chunk, catalogue, report)
    if todo:
        rebuild_vocabulary()
    if todo and connection.vendor == "postgresql":
        # Fresh statistics so the planner uses the search indexes right after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE procedures_procedure")
    return report


def _import_chunk(chunk: list[tuple[dict, str]], catalogue: _Catalogue, report: ImportReport):
    today = timezone.localdate()
    now = timezone.now()
    new_procedures = []
    for clean, _digest in chunk:
        if clean["code"] not in catalogue.procedures:
            agency = catalogue.agencies[
                receiving_agency_code(clean["ministry_slug"], clean["sector"])
            ]
            procedure = Procedure(
                national_code=clean["code"],
                local_code=local_code(clean["code"]),
                name=clean["name"],
                sector=catalogue.sector(clean["sector"]),
                level=clean["level"],
                receiving_agency=agency,
                popularity=initial_popularity(clean["code"]),
            )
            new_procedures.append(procedure)
    Procedure.objects.bulk_create(new_procedures)
    fresh = {procedure.national_code for procedure in new_procedures}
    for procedure in new_procedures:
        catalogue.procedures[procedure.national_code] = procedure

    versions = []
    for clean, digest in chunk:
        procedure = catalogue.procedures[clean["code"]]
        number = catalogue.numbers.get(procedure.pk, 0) + 1
        catalogue.numbers[procedure.pk] = number
        catalogue.hashes.add((procedure.pk, digest))
        is_new = clean["code"] in fresh
        agency = catalogue.agencies[receiving_agency_code(clean["ministry_slug"], clean["sector"])]
        versions.append(
            ProcedureVersion(
                procedure=procedure,
                number=number,
                status=ProcedureVersion.Status.PUBLISHED
                if is_new
                else ProcedureVersion.Status.DRAFT,
                valid_from=today if is_new else None,
                published_at=now if is_new else None,
                source_hash=digest,
                name=clean["name"],
                sector=catalogue.sector(clean["sector"]),
                decision=clean["decision"],
                kind=clean["kind"],
                level=clean["level"],
                authority_levels=authority_levels(clean),
                applicant_types=clean["applicants"],
                implementing_agency_text=clean["implementing_agency"],
                competent_authority_text=clean["competent_authority"],
                coordinating_agency_text=clean["coordinating_agency"],
                receiving_agency=agency,
                receives_at_commune=clean["level"] == Level.COMMUNE,
                online_level=online_level(clean),
                steps=clean["steps"],
                conditions=clean["conditions"],
                related=clean["related"],
            )
        )
        if is_new:
            report.created += 1
        else:
            report.new_drafts += 1
    ProcedureVersion.objects.bulk_create(versions)
    _create_parts(chunk, versions)

    services.sync_listing(v.pk for v in versions if v.status == ProcedureVersion.Status.PUBLISHED)


def _create_parts(chunk: list[tuple[dict, str]], versions: list[ProcedureVersion]) -> None:
    channels, fee_rows, documents, results, legal = [], [], [], [], []
    for (clean, _digest), version in zip(chunk, versions, strict=True):
        for order, ch in enumerate(clean["channels"]):
            texts = (clean["steps"], clean["conditions"], ch["note"], ch["fee_text"])
            unit, assumed = infer_unit(ch["duration"], ch["unit"], texts)
            channel = Channel(
                version=version,
                order=order,
                kind=ch["kind"],
                duration=ch["duration"],
                unit=unit,
                unit_assumed=assumed,
                fee_free=ch["fee_free"],
                fee_text=ch["fee_text"],
                note=ch["note"],
            )
            channels.append(channel)
            fee_rows.append((channel, ch["fees"]))
        documents += [
            DocumentSlot(version=version, order=i, **doc)
            for i, doc in enumerate(clean["documents"])
        ]
        results += [
            ResultDocument(version=version, order=i, **res)
            for i, res in enumerate(clean["results"])
        ]
        legal += [
            LegalBasis(version=version, order=i, **row)
            for i, row in enumerate(clean["legal_basis"])
        ]
    Channel.objects.bulk_create(channels)
    FeeLine.objects.bulk_create(
        FeeLine(channel=channel, order=i, **fee)
        for channel, fees in fee_rows
        for i, fee in enumerate(fees)
    )
    DocumentSlot.objects.bulk_create(documents)
    ResultDocument.objects.bulk_create(results)
    LegalBasis.objects.bulk_create(legal)
