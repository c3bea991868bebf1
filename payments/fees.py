"""Which fees a dossier owes, and why (phí, lệ phí phải nộp).

:func:`quote` reads the fee rules of the dossier's procedure version and channel for a stage,
on a day (Asia/Ho_Chi_Minh), and applies the conditions in this order: the rule's validity
window, the online waiver window, then the applicant's exempt categories. The result says the
amount *and* the reason, so the citizen sees both before paying (and sees why nothing is due).
:func:`build_from_catalogue` makes rules from the catalogue's fee lines where they carry an
amount.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Channel as DossierChannel
from dossiers.models import Dossier
from procedures.models import Channel as CatalogueChannel
from procedures.models import ProcedureVersion

from .models import MINOR, ApplicantCategory, FeeRule, FeeRuleLine, FilingChannel, Stage

CHANNEL_OF_DOSSIER = {
    DossierChannel.ONLINE: FilingChannel.ONLINE,
    DossierChannel.DIRECT: FilingChannel.DIRECT,
    DossierChannel.POST: FilingChannel.POSTAL,
}
CHILD_UNDER, ELDERLY_FROM = 16, 60


@dataclass
class Quote:
    """What is due at one stage: the lines (name, kind, code, amount_vnd), the total in
    VND×100 and a sentence saying why (the rule, a waiver or an exemption)."""

    stage: str
    lines: list[dict] = field(default_factory=list)
    amount: int = 0  # VND×100
    reason: str = ""
    rule: FeeRule | None = None
    waived: bool = False

    @property
    def amount_vnd(self) -> int:
        return self.amount // MINOR

    @property
    def charged(self) -> bool:
        return self.amount > 0


def _age(birth: datetime.date | None, day: datetime.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def categories_of(dossier: Dossier, day: datetime.date) -> set[str]:
    """The applicant's categories that a rule may exempt, read from the identity VNeID gave."""
    citizen = dossier.applicant
    found = set()
    age = _age(citizen.birth_date, day)
    if age is not None and age < CHILD_UNDER:
        found.add(ApplicantCategory.CHILD)
    if age is not None and age >= ELDERLY_FROM:
        found.add(ApplicantCategory.ELDERLY)
    if citizen.account_type == citizen.AccountType.BUSINESS:
        found.add(ApplicantCategory.BUSINESS)
    if citizen.account_type == citizen.AccountType.ORGANISATION:
        found.add(ApplicantCategory.ORGANISATION)
    return found


def rule_for(version: ProcedureVersion, channel: str, stage: str, day: datetime.date):
    """The rule in force on ``day`` (the latest made, when windows overlap), or None."""
    rules = FeeRule.objects.filter(procedure_version=version, channel=channel, stage=stage)
    in_force = [
        rule
        for rule in rules.prefetch_related("lines").order_by("-pk")
        if (rule.valid_from is None or rule.valid_from <= day)
        and (rule.valid_to is None or day <= rule.valid_to)
    ]
    return in_force[0] if in_force else None


def quote(dossier: Dossier, stage: str, at: datetime.datetime | None = None) -> Quote:
    """The fees ``dossier`` owes at ``stage`` for a filing (or request) at ``at``."""
    at = at or dossier.submitted_at or timezone.now()
    day = timezone.localdate(at)
    channel = CHANNEL_OF_DOSSIER.get(dossier.channel, FilingChannel.ONLINE)
    rule = rule_for(dossier.procedure_version, channel, stage, day)
    result = Quote(stage=stage, rule=rule)
    if rule is None:
        result.reason = _("This procedure charges no fee at this stage.")
        return result
    result.lines = [
        {"name": line.name, "kind": line.kind, "code": line.code, "amount_vnd": line.amount_vnd}
        for line in rule.lines.all()
    ]
    full = sum(line["amount_vnd"] for line in result.lines) * MINOR
    if channel == FilingChannel.ONLINE and rule.online_free_until and day <= rule.online_free_until:
        result.waived = True
        result.reason = _(
            "Not charged: filed online on or before %(day)s, when the city waives this fee."
        ) % {"day": rule.online_free_until.strftime("%d/%m/%Y")}
        return result
    exempt = categories_of(dossier, day) & set(rule.exempt_categories or [])
    if exempt:
        labels = ", ".join(str(ApplicantCategory(c).label) for c in sorted(exempt))
        result.waived = True
        result.reason = _("Not charged: the applicant is exempt (%(who)s).") % {"who": labels}
        return result
    result.amount = full
    names = "; ".join(line["name"] for line in result.lines)
    if stage == Stage.SUBMISSION:
        result.reason = _("Fees of the procedure, due when the dossier is filed: %(names)s.") % {
            "names": names
        }
    else:
        result.reason = _("Fees asked by the agency during processing: %(names)s.") % {
            "names": names
        }
    return result


def build_from_catalogue(versions=None) -> int:
    """A submission-stage rule for each channel of each version whose catalogue fee lines
    carry an amount and that has no rule on that channel yet. Returns how many were made.

    Idempotent: run again (after an import) it adds only what is missing; a rule an
    administrator changed or removed is never made again for the same version and channel
    while another rule exists."""
    channels = CatalogueChannel.objects.filter(fees__amount_vnd__gt=0, fee_free=False).distinct()
    if versions is not None:
        channels = channels.filter(version__in=versions)
    made = 0
    existing = set(FeeRule.objects.values_list("procedure_version_id", "channel"))
    for channel in channels.select_related("version").prefetch_related("fees"):
        if (channel.version_id, channel.kind) in existing:
            continue
        lines = [fee for fee in channel.fees.all() if fee.amount_vnd]
        with transaction.atomic():
            rule = FeeRule.objects.create(
                procedure_version=channel.version,
                channel=channel.kind,
                stage=Stage.SUBMISSION,
                from_catalogue=True,
                note=channel.fee_text[:2000],
            )
            FeeRuleLine.objects.bulk_create(
                FeeRuleLine(
                    rule=rule,
                    order=i,
                    kind=FeeRuleLine.Kind.CHARGE,
                    name=" ".join((fee.text or _("Fee")).split())[:500],
                    amount_vnd=fee.amount_vnd,
                )
                for i, fee in enumerate(lines)
            )
        existing.add((channel.version_id, channel.kind))
        made += 1
    return made
