"""Dossier services: the only place that creates, changes and submits dossiers.

Views and API views call these functions; they never save a dossier themselves. Every function
that changes a submitted dossier locks its row and checks the state it expects.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from identity.citizens import assurance_problem
from identity.idnumber import parse_id_number
from identity.models import Citizen
from portal import clock
from procedures.applicants import account_problem
from procedures.eform_builder import build_schema
from procedures.eforms import Context, FormResult, validate_data
from procedures.models import Agency, OnlineLevel, Procedure

from . import signals
from .codes import allocate_code
from .errors import Conflict, DossierError, DraftNotFound, KeyReused, NotEligible
from .lifecycle import table, transitions
from .models import Channel, Dossier, DossierDocument, DossierEvent, Status

SUMMARY_LIMIT = 1000
WITHDRAWABLE = table.sources_of("withdraw")  # the transition table's rule (DOMAIN.md §3)
PROFILE_ATTRIBUTES = {"full_name", "id_number", "birth_date", "phone", "email", "address", "ward"}


def check_account_type(citizen: Citizen, version) -> None:
    """Refuse an account whose type (``LoaiTaiKhoan``) the procedure's applicant types exclude."""
    problem = account_problem(citizen.account_type, version.applicant_types or [])
    if problem:
        raise NotEligible(problem, {"account_type": problem})


# --- reading ----------------------------------------------------------------------------------


def dossiers_of(citizen: Citizen) -> QuerySet[Dossier]:
    return Dossier.objects.filter(applicant=citizen).select_related("procedure", "receiving_agency")


def get_for_citizen(citizen: Citizen, *, code: str | None = None, public_id=None) -> Dossier:
    """The citizen's own dossier by code or draft id; anything else is "not found"."""
    # The version is read by every page and answer about one dossier: join it, not a query.
    qs = dossiers_of(citizen).select_related("procedure_version")
    try:
        if code is not None:
            return qs.get(code=code)
        return qs.get(public_id=public_id)
    except (Dossier.DoesNotExist, ValueError, TypeError) as exc:
        raise Dossier.DoesNotExist from exc


def form_context(*, partial: bool) -> Context:
    return Context(
        today=timezone.localdate(clock.now()),
        ward_exists=lambda code: Agency.objects.filter(
            code=code, level=Agency.Level.COMMUNE
        ).exists(),
        id_number_problem=lambda value: parse_id_number(value).reason or None,
        partial=partial,
    )


# --- drafts -----------------------------------------------------------------------------------


def _profile_value(citizen: Citizen, attribute: str) -> Any:
    if attribute == "birth_date":
        return citizen.birth_date.isoformat() if citizen.birth_date else None
    if attribute == "ward":
        return citizen.ward.code if citizen.ward_id else None
    return getattr(citizen, attribute, None) or None


PREFILLED_FROM_PREVIOUS = {"applicant"}


def prefill(schema: dict, citizen: Citizen, previous: dict | None) -> dict:
    """Initial data: profile attributes named by ``prefill``, then, for the applicant's own
    section only, the previous dossier's answers where the profile gave nothing. What the
    earlier request was about (a child, a plot of land) is never carried over."""
    data: dict[str, dict] = {}
    for section in schema["sections"]:
        values: dict[str, Any] = {}
        earlier = {}
        if section["id"] in PREFILLED_FROM_PREVIOUS:
            earlier = (previous or {}).get(section["id"]) or {}
        for f in section["fields"]:
            value = None
            source = f.get("prefill", "")
            if source.startswith("profile.") and source[8:] in PROFILE_ATTRIBUTES:
                value = _profile_value(citizen, source[8:])
            if value is None and isinstance(earlier, dict) and f["id"] in earlier:
                value = copy.deepcopy(earlier[f["id"]])
            if value is not None:
                values[f["id"]] = value
        data[section["id"]] = values
    return data


@transaction.atomic
def start_draft(citizen: Citizen, procedure: Procedure) -> Dossier:
    """A new draft for ``procedure`` under its version in force, prefilled."""
    version = procedure.current_version
    if version is None:
        raise DossierError(_("This procedure is not in force."))
    if version.online_level == OnlineLevel.NONE:
        raise DossierError(_("This procedure cannot be filed online; file it at the desk."))
    problem = assurance_problem(citizen, procedure)
    if problem:
        raise DossierError(problem)
    check_account_type(citizen, version)
    schema = build_schema(version)
    previous = (
        Dossier.objects.filter(applicant=citizen, procedure=procedure)
        .exclude(submitted_data=None)
        .order_by("-submitted_at")
        .values_list("submitted_data", flat=True)
        .first()
    )
    dossier = Dossier.objects.create(
        procedure=procedure,
        procedure_version=version,
        applicant=citizen,
        form_schema=schema,
        form_data=prefill(schema, citizen, previous),
        receiving_agency=_default_agency(procedure, citizen),
        channel=Channel.ONLINE,
    )
    _event(dossier, "draft_created", None, Status.DRAFT, citizen)
    return dossier


