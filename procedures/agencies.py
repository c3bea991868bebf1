"""The city's agencies: seeding from bundled data and choosing who receives a procedure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Agency

DATA_DIR = Path(settings.BASE_DIR) / "data"


@cache
def _agency_data() -> dict:
    return json.loads((DATA_DIR / "hcmc_agencies.json").read_text(encoding="utf-8"))


def commune_code(gso_code: int | str) -> str:
    return f"{settings.PORTAL_CITY_CODE}.{int(gso_code):05d}"


@dataclass
class SeedResult:
    created: int = 0
    updated: int = 0


@transaction.atomic
def seed_city_agencies() -> SeedResult:
    """Create or refresh the city, its departments and its 168 communes. Idempotent."""
    data = _agency_data()
    wards = json.loads((DATA_DIR / "hcmc_wards.json").read_text(encoding="utf-8"))
    rows = [{**row, "gso_code": ""} for row in data["agencies"]] + [
        {
            "code": commune_code(ward["code"]),
            "name": f"Ủy ban nhân dân {ward['name']}",
            "short_name": ward["name"],
            "level": Agency.Level.COMMUNE,
            "parent": settings.PORTAL_CITY_CODE,
            "gso_code": f"{int(ward['code']):05d}",
        }
        for ward in wards["wards"]
    ]
    existing = {agency.code: agency for agency in Agency.objects.all()}
    result = SeedResult()
    for row in rows:  # parents come before children in the data file
        parent = existing.get(row["parent"]) if row["parent"] else None
        values = {
            "name": row["name"],
            "short_name": row["short_name"],
            "level": row["level"],
            "parent": parent,
            "gso_code": row["gso_code"],
        }
        agency = existing.get(row["code"])
        if agency is None:
            agency = Agency.objects.create(code=row["code"], **values)
            existing[agency.code] = agency
            result.created += 1
        elif any(getattr(agency, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(agency, key, value)
            agency.save()
            result.updated += 1
    return result


def receiving_agency_code(ministry_slug: str, sector_name: str) -> str:
    """The HCMC department whose one-stop desk receives procedures of this ministry/sector."""
    data = _agency_data()
    return (
        data["sector_override"].get(sector_name)
        or data["ministry_default"].get(ministry_slug)
        or data["fallback"]
    )
