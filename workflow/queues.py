"""The officials' work queues: my queue, my department's shared queue and, for leaders, the agency.

- **all** (the first tab, and the API's default): every dossier on which the transition table
  gives the official's roles an action in their agencies, plus their own and their units'
  steps wherever the dossier was received;
- **mine**: the open workflow steps assigned to me (:class:`ProcessStep` ``assignee``), plus the
  desk's work for a reception official: the dossiers of their agencies in the statuses where the
  transition table lets the desk act (1, 2, 5, 6, 9);
- **department**: the open steps waiting in the shared queue (no assignee) of one of my units,
  for a role I hold there. A role held in a division covers that division and the agency
  itself; a role held in an agency without a division covers the agency and all its divisions
  (the rule :func:`identity.access.roles_in` applies to claiming);
- **agency**: for an agency-wide role (:data:`AGENCY_ROLES`), every unfinished dossier of the
  agency, routed or not, whoever works on it (oversight; not part of "all").

A step belongs to the queues only while its dossier is in the workflow (statuses 4, 5, 6): the
step of an approved dossier stays open in the record but nobody works on it any more.

Query shapes (PostgreSQL; every one bounded, none per row). Other databases (SQLite, the
embedded demo's) have no arrays: there :func:`scope_of` reads the units and the assigned steps
in two more queries, the shared queue is a plain ``IN (subquery)`` and a page is read from the
OR of its parts (:func:`on_postgres`).

1. :func:`scope_of`: one query on the official's staff roles, with two arrays computed in it:
   the units each role covers and the dossiers of the steps assigned to the official (partial
   index ``open_steps_by_assignee`` on ``(assignee_id) WHERE finished_at IS NULL``).
2. The shared queue is ``dossier.id = ANY(ARRAY(SELECT dossier_id FROM process_step WHERE
   finished_at IS NULL AND assignee_id IS NULL AND (handed_to_id = ANY(units) AND role = r) OR
   …))``: the array is an init plan read from the partial index ``open_process_steps`` on
   ``(handed_to_id, role) WHERE finished_at IS NULL``, and ``id = ANY(…)`` is an index
   condition on the primary key, so a tab that mixes it with the desk's statuses (index
   ``(receiving_agency_id, status)``) is a BitmapOr of index scans, never a sequential scan.
3. :func:`counts`: on PostgreSQL, without a step or due filter, two small reads of the counters
   the database keeps in the transaction of every change (:mod:`workflow.counters`,
   :func:`kept_counts`). Otherwise (:func:`counted`) one ``GROUP BY status, procedure`` over
   "all" and "agency" with ``COUNT(*) FILTER`` per tab. Either way the tab counts, the status
   counts, the procedures offered in the filter and the page's total all come from it (no
   separate ``COUNT`` for the paginator).
4. The page (:mod:`workflow.urgent`): each of the queue's :func:`branches` gives the ids of
   its first rows in urgency order from an index (``dossier_inbox_urgency_status`` per agency,
   ``dossier_urgency_by_id`` for step queues); one query reads the page from their union;
   then one query for the open steps of the page's dossiers (:func:`open_steps`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Count, F, Lookup, Min, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from dossiers.lifecycle.table import statuses_acted_on
from dossiers.models import Dossier, Status
from identity import access
from identity.models import Role, StaffRole
from procedures.models import Agency, DurationUnit

from . import counters
from .calendar import TZ, calendar_for, local
from .models import (
    STEP_ROLES,
    DossierCount,
    ProcessStep,
    StepCount,
    WorkflowStep,
    WorkingHours,
)

MINE, DEPARTMENT, AGENCY, ALL = "mine", "department", "agency", "all"
QUEUES = (MINE, DEPARTMENT, AGENCY)
QUEUE_LABELS = {
    ALL: _("All my work"),
    MINE: _("My queue"),
    DEPARTMENT: _("My department's shared queue"),
    AGENCY: _("The whole agency"),
}
OVERDUE, SOON, IN_TIME = "overdue", "soon", "in_time"
DUE_CHOICES = {
    OVERDUE: _("Overdue"),
    SOON: _("Due within one working day"),
    IN_TIME: _("In time"),
}

# A dossier in a department workflow: its open step's holder works on it or waits for it.
IN_WORKFLOW = frozenset({Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT})
# Not finished: what a leader oversees (a decided dossier still waits for its delivery).
UNFINISHED = frozenset(
    {
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.PROCESSING,
        Status.SUPPLEMENT,
        Status.PAYMENT,
        Status.DECIDED,
    }
)
# Where the one-stop desk acts, as the transition table says (receive, route, fees, result…).
DESK_STATUSES = statuses_acted_on([Role.RECEPTION])
# Roles that oversee their whole agency.
AGENCY_ROLES = frozenset({Role.LEADER})
_STEP_ROLES = frozenset(value for value, _label in STEP_ROLES)


class AnyOf(Lookup):
    """``field = ANY(array)``: unlike ``IN (subquery)``, an index condition even inside an OR."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


