"""The inbox's counters (``workflow.counters``): kept by the database in the transaction of every
change, they always equal what counting the rows gives.

A random journey of dossiers through the services (submission, reception, refusal, routing and
the routing task, claims and releases, forwards, supplements, fees, stops, withdrawals) leaves
the counters equal to the rows, and every official's tab counts and queue pages equal the ones
read from the rows; concurrent transitions (one connection per thread, as gunicorn workers)
lose no count; a drifted counter is found and rebuilt by ``manage.py queue_counts``.
"""

from __future__ import annotations

import itertools
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dossiers.errors import DossierError
from dossiers.lifecycle import transitions
from dossiers.lifecycle.table import available
from dossiers.models import Dossier, Status
from identity.models import Role
from tests.conftest import requires_postgres
from tests.factories import HOME_WARD, MARRIAGE, CitizenFactory, DossierFactory, OfficialFactory
from tests.test_submission_concurrency import run_in_threads
from workflow import counters, queues, routing
from workflow.models import DossierCount, ProcessStep, StepCount

pytestmark = [requires_postgres, pytest.mark.postgres]

_people = itertools.count(1)


def staff() -> dict[str, list]:
    """Two officials per role of the ward (the second specialist competes for steps)."""
    found: dict[str, list] = {}
    for role in (Role.RECEPTION, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER):
        found[role] = [
            OfficialFactory(username=f"c.{role}.{n}", role=role, agency=HOME_WARD) for n in (1, 2)
        ]
    return found


def submitted(count: int) -> list[Dossier]:
    applicant = CitizenFactory(id_number=f"0790851{next(_people):05d}")
    return [
        DossierFactory(submitted=True, applicant=applicant, key=f"count-{n}") for n in range(count)
    ]


