"""Figures over the whole catalogue, so that a change to the line rules or the duration rules
shows what it does, and a regression fails ``make test`` (``tests/test_catalogue_report.py``
compares with ``data/catalogue_baseline.json``).

Upload slots are those of the form a citizen gets (:func:`eform_builder.unchecked_schema`):
required ones, and optional ones shown under their case.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch

from .documents import LineKind
from .eform_builder import classified_documents, unchecked_schema
from .models import Channel, DocumentSlot, DurationUnit, Procedure

BASELINE = Path(settings.BASE_DIR) / "data" / "catalogue_baseline.json"
BUCKETS = [(0, 0), (1, 1), (2, 3), (4, 6), (7, 10), (11, 20), (21, 10_000)]
WATCHED_CODES = ["1.001193"]  # birth registration: the slots a citizen tripped over
# Figures that may only go down (or stay) from one commit to the next.
MUST_NOT_GROW = [
    "procedures_over_ten_slots",
    "procedures_without_slots_but_with_documents",
    "durations.assumed",
    "durations.without_unit",
]


def _bucket(count: int) -> str:
    for low, high in BUCKETS:
        if low <= count <= high and low == high:
            return str(low)
        if low <= count <= high:
            return f"{low}-{high}" if high < 10_000 else f">{low - 1}"
    raise AssertionError(count)  # pragma: no cover - the buckets cover every count


def _versions():
    procedures = (
        Procedure.objects.filter(current_version__isnull=False)
        .select_related("current_version")
        .prefetch_related(
            Prefetch("current_version__documents", queryset=DocumentSlot.objects.all()),
            Prefetch("current_version__channels", queryset=Channel.objects.all()),
        )
        .order_by("national_code")
    )
    for procedure in procedures:
        version = procedure.current_version
        version.procedure = procedure
        yield version


def figures() -> dict[str, Any]:
    """Every figure of the report, as a JSON-ready dict."""
    slots_of: dict[str, int] = {}
    required_of: dict[str, int] = {}
    kinds: Counter[str] = Counter()
    without_slots_with_documents = 0
    durations: Counter[str] = Counter()
    units: Counter[str] = Counter()
    assumed_codes: list[str] = []
    for version in _versions():
        code = version.procedure.national_code
        documents = unchecked_schema(version)["documents"]
        slots_of[code] = len(documents)
        required_of[code] = sum(1 for slot in documents if slot["required"])
        lines = classified_documents(version)
        kinds.update(found.kind.value for _doc, found in lines)
        if not documents and any(f.kind != LineKind.DECLARATION for _d, f in lines):
            without_slots_with_documents += 1
        for channel in version.channels.all():
            durations["rows"] += 1
            if channel.duration is None:
                continue
            durations["with_duration"] += 1
            units[channel.unit or "none"] += 1
            if not channel.unit:
                durations["without_unit"] += 1
            elif channel.unit_assumed:
                durations["assumed"] += 1
                if code not in assumed_codes:
                    assumed_codes.append(code)
    distribution = Counter(_bucket(n) for n in slots_of.values())
    return {
        "procedures": len(slots_of),
        "slots": sum(slots_of.values()),
        "required_slots": sum(required_of.values()),
        "slots_per_procedure": {_bucket(low): distribution[_bucket(low)] for low, _ in BUCKETS},
        "procedures_without_slots": distribution["0"],
        "procedures_without_slots_but_with_documents": without_slots_with_documents,
        "procedures_over_ten_slots": sum(1 for n in slots_of.values() if n > 10),
        "line_kinds": {kind.value: kinds[kind.value] for kind in LineKind},
        "watched": {code: slots_of.get(code) for code in WATCHED_CODES},
        "durations": {
            "rows": durations["rows"],
            "with_duration": durations["with_duration"],
            "without_unit": durations["without_unit"],
            "assumed": durations["assumed"],
            "procedures_with_assumed": len(assumed_codes),
            "units": {unit: units[unit] for unit in [*DurationUnit.values, "none"]},
        },
        "assumed_codes": assumed_codes,
    }


def _get(data: dict, dotted: str) -> Any:
    for part in dotted.split("."):
        data = data[part]
    return data


def regressions(current: dict, baseline: dict) -> list[str]:
    """What got worse than ``baseline``, in words; empty when nothing did."""
    problems = [
        f"{name}: {_get(current, name)} > baseline {_get(baseline, name)}"
        for name in MUST_NOT_GROW
        if _get(current, name) > _get(baseline, name)
    ]
    for code, slots in baseline.get("watched", {}).items():
        now = current["watched"].get(code)
        if now is None or (slots is not None and now > slots):
            problems.append(f"{code}: {now} upload slots > baseline {slots}")
    return problems


def load_baseline(path: Path = BASELINE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def baseline_of(current: dict) -> dict:
    """What is committed as the baseline: the figures without the long list of codes."""
    return {key: value for key, value in current.items() if key != "assumed_codes"}