@dataclass(frozen=True)
class Scope:
    """What one official holds, read once per request by :func:`scope_of`."""

    user_id: int | None
    held: dict[int, frozenset[str]] = field(default_factory=dict)  # roles by agency
    desk: frozenset[int] = frozenset()  # agencies where the official is at the desk
    units: dict[str, frozenset[int]] = field(default_factory=dict)  # step role → units
    leads: frozenset[int] = frozenset()  # agencies the official oversees
    assigned: frozenset[int] = frozenset()  # dossiers of the open steps assigned to them

    def queues(self) -> list[str]:
        """The tabs this official has: everyone has "mine"; the others when they apply."""
        found = [MINE]
        if self.units:
            found.append(DEPARTMENT)
        if self.leads:
            found.append(AGENCY)
        return found


def on_postgres() -> bool:
    """The database has arrays (``ARRAY(subquery)``, ``= ANY``): the fast forms apply."""
    return connection.vendor == "postgresql"


def scope_of(user: Any) -> Scope:
    """The official's roles, units and assigned steps, in one query (see the module's notes)."""
    if not _may_act(user):
        return Scope(None)
    units = Agency.objects.filter(
        Q(pk=OuterRef("agency_id"))
        | Q(parent_id=OuterRef("agency_id"), level=Agency.Level.DIVISION)
    ).values("pk")
    assigned = (
        ProcessStep.objects.filter(
            assignee_id=user.pk, finished_at=None, dossier__status__in=sorted(IN_WORKFLOW)
        )
        .order_by()
        .values("dossier_id")
    )
    roles = StaffRole.objects.filter(user_id=user.pk)
    if on_postgres():
        rows = roles.annotate(covered=ArraySubquery(units), mine=ArraySubquery(assigned))
        rows = rows.values_list("agency_id", "division_id", "role", "covered", "mine")
    else:
        rows = _rows_without_arrays(roles, assigned)
    held: dict[int, set[str]] = {}
    unit_sets: dict[str, set[int]] = {}
    mine: set[int] = set()
    for agency_id, division_id, role, covered, assigned_ids in rows:
        held.setdefault(agency_id, set()).add(role)
        mine.update(assigned_ids)
        if role in _STEP_ROLES:
            unit_sets.setdefault(role, set()).update(
                {agency_id, division_id} if division_id else covered
            )
    return Scope(
        user.pk,
        held={agency_id: frozenset(roles) for agency_id, roles in held.items()},
        desk=frozenset(a for a, roles in held.items() if Role.RECEPTION in roles),
        units={role: frozenset(ids) for role, ids in unit_sets.items()},
        leads=frozenset(a for a, roles in held.items() if roles & AGENCY_ROLES),
        assigned=frozenset(mine),
    )


def _rows_without_arrays(roles: QuerySet[StaffRole], assigned: QuerySet) -> list[tuple]:
    """:func:`scope_of`'s rows where the database has no arrays: three queries."""
    found = list(roles.values_list("agency_id", "division_id", "role"))
    agencies = {agency_id for agency_id, _division, _role in found}
    covered: dict[int, list[int]] = {agency_id: [agency_id] for agency_id in agencies}
    divisions = Agency.objects.filter(parent_id__in=agencies, level=Agency.Level.DIVISION)
    for pk, parent_id in divisions.values_list("pk", "parent_id"):
        covered[parent_id].append(pk)
    mine = list(assigned.values_list("dossier_id", flat=True)) if found else []
    return [(a, d, role, covered[a], mine) for a, d, role in found]


def _may_act(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and not access.is_citizen(user)
    )