def fresh(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def step_holders(dossier: Dossier, people: dict[str, list]) -> list:
    """The officials who may work on the dossier's open step (its role, its holder if taken)."""
    step = routing.current_step(dossier)
    if step is None:
        return []
    if step.assignee_id is not None:
        return [step.assignee]
    return people.get(step.role, [])


def one_move(rng: random.Random, dossier: Dossier, people: dict[str, list]) -> None:
    """One random thing that can happen to ``dossier`` now, through the services."""
    dossier = fresh(dossier)
    step = routing.current_step(dossier) if dossier.status in queues.IN_WORKFLOW else None
    moves = []
    for role, officials in people.items():
        for action in available(dossier, {role}):
            if action in {"approve", "apologise_and_extend", "return_result"}:
                continue  # need a result file or a date: other tests cover them
            for official in officials:
                moves.append((action, official))
    if step is not None:
        for official in step_holders(dossier, people):
            moves += [("claim", official), ("release", official)]
    if dossier.status in {Status.SUBMITTED, Status.ACCEPTED, Status.PROCESSING}:
        moves.append(("withdraw", None))
    ending = {"refuse", "stop", "withdraw"}
    if rng.random() < 0.8:  # the journey goes on more often than it ends
        moves = [move for move in moves if move[0] not in ending] or moves
    if not moves:
        return
    action = rng.choice(sorted({action for action, _official in moves}))
    official = rng.choice([official for named, official in moves if named == action])
    asked = {"note": "Lý do thử", "items": ["Bản sao giấy tờ"]}
    try:
        if action == "claim":
            routing.claim_current(dossier, official)
        elif action == "release":
            routing.release_current(dossier, official)
        elif action == "withdraw":
            transitions.withdraw(dossier, dossier.applicant, "Không còn nhu cầu")
        else:
            fields = {k: v for k, v in asked.items() if k == "note" or action.startswith("re")}
            if action in {"request_supplement", "return_for_completion"}:
                fields = asked
            transitions.perform(dossier, official, action, **fields)
    except DossierError:
        return  # refused (not the step's holder, a second supplement…): nothing changed
    if action in {"route", "forward", "stop", "withdraw", "refuse"}:
        routing.sync_steps(dossier.code)  # the routing task, run here


def assert_counters_exact() -> None:
    assert counters.differences() == []


def assert_same_as_the_rows(officials: list) -> None:
    """Every official's counts and pages from the counters equal those from the rows."""
    now = timezone.now()
    for official in officials:
        scope = queues.scope_of(official)
        kept = queues.kept_counts(scope)
        real = queues.counted(scope, queues.Filters(), now)
        key = ("status", "code", "name", queues.ALL, *queues.QUEUES)
        assert sorted(tuple(r[k] for k in key) for r in kept.rows) == sorted(
            tuple(r[k] for k in key) for r in real.rows
        ), official.username
        for queue in (queues.ALL, *scope.queues()):
            names = queues.step_names(scope, queue)
            assert names == queues.step_names_from_rows(scope, queue), (official, queue)
            from_counters = queues.dossiers(scope, queue, queues.Filters(), now, kept)[0:500]
            from_rows = queues.dossiers(scope, queue, queues.Filters(), now)[0:500]
            assert [d.pk for d in from_counters] == [d.pk for d in from_rows], (official, queue)
            assert len(from_rows) == kept.per_queue()[queue]


@pytest.mark.django_db
def test_a_random_journey_leaves_the_counters_equal_to_the_rows():
    people = staff()
    dossiers = submitted(12)
    rng = random.Random(20261206)
    everyone = [official for officials in people.values() for official in officials]
    seen: set[int] = set()
    for round_ in range(12):
        for dossier in dossiers:
            one_move(rng, dossier, people)
        assert_counters_exact()
        seen |= set(
            Dossier.objects.filter(pk__in=[d.pk for d in dossiers]).values_list("status", flat=True)
        )
        if round_ % 4 == 3:
            assert_same_as_the_rows(everyone)
    # The journey went places: the desk's statuses, the workflow's and an end.
    assert {Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT} <= seen, seen
    assert seen & {Status.REFUSED, Status.WITHDRAWN, Status.STOPPED}, seen
    assert ProcessStep.objects.filter(dossier__in=dossiers, assignee__isnull=False).exists()


@pytest.mark.django_db
def test_claiming_moves_a_step_from_the_shared_count_to_the_holders():
    people = staff()
    dossier = submitted(1)[0]
    desk = people[Role.RECEPTION][0]
    transitions.receive(dossier, desk)
    transitions.route(fresh(dossier), desk)
    routing.sync_steps(dossier.code)
    step = routing.current_step(dossier)
    holder = people[step.role][0]
    open_count = StepCount.objects.filter(n__gt=0)
    assert list(open_count.values_list("assignee_id", "n")) == [(0, 1)]
    routing.claim_current(dossier, holder)
    assert list(open_count.values_list("assignee_id", "n")) == [(holder.pk, 1)]
    scope = queues.scope_of(holder)
    assert queues.kept_counts(scope).per_queue()[queues.MINE] == 1
    routing.release_current(dossier, holder)
    assert list(open_count.values_list("assignee_id", "n")) == [(0, 1)]
    assert_counters_exact()


@pytest.mark.django_db
def test_a_drifted_counter_is_found_and_rebuilt(capsys):
    submitted(2)
    assert_counters_exact()
    row = DossierCount.objects.get(status=Status.SUBMITTED)
    DossierCount.objects.filter(pk=row.pk).update(n=row.n + 5)
    found = counters.differences()
    assert found == [
        ("workflow_dossiercount", (row.agency_id, Status.SUBMITTED, row.procedure_id), 7, 2)
    ]
    with pytest.raises(SystemExit) as failed:
        call_command("queue_counts", "--check")
    assert failed.value.code == 1
    assert "workflow_dossiercount" in capsys.readouterr().out
    call_command("queue_counts", "--rebuild")
    assert_counters_exact()
    assert DossierCount.objects.get(status=Status.SUBMITTED).n == 2
    call_command("queue_counts", "--check")  # exact: no exit
    assert "exact" in capsys.readouterr().out


# --- concurrent transitions (one connection per thread) -------------------------------------


@pytest.fixture
def marriage_procedure(catalogue_records):
    from procedures.importer import import_records

    report = import_records([r for r in catalogue_records if r["code"] == MARRIAGE])
    assert report.rejected == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_lose_no_count(marriage_procedure):
    """Eight desks receive, refuse and route eight dossiers each at once: every transition
    moves the same counter rows (one agency, one procedure), none is lost."""
    assert connection.vendor == "postgresql"
    desks = [
        OfficialFactory(username=f"desk-{n}", role=Role.RECEPTION, agency=HOME_WARD)
        for n in range(8)
    ]
    dossiers = submitted(64)
    assert_counters_exact()

    def work(index: int) -> int:
        done = 0
        for n, dossier in enumerate(dossiers[index::8]):
            if n % 4 == 3:
                transitions.refuse(dossier, desks[index], note="Sai thẩm quyền")
            else:
                received = transitions.receive(dossier, desks[index])
                if n % 2:
                    transitions.route(received, desks[index])
            done += 1
        return done

    results = run_in_threads(8, work)
    assert results == [8] * 8, results
    assert_counters_exact()
    by_status = dict(DossierCount.objects.filter(n__gt=0).values_list("status", "n"))
    assert by_status == {Status.ACCEPTED: 32, Status.PROCESSING: 16, Status.REFUSED: 16}


@pytest.mark.django_db(transaction=True)
def test_two_officials_on_one_dossier_count_it_once(marriage_procedure):
    """The 409 of two officials at once: the loser's transaction moved nothing."""
    desks = [
        OfficialFactory(username=f"desk-{n}", role=Role.RECEPTION, agency=HOME_WARD)
        for n in range(2)
    ]
    dossier = submitted(1)[0]
    results = run_in_threads(2, lambda i: transitions.receive(dossier, desks[i]))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Dossier"]
    assert dict(DossierCount.objects.filter(n__gt=0).values_list("status", "n")) == {
        Status.ACCEPTED: 1
    }
    assert_counters_exact()
