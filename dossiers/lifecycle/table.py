"""The transition table: every move of a dossier's status (DOMAIN.md §3), in one place.

Each row says from which statuses an action starts, the status it leads to (``None``: the status
stays, e.g. a forward between workflow steps), who may take it, and what it requires. Nothing
else changes a submitted dossier's status: the services of :mod:`.transitions` read this table,
and so do the pages and the API that offer the actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from identity.models import Role

from ..models import Dossier, Status
from .asked import has_open_completion

# Not a staff role: the dossier's own applicant (the citizen who filed it).
APPLICANT = "applicant"

# A dossier still being worked on: an apology may move its due date.
OPEN = frozenset({Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT})
# Decisions that end the dossier's processing (DOMAIN.md §4: the end time of lateness).
FINAL = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.DECIDED})


def _no_supplement_yet(dossier: Dossier) -> bool:
    """At most one supplement request per dossier (Decree 118 art. 11)."""
    return dossier.supplement_count == 0


def _completion_asked(dossier: Dossier) -> bool:
    """A completion request of the desk waits for the applicant's answer."""
    return has_open_completion(dossier)


def _not_extended_yet(dossier: Dossier) -> bool:
    """The due date moves once, and only a dossier that has one (Mẫu 04)."""
    return not dossier.extended and dossier.due_at is not None


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[int]
    target: int | None  # None: the status does not change
    roles: frozenset[str]
    event: str  # DossierEvent.action written on the timeline
    label: Promise
    reason_required: bool = False
    items_required: bool = False  # a numbered list of what to supply (Mẫu 02)
    new_date_required: bool = False
    guard: Callable[[Dossier], bool] | None = None  # a rule beyond the status
    refusal: Promise | None = None  # the message when the status does not allow it


def _t(action, sources, target, roles, event, label, **rules) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), event, label, **rules)


R = Role
TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("receive", [1], 2, [R.RECEPTION], "accepted", _("Accept the dossier")),
        _t(
            "refuse", [1], 3, [R.RECEPTION], "refused", _("Refuse the dossier"),
            reason_required=True,
        ),
        _t(
            "return_for_completion", [1], None, [R.RECEPTION], "returned_for_completion",
            _("Return for completion"), reason_required=True, items_required=True,
        ),
        _t("route", [2], 4, [R.RECEPTION], "routed", _("Send to the processing department")),
        _t(
            "forward", [4], None, [R.SPECIALIST, R.DIVISION_HEAD, R.LEADER], "step",
            _("Hand over to the next step"),
        ),
        _t(
            "request_supplement", [4], 5, [R.SPECIALIST, R.DIVISION_HEAD],
            "supplement_requested", _("Request a supplement"), reason_required=True,
            items_required=True, guard=_no_supplement_yet,
        ),
        _t(
            "receive_supplement", [5], 4, [R.RECEPTION, R.SPECIALIST], "supplemented",
            _("Receive the supplement"),
        ),
        _t(
            "request_fees", [4], 6, [R.SPECIALIST, R.DIVISION_HEAD], "payment_requested",
            _("Request fees or taxes"),
        ),
        _t("mark_fees_paid", [6], 4, [R.RECEPTION], "paid", _("Record the payment at the desk")),
        _t(
            "stop", [4, 5], 8, [R.DIVISION_HEAD, R.LEADER], "stopped", _("Stop processing"),
            reason_required=True,
        ),
        _t(
            "apologise_and_extend", OPEN, None, [R.LEADER], "rescheduled",
            _("Apologise and move the due date"), reason_required=True, new_date_required=True,
            guard=_not_extended_yet,
        ),
        _t("approve", [4], 9, [R.LEADER], "decided", _("Approve the result")),
        _t("return_result", [9], 10, [R.RECEPTION], "result_returned", _("Deliver the result")),
        _t(
            "withdraw", [1, 2, 4, 5], 7, [APPLICANT], "withdrawn", _("Withdraw the dossier"),
            refusal=_("This dossier can no longer be withdrawn."),
        ),
        # The applicant's answer online; receive_supplement stays for answers at the desk.
        _t(
            "answer_supplement", [5], 4, [APPLICANT], "supplement_sent",
            _("Send the supplement"),
            refusal=_("This dossier no longer waits for a supplement from you."),
        ),
        _t(
            "answer_completion", [1], None, [APPLICANT], "completion_sent",
            _("Send the completed documents"), guard=_completion_asked,
            refusal=_("This dossier no longer waits for documents from you."),
        ),
    ]
}  # fmt: skip
ACTIONS: tuple[str, ...] = tuple(TABLE)


def sources_of(action: str) -> frozenset[int]:
    return TABLE[action].sources


def statuses_acted_on(roles: Iterable[str]) -> frozenset[int]:
    """The statuses in which holders of ``roles`` have something to do (their inbox)."""
    roles = frozenset(roles)
    return frozenset(s for t in TABLE.values() if t.roles & roles for s in t.sources)


def available(dossier: Dossier, roles: Iterable[str]) -> list[str]:
    """The actions holders of ``roles`` may take on ``dossier`` now, in table order."""
    roles = frozenset(roles)
    return [
        t.action
        for t in TABLE.values()
        if dossier.status in t.sources and t.roles & roles and (t.guard is None or t.guard(dossier))
    ]