# --- which dossiers each queue holds -------------------------------------------------------------


def shared_steps(scope: Scope) -> QuerySet[ProcessStep]:
    """The open, unassigned steps of the official's units for the roles they hold there."""
    wanted = Q(pk__in=[])
    for role, unit_ids in sorted(scope.units.items()):
        wanted |= Q(role=role, handed_to_id__in=sorted(unit_ids))
    return ProcessStep.objects.filter(wanted, finished_at=None, assignee=None)


def condition(scope: Scope, queue: str, *, per_row: bool = False) -> Q:
    """The dossiers of ``queue`` (:data:`ALL`: what the official's roles act on, and their
    steps): the OR of its :func:`branches`."""
    found = Q(pk__in=[])
    for branch in branches(scope, queue, per_row=per_row):
        found |= branch
    return found


def branches(
    scope: Scope,
    queue: str,
    *,
    per_row: bool = False,
    steps_at: dict[str, dict[int, frozenset[int]]] | None = None,
) -> list[Q]:
    """The parts whose union is ``queue``, each readable in urgency order from one index: one
    per agency (its statuses, :func:`agency_parts`) and the dossiers of the official's steps
    (assigned: ``mine``; in the shared queue: ``shared``).

    ``per_row``: the form for a test made on every row (a count's ``FILTER``), where a hashed
    ``IN (subquery)`` beats scanning an array; in ``WHERE``, ``= ANY(ARRAY(…))`` lets the
    primary key's index answer (see the module's notes).

    ``steps_at`` (from the counters, :attr:`Counts.steps_at`): per kind of step, the agencies
    and statuses of the step dossiers that no per-agency part already holds. The step parts
    then read only those, one per agency from the agency's urgency index, the step's
    dossier ids a hashed filter; none at all when every step dossier is already there."""
    found = _per_agency(agency_parts(scope, queue))
    for kind in STEP_KINDS[queue]:
        ids = _step_ids(scope, kind, hashed=per_row or steps_at is not None)
        if ids is None:
            continue
        if steps_at is None:
            found.append(ids & Q(status__in=sorted(IN_WORKFLOW)))
        else:
            found += [ids & part for part in _per_agency(steps_at.get(kind, {}))]
    return found


MINE_STEPS, SHARED_STEPS = "mine", "shared"
# The kinds of steps whose dossiers a queue holds.
STEP_KINDS = {
    ALL: (MINE_STEPS, SHARED_STEPS),
    MINE: (MINE_STEPS,),
    DEPARTMENT: (SHARED_STEPS,),
    AGENCY: (),
}


def agency_parts(scope: Scope, queue: str) -> dict[int, frozenset[int]]:
    """The statuses ``queue`` holds per agency, whoever works on the dossiers."""
    desk = dict.fromkeys(scope.desk, DESK_STATUSES)
    if queue == MINE:
        return _statuses_of(desk)
    if queue == AGENCY:
        return _statuses_of(dict.fromkeys(scope.leads, UNFINISHED))
    if queue == DEPARTMENT:
        return {}
    return _statuses_of({a: statuses_acted_on(roles) for a, roles in scope.held.items()}, desk)


def _step_ids(scope: Scope, kind: str, *, hashed: bool) -> Q | None:
    """The dossiers of the official's assigned (``mine``) or shared steps; None: there are
    none. ``hashed``: ``IN (subquery)``, else (PostgreSQL) ``= ANY(ARRAY(subquery))``."""
    if kind == MINE_STEPS:
        return Q(pk__in=sorted(scope.assigned)) if scope.assigned else None
    if not scope.units:
        return None
    shared = shared_steps(scope).order_by().values("dossier_id")
    if hashed or not on_postgres():
        return Q(pk__in=shared)
    return Q(AnyOf(F("pk"), ArraySubquery(shared)))


def _statuses_of(*maps: dict[int, Iterable[int]]) -> dict[int, frozenset[int]]:
    """Statuses per agency, the union of ``maps``."""
    found: dict[int, set[int]] = {}
    for statuses in maps:
        for agency_id, wanted in statuses.items():
            found.setdefault(agency_id, set()).update(wanted)
    return {agency_id: frozenset(wanted) for agency_id, wanted in found.items()}


