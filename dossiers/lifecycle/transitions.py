"""One service function per transition of the table (:mod:`.table`).

Every function runs :func:`_perform`, which in one transaction locks the dossier row, finds who
acts (an official of the receiving agency, or the applicant), refuses a role the table does not
list (:class:`ActionForbidden`), a dossier that moved meanwhile (:class:`Conflict`: another
official acted first) and a missing reason (:class:`DossierError`), applies the transition's own
changes, writes the timeline event and, after commit only, announces the change with the
:data:`transitioned` signal (routing, forms and notifications listen to it).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils.translation import gettext as _

from identity import access
from identity.models import Citizen
from portal import clock

from .. import deadlines, signals
from ..errors import ActionForbidden, Conflict, DossierError
from ..models import Dossier, DossierEvent, SupplementRequest
from . import asked as asked_of
from .table import APPLICANT, FINAL, TABLE, Transition

logger = logging.getLogger(__name__)

# Sent after the transaction commits: sender=Dossier, code, action, from_status, to_status,
# revision (the dossier's revision the transition gave it).
transitioned = Signal()

NOTE_LIMIT = 1000
ITEM_LIMIT = 500


@dataclass(frozen=True)
class Actor:
    """Who takes a transition: ``kind`` is ``official`` or ``citizen`` (the timeline's words)."""

    kind: str
    name: str
    roles: frozenset[str]
    user: Any = None


@dataclass
class Request:
    """What the person asked, beyond the action: the reason and the action's own fields."""

    note: str = ""
    items: Sequence[str] = ()
    new_due_at: datetime.datetime | None = None
    revision: int | None = None
    result: Any = None  # approve: a dossiers.results.Prepared file to attach as the result


Change = Callable[[Dossier, Actor, Request, datetime.datetime], None]

# Rules other apps add to an action without this app importing them (e.g. the workflow: only
# the open step's holder forwards), registered from their AppConfig.ready with add_check. Each
# runs under the dossier's lock once the table allows the action and raises a DossierError.
EXTRA_CHECKS: dict[str, list[Callable[[Dossier, Any], None]]] = {}


def add_check(action: str, check: Callable[[Dossier, Any], None]) -> None:
    """Run ``check(locked_dossier, user)`` before every ``action`` an official takes."""
    if check not in EXTRA_CHECKS.setdefault(action, []):
        EXTRA_CHECKS[action].append(check)


# --- who acts ----------------------------------------------------------------------------------


def official(user: Any) -> Callable[[Dossier], Actor]:
    """An official of the dossier's receiving agency. Another agency's dossier is "not found",
    exactly like an unknown code (identity.access decides who sees which agency)."""

    def resolve(dossier: Dossier) -> Actor:
        agency = dossier.receiving_agency
        if agency is None or not access.can_access_agency(user, agency):
            raise Dossier.DoesNotExist
        return Actor("official", user.get_username(), access.roles_in(user, agency), user)

    return resolve


def applicant(citizen: Citizen) -> Callable[[Dossier], Actor]:
    """The dossier's own applicant; anyone else's dossier is "not found"."""

    def resolve(dossier: Dossier) -> Actor:
        if dossier.applicant_id != citizen.pk:
            raise Dossier.DoesNotExist
        return Actor("citizen", citizen.id_number, frozenset({APPLICANT}), citizen.user)

    return resolve


# --- the one engine ----------------------------------------------------------------------------


def _check_request(t: Transition, asked: Request) -> None:
    """What the law asks for is given (no database work: refused before any lock)."""
    errors = {}
    if t.reason_required and not asked.note.strip():
        errors["note"] = _("A reason is required for this action.")
    if len(asked.note) > NOTE_LIMIT:
        errors["note"] = _("The reason is too long (at most %(n)d characters).") % {"n": NOTE_LIMIT}
    if t.items_required and not [item for item in asked.items if item.strip()]:
        errors["items"] = _("List at least one document or piece of information to supply.")
    if any(len(item) > ITEM_LIMIT for item in asked.items):
        errors["items"] = _("Each item must be at most %(n)d characters.") % {"n": ITEM_LIMIT}
    if t.new_date_required and asked.new_due_at is None:
        errors["new_due_at"] = _("Give the new due date.")
    if errors:
        raise DossierError(_("Some information is missing or not valid."), errors)


# The form and its answers: large JSON that transitions rarely touch. Not read with the locked
# row (a change that needs one loads it on first access) and written back only when loaded.
FROZEN = ("form_schema", "form_data", "submitted_data")


def _state(dossier: Dossier) -> dict[str, Any]:
    """The loaded column values (a deferred JSON column that was never read is left out)."""
    return {
        f.attname: getattr(dossier, f.attname)
        for f in Dossier._meta.concrete_fields
        if not f.primary_key and (f.attname not in FROZEN or f.attname in dossier.__dict__)
    }


def lock(dossier: Dossier) -> Dossier:
    """The dossier's row, locked until the transaction ends (not the joined rows). A key not
    read yet (:func:`dossiers.lifecycle.inbox.key_for_official`) is found by its ``locate``
    condition in the same query (``Dossier.DoesNotExist`` when nothing matches)."""
    where = getattr(dossier, "locate", None)
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("receiving_agency", "procedure_version", "procedure", "applicant")
        .defer(*FROZEN)
        .get(where if where is not None else Q(pk=dossier.pk))
    )