def _default_agency(procedure: Procedure, citizen: Citizen) -> Agency | None:
    if procedure.receives_at_commune and citizen.ward_id:
        return citizen.ward
    if procedure.receives_at_commune:
        return None  # the citizen chooses the ward where to file
    return procedure.receiving_agency


def check_draft(dossier: Dossier, citizen: Citizen) -> None:
    """Refuse to change ``dossier`` unless it is the citizen's and still a draft (no lock:
    for a first check before slow work, such as writing an upload, that must not hold one)."""
    if dossier.applicant_id != citizen.pk:
        raise DraftNotFound(_("This draft was not found."))
    if dossier.status != Status.DRAFT:
        raise Conflict(_("This dossier has already been submitted and can no longer be edited."))


def lock_draft(dossier: Dossier, citizen: Citizen) -> Dossier:
    """The draft's row, locked for the rest of the transaction, if it is the citizen's and
    still a draft: :class:`DraftNotFound` when it is not theirs or was deleted meanwhile (in
    another tab), :class:`Conflict` when it was submitted meanwhile."""
    locked = Dossier.objects.select_for_update().filter(pk=dossier.pk, applicant=citizen).first()
    if locked is None:
        raise DraftNotFound(_("This draft was not found."))
    check_draft(locked, citizen)
    return locked


@transaction.atomic
def save_draft(dossier: Dossier, citizen: Citizen, sections: dict[str, Any]) -> FormResult:
    """Merge ``sections`` into the draft and keep them even when invalid (nothing typed is
    lost); the result lists what is wrong so far."""
    dossier = lock_draft(dossier, citizen)
    known = {section["id"] for section in dossier.form_schema["sections"]}
    for section_id, values in sections.items():
        if section_id in known and isinstance(values, dict):
            dossier.form_data[section_id] = values
    dossier.save(update_fields=["form_data", "updated_at"])
    return validate_data(dossier.form_schema, dossier.form_data, form_context(partial=True))


@transaction.atomic
def choose_receiving_agency(dossier: Dossier, citizen: Citizen, agency: Agency) -> None:
    """Where to file: any commune for commune-level procedures ("phi địa giới")."""
    dossier = lock_draft(dossier, citizen)
    if dossier.procedure.receives_at_commune:
        if agency.level != Agency.Level.COMMUNE:
            raise DossierError(_("Choose a ward or commune of Ho Chi Minh City."))
    elif agency.pk != dossier.procedure.receiving_agency_id:
        raise DossierError(_("This procedure is received by another agency."))
    dossier.receiving_agency = agency
    dossier.save(update_fields=["receiving_agency", "updated_at"])


@transaction.atomic
def delete_draft(dossier: Dossier, citizen: Citizen) -> None:
    dossier = lock_draft(dossier, citizen)
    dossier.delete()


# --- documents --------------------------------------------------------------------------------


def active_document_slots(dossier: Dossier, data: dict | None = None) -> list[dict]:
    """The document slots that apply: all, or only those of the chosen case."""
    data = dossier.form_data if data is None else data
    case = (data.get("request") or {}).get("case") if isinstance(data, dict) else None
    return [
        slot
        for slot in dossier.form_schema["documents"]
        if "case" not in slot or slot["case"] == case
    ]


def missing_documents(dossier: Dossier, data: dict | None = None) -> list[dict]:
    attached = set(dossier.documents.values_list("slot_id", flat=True))
    return [
        slot
        for slot in active_document_slots(dossier, data)
        if slot["required"] and slot["id"] not in attached
    ]


# --- submission -------------------------------------------------------------------------------


def _summary(dossier: Dossier, data: dict) -> str:
    request = (data.get("request") or {}).get("request") or ""
    text = f"{dossier.procedure.name}. {request}".strip()
    return text[:SUMMARY_LIMIT]