def _per_agency(statuses: dict[int, Iterable[int]]) -> list[Q]:
    return [
        Q(receiving_agency_id=agency_id, status__in=sorted(wanted))
        for agency_id, wanted in sorted(statuses.items())
        if wanted
    ]


# --- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the official narrowed the list to; ``None`` is "any"."""

    procedure: str | None = None  # national code
    status: int | None = None
    step: str | None = None  # the open step's name
    due: str | None = None  # OVERDUE, SOON, IN_TIME


def due_condition(due: str, now: datetime.datetime) -> Q:
    """Dossiers overdue, due within one working day of ``now`` or later, judged like the
    inbox's badges: overdue from the day after the due date; "soon" up to one working day of
    the receiving agency's calendar (the default one, or the agency's own working hours)."""
    today = datetime.datetime.combine(local(now).date(), datetime.time(), tzinfo=TZ)
    if due == OVERDUE:
        return Q(due_at__lt=today)
    own = {hours.agency_id: hours for hours in WorkingHours.objects.select_related("agency")}
    limit = calendar_for(None).due_at(now, Decimal(1), DurationUnit.WORKING_DAY)
    if due == SOON:
        near = Q(due_at__lte=limit) & ~Q(receiving_agency_id__in=sorted(own))
    else:
        near = Q(due_at__gt=limit) & ~Q(receiving_agency_id__in=sorted(own))
    for agency_id, hours in own.items():
        theirs = calendar_for(hours.agency).due_at(now, Decimal(1), DurationUnit.WORKING_DAY)
        bound = Q(due_at__lte=theirs) if due == SOON else Q(due_at__gt=theirs)
        near |= Q(receiving_agency_id=agency_id) & bound
    return Q(due_at__gte=today) & near


def narrowed(
    queryset: QuerySet[Dossier],
    filters: Filters,
    now: datetime.datetime,
    *,
    with_status: bool = True,
    with_procedure: bool = True,
) -> QuerySet[Dossier]:
    """``queryset`` narrowed by ``filters`` (the status and procedure may be left out: the
    counts group by them)."""
    if with_status and filters.status is not None:
        queryset = queryset.filter(status=filters.status)
    if with_procedure and filters.procedure:
        queryset = queryset.filter(procedure__national_code=filters.procedure)
    if filters.step:
        at_step = ProcessStep.objects.filter(finished_at=None, name=filters.step)
        queryset = queryset.filter(pk__in=at_step.values("dossier_id"))
    if filters.due:
        queryset = queryset.filter(due_condition(filters.due, now))
    return queryset


# --- what the page and the API read ----------------------------------------------------------


def dossiers(
    scope: Scope,
    queue: str,
    filters: Filters,
    now: datetime.datetime,
    counted_by: Counts | None = None,
):
    """The dossiers of ``queue`` narrowed by ``filters``, most urgent first: overdue first
    (the earliest due dates), then the nearest due dates, then those without one. Sliced
    (a page), it reads only that page's rows (:class:`workflow.urgent.UrgentList`).
    ``counted_by``: the queue's :func:`counts`, whose counters tell where its step dossiers
    are (:func:`branches`' ``steps_at``)."""
    from .urgent import UrgentList

    at = counted_by.steps_at if counted_by is not None else None
    parts = branches(scope, queue, steps_at=at[queue] if at is not None else None)
    return UrgentList([narrowed(Dossier.objects.filter(b), filters, now) for b in parts])


@dataclass
class Counts:
    """The counts of one official's queues under the filters other than status and procedure."""

    rows: list[dict[str, Any]]  # one per (status, procedure): code, name, and a count per queue
    # From the counters (:func:`kept_counts`): per queue, :func:`branches`' ``steps_at``.
    steps_at: dict[str, dict[str, dict[int, frozenset[int]]]] | None = None

    def per_queue(self, procedure: str | None = None, status: int | None = None) -> dict:
        totals = dict.fromkeys((ALL, *QUEUES), 0)
        for row in self._matching(procedure, status):
            for queue in totals:
                totals[queue] += row[queue]
        return totals

    def per_status(self, queue: str, procedure: str | None = None) -> dict[int, int]:
        found: dict[int, int] = {}
        for row in self._matching(procedure, None):
            if row[queue]:
                found[row["status"]] = found.get(row["status"], 0) + row[queue]
        return dict(sorted(found.items()))

    def procedures(self, queue: str) -> list[tuple[str, str]]:
        """The procedures present in ``queue`` (code, name), for the filter."""
        return sorted({(r["code"], r["name"]) for r in self.rows if r[queue]})

    def _matching(self, procedure: str | None, status: int | None) -> Iterable[dict]:
        for row in self.rows:
            if procedure and row["code"] != procedure:
                continue
            if status is not None and row["status"] != status:
                continue
            yield row