def check_allowed(
    dossier: Dossier, action: str, who: Callable[[Dossier], Actor], revision: int | None = None
) -> Actor:
    """Who acts, if ``action`` is theirs to take on ``dossier`` as it stands: raises
    ``Dossier.DoesNotExist`` (not theirs to see), :class:`ActionForbidden` (their role may not)
    or :class:`Conflict` (another revision or status). Run under the row lock by every
    transition; run without it before slow work (writing a file) to refuse early."""
    t = TABLE[action]
    actor = who(dossier)
    if not t.roles & actor.roles:
        raise ActionForbidden(_("Your role may not take this action on this dossier."))
    if revision is not None and revision != dossier.revision:
        raise Conflict(_("Someone else changed this dossier meanwhile; reload it."))
    if dossier.status not in t.sources:
        raise Conflict(
            str(t.refusal)
            if t.refusal
            else _('This dossier is now "%(status)s"; this action is no longer possible.')
            % {"status": dossier.get_status_display()}
        )
    for check in EXTRA_CHECKS.get(action, ()):
        check(dossier, actor.user)
    return actor


def _perform(
    dossier: Dossier,
    action: str,
    who: Callable[[Dossier], Actor],
    asked: Request,
    change: Change | None = None,
) -> Dossier:
    t = TABLE[action]
    _check_request(t, asked)
    with transaction.atomic():
        locked = lock(dossier)
        actor = check_allowed(locked, action, who, asked.revision)
        now = clock.now()
        before = _state(locked)
        if change is not None:
            change(locked, actor, asked, now)
        previous = locked.status
        if t.target is not None:
            locked.status = t.target
        if t.target in FINAL:
            locked.finished_at = now
        locked.revision += 1
        # Only the columns the transition changed: rewriting the whole row would write the
        # form's JSON (and its TOAST) again on every transition.
        after = _state(locked)
        changed = [k for k in after if k not in before or after[k] != before[k]]
        locked.save(update_fields=[*changed, "updated_at"])
        DossierEvent.objects.create(
            dossier=locked,
            at=now,
            action=t.event,
            from_status=previous,
            to_status=locked.status,
            actor_type=actor.kind,
            actor=actor.name,
            note=asked.note,
        )
        signals.send(
            locked,
            "transition",
            action=action,
            from_status=previous,
            to_status=locked.status,
            at=now,
            actor=actor.name,
            note=asked.note,
        )
        announce = {"code": locked.code, "action": action, "from_status": previous}
        announce.update(to_status=locked.status, revision=locked.revision)
        transaction.on_commit(lambda: _announce(**announce))
    return locked


def _announce(**change: Any) -> None:
    """Tell the listeners; one that fails is logged, never undoes the committed transition."""
    for receiver, result in transitioned.send_robust(sender=Dossier, **change):
        if isinstance(result, Exception):
            logger.error("after %s of %s: %r failed: %r", change["action"], change["code"],
                         receiver, result)  # fmt: skip


def _rule(t: Transition, dossier: Dossier, message: str) -> None:
    if t.guard is not None and not t.guard(dossier):
        raise DossierError(message)


# --- the transitions's own changes ---------------------------------------------------------------


def _received(dossier: Dossier, actor: Actor, asked: Request, now: datetime.datetime) -> None:
    dossier.accepted_at = now
    dossier.due_at = dossier.original_due_at = deadlines.due_date_for(dossier, now)