def submit(dossier: Dossier, citizen: Citizen, *, idempotency_key: str, consent: bool) -> Dossier:
    """Submit a draft: check everything, give it its code and status 1, freeze its data.

    Sending the same request again (same ``idempotency_key``, e.g. a double click or a retry
    after a lost answer) returns the dossier created the first time.
    """
    if not idempotency_key or len(idempotency_key) > 64:
        raise DossierError(_("The request has no valid submission key; reload the page."))
    try:
        return _submit(dossier, citizen, idempotency_key, consent)
    except IntegrityError as exc:
        # The same key sent at the same moment for two different drafts: one wins.
        raise KeyReused(_("This submission key was already used for another dossier.")) from exc


def replay_of(dossier: Dossier, citizen: Citizen, idempotency_key: str) -> Dossier | None:
    """``dossier`` as submitted under ``idempotency_key`` when this is the same submission sent
    again (a double click, a retry after a lost answer); None when the key was never used.

    A key that submitted *another* dossier is never a replay: :class:`KeyReused`. The one
    check for the submit service, the review page and the API alike.
    """
    done = Dossier.objects.filter(applicant=citizen, idempotency_key=idempotency_key).first()
    if done is not None and done.pk != dossier.pk:
        raise KeyReused(_("This submission key was already used for another dossier."))
    return done


def _submit(dossier: Dossier, citizen: Citizen, idempotency_key: str, consent: bool) -> Dossier:
    with transaction.atomic():
        done = replay_of(dossier, citizen, idempotency_key)
        if done is not None:
            return done
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk, applicant=citizen)
        if locked.status != Status.DRAFT:
            if locked.idempotency_key == idempotency_key:
                return locked  # a concurrent resend of the same request won the lock first
            raise Conflict(_("This dossier has already been submitted."))
        check_account_type(citizen, locked.procedure_version)
        if not consent:
            raise DossierError(
                _("Please confirm that the information is true and that you agree to submit."),
                {"consent": _("This confirmation is required.")},
            )
        result = validate_data(locked.form_schema, locked.form_data, form_context(partial=False))
        errors = dict(result.errors)
        for slot in missing_documents(locked, locked.form_data):
            errors[f"documents.{slot['id']}"] = _("This document is required.")
        if locked.receiving_agency_id is None:
            errors["receiving_agency"] = _("Choose where to file the dossier.")
        if errors:
            raise DossierError(_("Some information is missing or not valid."), errors)

        # Files left in slots of another case than the one chosen are not part of the dossier.
        active = {slot["id"] for slot in active_document_slots(locked, locked.form_data)}
        locked.documents.exclude(slot_id__in=active).delete()
        now = clock.now()
        locked.code = allocate_code(locked.receiving_agency, timezone.localdate(now))
        locked.status = Status.SUBMITTED
        locked.submitted_data = result.data
        locked.summary = _summary(locked, result.data)
        locked.idempotency_key = idempotency_key
        locked.consent_at = locked.submitted_at = now
        locked.revision += 1
        locked.save()
        _event(locked, "submitted", Status.DRAFT, Status.SUBMITTED, citizen, at=now)
        signals.send(
            locked,
            "submitted",
            from_status=Status.DRAFT,
            to_status=Status.SUBMITTED,
            at=now,
            actor=citizen.id_number,
        )
        code = locked.code
        transaction.on_commit(lambda: _after_submit(code))
    return locked


def _after_submit(code: str) -> None:
    from .tasks import render_receipt  # tasks import services; keep the import lazy

    render_receipt.delay(code)


def withdraw(dossier: Dossier, citizen: Citizen, reason: str) -> Dossier:
    """The applicant withdraws (status 7) while the dossier is 1, 2, 4 or 5: the transition
    table's ``withdraw``, with the row lock and the timeline event of every transition."""
    return transitions.withdraw(dossier, citizen, reason)


# --- timeline ---------------------------------------------------------------------------------


def _event(
    dossier: Dossier,
    action: str,
    from_status: int | None,
    to_status: int | None,
    citizen: Citizen | None = None,
    *,
    note: str = "",
    actor_type: str = "citizen",
    actor: str = "",
    at: datetime.datetime | None = None,
) -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier,
        at=at or clock.now(),
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_type=actor_type,
        actor=actor or (citizen.id_number if citizen else ""),
        note=note,
    )


def timeline(dossier: Dossier) -> Iterable[DossierEvent]:
    return dossier.events.exclude(action="draft_created").order_by("at", "pk")


def attached(dossier: Dossier) -> QuerySet[DossierDocument]:
    return dossier.documents.select_related("stored")