def counts(scope: Scope, filters: Filters, now: datetime.datetime) -> Counts:
    """Per status and procedure, how many dossiers each queue holds: from the counters the
    database keeps (:mod:`workflow.counters`, two small reads) unless a step or due-date
    filter narrows the queues (the counters know neither), else one aggregate query."""
    if filters.step is None and filters.due is None and counters.kept():
        return kept_counts(scope)
    return counted(scope, filters, now)


def counted(scope: Scope, filters: Filters, now: datetime.datetime) -> Counts:
    """:func:`counts` from the dossiers themselves: one aggregate query."""
    base = narrowed(
        Dossier.objects.filter(condition(scope, ALL, per_row=True) | condition(scope, AGENCY)),
        filters,
        now,
        with_status=False,
        with_procedure=False,
    )
    per_queue = {
        queue: Count("pk", filter=condition(scope, queue, per_row=True)) for queue in (ALL, *QUEUES)
    }
    # Grouped by integers only (a hash aggregate); the procedure's code and name ride along
    # (one per procedure id): grouping by them would sort every row by text.
    grouped = (
        base.order_by()
        .values("status", "procedure_id")
        .annotate(code=Min("procedure__national_code"), name=Min("procedure__name"), **per_queue)
    )
    return Counts(
        [{key: row[key] for key in (ALL, *QUEUES, "status", "code", "name")} for row in grouped]
    )


def kept_counts(scope: Scope) -> Counts:
    """:func:`counts` without step or due filter, from the counters: the dossiers of the
    queues' per-agency parts (:class:`DossierCount` rows of their agencies and statuses), then
    the open steps of "mine" and the shared queue (:class:`StepCount`) whose dossier no
    per-agency part of the same queue already counts. A dossier has one open step at a time
    (routing closes a step as it opens the next), so no dossier counts twice in a queue."""
    parts = {queue: agency_parts(scope, queue) for queue in (ALL, *QUEUES)}
    # Per queue and kind of step, the agencies and statuses of the step dossiers counted.
    steps_at: dict[str, dict[str, dict[int, set[int]]]] = {queue: {} for queue in parts}
    rows: dict[tuple[int, int], dict[str, Any]] = {}

    def row_for(found: dict) -> dict[str, Any]:
        key = (found["k_status"], found["k_procedure"])
        if key not in rows:
            rows[key] = {
                "status": found["k_status"],
                "code": found["k_code"],
                "name": found["k_name"],
                **dict.fromkeys((ALL, *QUEUES), 0),
            }
        return rows[key]

    wanted = Q(pk__in=[])
    for agency_id in {a for statuses in parts.values() for a in statuses}:
        statuses = set().union(*(p.get(agency_id, ()) for p in parts.values()))
        wanted |= Q(agency_id=agency_id, status__in=sorted(statuses))
    steps = _step_counters(scope, (MINE_STEPS, SHARED_STEPS))
    # One query: the dossier counters (no unit, role nor holder) and the step counters.
    dossier_rows = DossierCount.objects.filter(wanted, n__gt=0).annotate(
        k_unit=Value(0), k_role=Value(""), k_holder=Value(-1), **_COUNTED
    )
    step_rows = StepCount.objects.filter(steps, status__in=sorted(IN_WORKFLOW), n__gt=0)
    step_rows = step_rows.annotate(
        k_unit=F("unit_id"), k_role=F("role"), k_holder=F("assignee_id"), **_COUNTED
    )
    names = ("k_unit", "k_role", "k_holder", *_COUNTED)
    for found in dossier_rows.values(*names).union(step_rows.values(*names), all=True):
        if found["k_holder"] < 0:  # a dossier counter
            for queue, statuses in parts.items():
                if found["k_status"] in statuses.get(found["k_agency"], ()):
                    row_for(found)[queue] += found["k_n"]
            continue
        agency_id, status = found["k_agency"], found["k_status"]
        kind = MINE_STEPS if found["k_holder"] == scope.user_id else SHARED_STEPS
        if kind == SHARED_STEPS and found["k_unit"] not in scope.units.get(found["k_role"], ()):
            continue
        for queue in parts:
            if kind in STEP_KINDS[queue] and status not in parts[queue].get(agency_id, ()):
                row_for(found)[queue] += found["k_n"]
                steps_at[queue].setdefault(kind, {}).setdefault(agency_id, set()).add(status)
    return Counts(
        [row for row in rows.values() if row[ALL] or row[AGENCY]],
        {
            queue: {kind: _statuses_of(at) for kind, at in kinds.items()}
            for queue, kinds in steps_at.items()
        },
    )