def _ask(kind: str) -> Change:
    def change(dossier: Dossier, actor: Actor, asked: Request, now: datetime.datetime) -> None:
        if kind == SupplementRequest.Kind.SUPPLEMENT:
            _rule(TABLE["request_supplement"], dossier, _(
                "A supplement has already been requested for this dossier; the law allows "
                "only one request."
            ))  # fmt: skip
            dossier.supplement_count += 1
            dossier.paused_at = now
        SupplementRequest.objects.create(
            dossier=dossier,
            kind=kind,
            items=[item.strip() for item in asked.items if item.strip()],
            reason=asked.note,
            requested_by=actor.user,
            requested_at=now,
        )

    return change


def _supplied(dossier: Dossier, actor: Actor, asked: Request, now: datetime.datetime) -> None:
    """The supplement is in (at the desk, or sent online): the request is answered and the
    clock runs again, restarted or shifted per the configured rule (DOMAIN.md §4). Processing
    resumes at the step that asked: the open process-control step and its assignee stay."""
    dossier.supplement_requests.filter(
        kind=SupplementRequest.Kind.SUPPLEMENT, answered_at=None
    ).update(answered_at=now)
    dossier.due_at = deadlines.resumed_due_date(dossier, dossier.paused_at, now)
    dossier.paused_at = None


def _answered(dossier: Dossier, actor: Actor, asked: Request, now: datetime.datetime) -> None:
    """The applicant sends what was asked: at least one document attached to the request's
    items, or a message. A supplement then resumes processing (:func:`_supplied`); a completion
    request is marked answered and the dossier waits, still status 1, for the desk."""
    request = asked_of.open_request(dossier)
    if request is None:
        raise Conflict(_("This request has already been answered."))
    if not asked.note.strip() and not asked_of.answer_documents(request).exists():
        message = _("Attach at least one of the documents asked for, or write a message.")
        raise DossierError(message, {"documents": message})
    if request.kind == SupplementRequest.Kind.SUPPLEMENT:
        _supplied(dossier, actor, asked, now)
    else:
        request.answered_at = now
        request.save(update_fields=["answered_at"])


def _decided(dossier: Dossier, actor: Actor, asked: Request, now: datetime.datetime) -> None:
    """Approval needs the result (:mod:`dossiers.results`): the one given now, or one attached
    earlier; it is also put in the applicant's document store."""
    from .. import results  # results uses the document store, which imports the services

    results.on_approval(dossier, actor.user, asked.result, now)


def _extended(dossier: Dossier, actor: Actor, asked: Request, now: datetime.datetime) -> None:
    """Mẫu 04: once, at least one working day before the due date, to a later date."""
    _rule(TABLE["apologise_and_extend"], dossier, _(
        "The due date of this dossier has already been moved once, or it has none."
    ))  # fmt: skip
    if deadlines.one_working_day_after(dossier, now) > dossier.due_at:
        raise DossierError(
            _("An apology must be issued at least one working day before the due date."),
            {"new_due_at": _("It is too late to move this due date.")},
        )
    if asked.new_due_at <= dossier.due_at:
        raise DossierError(
            _("The new due date must be later than the current one."),
            {"new_due_at": _("Choose a date after the current due date.")},
        )
    dossier.due_at = asked.new_due_at
    dossier.extended = True


def _delivered(dossier: Dossier, actor: Actor, asked: Request, now: datetime.datetime) -> None:
    dossier.returned_at = now


CHANGES: dict[str, Change] = {
    "receive": _received,
    "return_for_completion": _ask(SupplementRequest.Kind.COMPLETION),
    "request_supplement": _ask(SupplementRequest.Kind.SUPPLEMENT),
    "receive_supplement": _supplied,
    "answer_supplement": _answered,
    "answer_completion": _answered,
    "approve": _decided,
    "apologise_and_extend": _extended,
    "return_result": _delivered,
}


# --- one function per transition -----------------------------------------------------------------


def _by_official(action: str) -> Callable[..., Dossier]:
    def service(dossier: Dossier, user: Any, **asked: Any) -> Dossier:
        return _perform(dossier, action, official(user), Request(**asked), CHANGES.get(action))

    service.__name__ = service.__qualname__ = action
    service.__doc__ = f"{TABLE[action].label} ({action}): see the transition table."
    return service


