"""The demo's electronic results: the demo certificate authority and one certificate per demo
agency (:mod:`dossiers.signing.contrib.demo.authority`, under ``var/signing/``), every approved
demo dossier's result signed, and a few satisfaction ratings from the demo citizens.

Signing runs here directly (``dossiers.signing.service.sign_result``), not through the worker, so
that ``seed_demo`` leaves signed results even before ``make demo`` starts the worker; the tasks
the approvals queued then find them signed and do nothing. Everything is idempotent: a second
run signs and rates nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dossiers import ratings
from dossiers.models import Dossier, DossierResult, ServiceRating
from dossiers.signing.contrib.demo import authority
from dossiers.signing.service import sign_result
from identity.models import StaffRole
from procedures.models import Agency

from .journeys import KEY_PREFIX

# (satisfied, comment) given by the first decided demo dossiers, in order of their codes.
RATINGS = (
    (True, "Cán bộ hướng dẫn tận tình, nhận kết quả trực tuyến rất tiện."),
    (False, "Phải bổ sung giấy tờ hai lần, thời gian chờ lâu."),
    (True, ""),
)


@dataclass
class Outcome:
    authority: Path
    agencies: int
    signed: int
    rated: int


def seed_results() -> Outcome:
    using_demo_keys = settings.RESULT_SIGNING_BACKEND == "demo"
    agencies = 0
    if using_demo_keys:
        authority.ensure_authority()
        staffed = (
            Agency.objects.filter(pk__in=StaffRole.objects.values("agency_id"))
            .exclude(level=Agency.Level.DIVISION)
            .exclude(code=settings.PORTAL_CITY_CODE)
            .order_by("code")
        )
        for agency in staffed:
            authority.ensure_agency(agency.code, agency.name)
            agencies += 1
    signed = 0
    unsigned = DossierResult.objects.filter(
        dossier__idempotency_key__startswith=KEY_PREFIX, signed_at=None
    ).order_by("pk")
    for result in unsigned:
        if sign_result(result.pk) is not None:
            signed += 1
    return Outcome(authority.authority_files().certificate, agencies, signed, _rate())


def _rate() -> int:
    decided = (
        Dossier.objects.filter(idempotency_key__startswith=KEY_PREFIX, status__in=ratings.RATEABLE)
        .select_related("applicant")
        .order_by("code")
    )
    if ServiceRating.objects.filter(dossier__in=decided).exists():
        return 0  # rated by an earlier run
    rated = 0
    for dossier, (satisfied, comment) in zip(decided, RATINGS, strict=False):
        ratings.rate(dossier, dossier.applicant, satisfied, comment)
        rated += 1
    return rated