# The columns both counters give, under names of their own (a union lists them in one order).
_COUNTED = {
    "k_agency": F("agency_id"),
    "k_status": F("status"),
    "k_procedure": F("procedure_id"),
    "k_code": F("procedure__national_code"),
    "k_name": F("procedure__name"),
    "k_n": F("n"),
}


# What the inbox shows of an open step (the page and the API): not the units' addresses and
# phones, nor the holder's password hash.
STEP_SHOWN = (
    *(f.attname for f in ProcessStep._meta.concrete_fields),
    "handed_over_by__code",
    "handed_over_by__name",
    "handed_over_by__short_name",
    "handed_to__code",
    "handed_to__name",
    "handed_to__short_name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def open_steps(dossier_ids: Iterable[int]) -> dict[int, ProcessStep]:
    """The open step of each dossier (by id), in one query."""
    steps = (
        ProcessStep.objects.filter(dossier_id__in=list(dossier_ids), finished_at=None)
        .select_related("handed_over_by", "handed_to", "assignee")
        .only(*STEP_SHOWN)
        .order_by("dossier_id", "order")
    )
    return {step.dossier_id: step for step in steps}


def step_names(scope: Scope, queue: str) -> list[str]:
    """The step names offered by the step filter of ``queue``.

    "Mine" and the shared queue: the names of their open steps. The agency and "all", which
    may hold tens of thousands of open steps, offer the names of the workflow templates' steps
    (a small table: routing copies a step's name from its template) and those of the
    official's own and shared steps; a name no dossier of the queue is at simply finds none.
    On PostgreSQL the open steps' names come from the step counters (one small read)."""
    if queue == AGENCY and not scope.leads:
        return []
    kinds = STEP_KINDS[queue] or (MINE_STEPS, SHARED_STEPS)
    planned = WorkflowStep.objects.order_by().values_list("name", flat=True).distinct()
    if counters.kept():
        counted_steps = StepCount.objects.filter(
            _step_counters(scope, kinds), status__in=sorted(IN_WORKFLOW), n__gt=0
        )
        names = counted_steps.order_by().values_list("name", flat=True).distinct()
        if queue in (ALL, AGENCY):
            names = names.union(planned)  # one query
        return sorted(names)
    return step_names_from_rows(scope, queue)


def step_names_from_rows(scope: Scope, queue: str) -> list[str]:
    """:func:`step_names` read from the open steps themselves."""
    if queue == AGENCY and not scope.leads:
        return []
    planned = WorkflowStep.objects.order_by().values_list("name", flat=True).distinct()
    steps = ProcessStep.objects.filter(finished_at=None, dossier__status__in=sorted(IN_WORKFLOW))
    mine = _names(steps.filter(assignee_id=scope.user_id)) if scope.user_id else []
    shared = _names(shared_steps(scope)) if scope.units else []
    if queue == MINE:
        return mine
    if queue == DEPARTMENT:
        return shared
    return sorted({*planned, *mine, *shared})


def _step_counters(scope: Scope, kinds: Iterable[str]) -> Q:
    """The :class:`StepCount` rows of the official's assigned and/or shared steps."""
    found = Q(pk__in=[])
    if MINE_STEPS in kinds and scope.user_id:
        found |= Q(assignee_id=scope.user_id)
    if SHARED_STEPS in kinds:
        for role, unit_ids in sorted(scope.units.items()):
            found |= Q(assignee_id=0, role=role, unit_id__in=sorted(unit_ids))
    return found


def _names(steps: QuerySet[ProcessStep]) -> list[str]:
    return list(steps.order_by("name").values_list("name", flat=True).distinct())