def _approve(dossier: Dossier, user: Any, *, result: Any = None, **asked: Any) -> Dossier:
    """Approve the result (4 → 9). ``result``: a :class:`dossiers.results.ResultChoice` (an
    uploaded PDF, or rendered from the template), or None to approve with the result attached
    earlier; without any, refused (:class:`DossierError`, field ``result``). The file is checked
    and written before the row lock, and removed again when the approval fails."""
    from .. import results

    request = Request(**asked)
    _check_request(TABLE["approve"], request)
    if result is not None:
        check_allowed(dossier, "approve", official(user), request.revision)
        request.result = results.prepare(dossier, result)
    try:
        return _perform(dossier, "approve", official(user), request, _decided)
    except BaseException:
        if request.result is not None:
            request.result.discard()
        raise


# Every action of the table for an official; the applicant's (``withdraw``, the answers, below)
# are refused to an official by the role check (403) like any action outside their role.
OFFICIAL_SERVICES: dict[str, Callable[..., Dossier]] = {
    action: _by_official(action) for action in TABLE
}
OFFICIAL_SERVICES["approve"] = _approve
receive = OFFICIAL_SERVICES["receive"]
refuse = OFFICIAL_SERVICES["refuse"]
return_for_completion = OFFICIAL_SERVICES["return_for_completion"]
route = OFFICIAL_SERVICES["route"]
forward = OFFICIAL_SERVICES["forward"]
request_supplement = OFFICIAL_SERVICES["request_supplement"]
receive_supplement = OFFICIAL_SERVICES["receive_supplement"]
request_fees = OFFICIAL_SERVICES["request_fees"]
mark_fees_paid = OFFICIAL_SERVICES["mark_fees_paid"]
stop = OFFICIAL_SERVICES["stop"]
apologise_and_extend = OFFICIAL_SERVICES["apologise_and_extend"]
approve = OFFICIAL_SERVICES["approve"]
return_result = OFFICIAL_SERVICES["return_result"]


def withdraw(dossier: Dossier, citizen: Citizen, reason: str) -> Dossier:
    """The applicant withdraws (status 7) while the dossier is 1, 2, 4 or 5."""
    asked = Request(note=reason[:NOTE_LIMIT])
    return _perform(dossier, "withdraw", applicant(citizen), asked)


def answer_supplement(dossier: Dossier, citizen: Citizen, note: str = "") -> Dossier:
    """The applicant sends the supplement online (5 → 4): see :func:`_answered`."""
    asked = Request(note=note[:NOTE_LIMIT])
    return _perform(dossier, "answer_supplement", applicant(citizen), asked, _answered)


def answer_completion(dossier: Dossier, citizen: Citizen, note: str = "") -> Dossier:
    """The applicant sends the completed documents (status 1 stays 1): see :func:`_answered`."""
    asked = Request(note=note[:NOTE_LIMIT])
    return _perform(dossier, "answer_completion", applicant(citizen), asked, _answered)


SYSTEM = "system"


def by_system(dossier: Dossier, action: str, note: str = "") -> Dossier:
    """``action`` taken by the portal itself on the strength of an outside system's signed word
    (the payment gateway confirmed the fees: ``mark_fees_paid``). It holds the action's roles;
    the timeline names the actor "system". Runs inside the caller's transaction when there is
    one, so the change commits with what caused it."""

    def system(dossier: Dossier) -> Actor:
        return Actor(SYSTEM, SYSTEM, TABLE[action].roles)

    asked = Request(note=note[:NOTE_LIMIT])
    return _perform(dossier, action, system, asked, CHANGES.get(action))


def perform(dossier: Dossier, user: Any, action: str, **asked: Any) -> Dossier:
    """The official's transition named ``action`` (the API's entry point)."""
    service = OFFICIAL_SERVICES.get(action)
    if service is None:
        raise DossierError(_("Unknown action."), {"action": _("This action does not exist.")})
    return service(dossier, user, **asked)


def outside_system(name: str, role: str) -> Callable[[Dossier], Actor]:
    """An outside system acting in one role of the table (the postal service reporting that it
    delivered the result); the timeline names it."""

    def resolve(dossier: Dossier) -> Actor:
        return Actor("system", name, frozenset({role}))

    return resolve


def deliver_by_system(dossier: Dossier, name: str, role: str, note: str = "") -> Dossier:
    """``return_result`` (9 → 10) reported by an outside system (``dossiers.delivery``)."""
    asked = Request(note=note[:NOTE_LIMIT])
    return _perform(dossier, "return_result", outside_system(name, role), asked, _delivered)
