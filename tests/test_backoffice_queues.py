"""The officials' work queues on the inbox page: which dossiers each official finds in "my
queue", the department's shared queue and the agency, the counts per tab, the filters (status,
procedure, step, due date), another agency seeing nothing, and a bounded number of queries."""

from __future__ import annotations

import datetime
import itertools
import json

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers.lifecycle import transitions
from dossiers.models import Dossier, Status
from identity.models import Role
from tests.conftest import requires_postgres
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory, sign_in
from workflow import queues, routing
from workflow.models import DossierCount, ProcessStep
from workflow.tasks import route_dossier

pytestmark = pytest.mark.django_db

INBOX = "/backoffice/dossiers/"
SPECIALIST_STEP = "Công chức chuyên môn thụ lý"  # the ward default's step 2


@pytest.fixture
def staff():
    found = {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.LEADER)
    }
    found["specialist2"] = OfficialFactory(
        username="ward.specialist2", role=Role.SPECIALIST, agency=HOME_WARD
    )
    return found


_citizens = itertools.count(1)


def submitted(n: int) -> list[Dossier]:
    applicant = CitizenFactory(id_number=f"0790850{next(_citizens):05d}")
    return [DossierFactory(submitted=True, applicant=applicant, key=f"key-{i}") for i in range(n)]


def routed(dossier: Dossier, desk) -> Dossier:
    """Received, routed by the desk and handed to its first step (the routing task, run here)."""
    transitions.receive(dossier, desk)
    dossier = transitions.route(Dossier.objects.get(pk=dossier.pk), desk)
    route_dossier(dossier.code)
    return dossier


@pytest.fixture
def ward(staff):
    """One new dossier (the desk's), one in the specialists' shared queue, one taken by the
    first specialist."""
    new, shared, taken = submitted(3)
    routed(shared, staff[Role.RECEPTION])
    routed(taken, staff[Role.RECEPTION])
    routing.claim_current(taken, staff[Role.SPECIALIST])
    return {"new": new, "shared": shared, "taken": taken}


def client(user) -> Client:
    return sign_in(Client(), user)


def codes(response) -> list[str]:
    return [row["dossier"].code for row in response.context["rows"]]


def tab_counts(response) -> dict[str, int]:
    return {tab["key"]: tab["count"] for tab in response.context["queues"]}


def test_the_desk_finds_its_new_dossiers_in_its_queue(staff, ward):
    desk = client(staff[Role.RECEPTION])
    mine = desk.get(INBOX, {"queue": "mine"})
    assert codes(mine) == [ward["new"].code]
    # The desk's tabs: its queue and the shared queue of the result desk's steps; no agency.
    assert tab_counts(mine) == {"all": 1, "mine": 1, "department": 0}
    html = mine.content.decode()
    assert "Hàng đợi của tôi" in html and "Hàng đợi chung của đơn vị" in html
    assert "Toàn cơ quan" not in html


def test_a_specialist_finds_the_step_taken_in_their_queue_and_the_shared_one(staff, ward):
    first = client(staff[Role.SPECIALIST])
    assert codes(first.get(INBOX, {"queue": "mine"})) == [ward["taken"].code]
    shared = first.get(INBOX, {"queue": "department"})
    assert codes(shared) == [ward["shared"].code]
    assert tab_counts(shared) == {"all": 2, "mine": 1, "department": 1}
    row = shared.context["rows"][0]
    assert row["step"].name == SPECIALIST_STEP and row["step"].assignee is None
    assert "Trong hàng đợi chung" in shared.content.decode()
    second = client(staff["specialist2"])
    assert codes(second.get(INBOX, {"queue": "mine"})) == []
    assert codes(second.get(INBOX, {"queue": "department"})) == [ward["shared"].code]


def test_a_leader_sees_every_unfinished_dossier_of_the_agency(staff, ward):
    refused = submitted(1)[0]
    transitions.refuse(refused, staff[Role.RECEPTION], note="Sai thẩm quyền")
    leader = client(staff[Role.LEADER])
    agency = leader.get(INBOX, {"queue": "agency"})
    assert sorted(codes(agency)) == sorted(d.code for d in ward.values())
    assert tab_counts(agency) == {"all": 2, "mine": 0, "department": 0, "agency": 3}
    tabs = {tab["status"]: tab["count"] for tab in agency.context["tabs"]}
    assert tabs == {Status.SUBMITTED: 1, Status.PROCESSING: 2}
    only_new = leader.get(INBOX, {"queue": "agency", "status": Status.SUBMITTED})
    assert codes(only_new) == [ward["new"].code]


def test_the_step_filter_keeps_the_dossiers_at_that_step(staff, ward):
    specialist = staff[Role.SPECIALIST]
    transitions.forward(Dossier.objects.get(pk=ward["taken"].pk), specialist, note="Trình ký")
    route_dossier(ward["taken"].code)
    leader = client(staff[Role.LEADER])
    department = leader.get(INBOX, {"queue": "department"})
    assert codes(department) == [ward["taken"].code]  # now at the leader's step
    at_leader = department.context["rows"][0]["step"].name
    assert department.context["steps"] == [at_leader]
    agency = leader.get(INBOX, {"queue": "agency", "step": SPECIALIST_STEP})
    assert codes(agency) == [ward["shared"].code]
    assert leader.get(INBOX, {"queue": "agency", "step": at_leader}).context["rows"][0][
        "dossier"
    ] == Dossier.objects.get(pk=ward["taken"].pk)
    # A step name the queue does not hold is ignored, like any stale link.
    assert len(codes(leader.get(INBOX, {"queue": "agency", "step": "Không có"}))) == 3


def test_the_due_filter_sorts_dossiers_by_urgency(staff, ward):
    now = timezone.now()
    Dossier.objects.filter(pk=ward["shared"].pk).update(due_at=now - datetime.timedelta(days=3))
    Dossier.objects.filter(pk=ward["taken"].pk).update(due_at=now + datetime.timedelta(days=60))
    leader = client(staff[Role.LEADER])

    def due(value: str) -> list[str]:
        return codes(leader.get(INBOX, {"queue": "agency", "due": value}))

    assert due("overdue") == [ward["shared"].code]
    assert due("in_time") == [ward["taken"].code]
    assert due("soon") == []
    everything = leader.get(INBOX, {"queue": "agency"})
    assert codes(everything) == [ward["shared"].code, ward["taken"].code, ward["new"].code]
    assert [row["badge"].key for row in everything.context["rows"]] == ["late", "in_time", "none"]
    Dossier.objects.filter(pk=ward["taken"].pk).update(due_at=now + datetime.timedelta(hours=1))
    assert due("soon") == [ward["taken"].code]
    assert queues.due_condition("soon", now) != queues.due_condition("in_time", now)


def test_the_procedure_filter_and_its_choices(staff, ward):
    leader = client(staff[Role.LEADER])
    code = ward["new"].procedure.national_code
    response = leader.get(INBOX, {"queue": "agency", "procedure": code})
    assert len(codes(response)) == 3
    assert [c for c, _name in response.context["procedures"]] == [code]
    ignored = leader.get(INBOX, {"queue": "agency", "procedure": "9.999999"})
    assert ignored.context["procedure"] == "" and len(codes(ignored)) == 3


def test_an_official_of_another_agency_sees_nothing(ward):
    for role in (Role.RECEPTION, Role.SPECIALIST, Role.LEADER):
        other = client(OfficialFactory(username=f"tuphap.{role}", role=role, agency="H29.03"))
        for queue in ("all", "mine", "department", "agency"):
            response = other.get(INBOX, {"queue": queue})
            assert codes(response) == []
        assert set(tab_counts(response).values()) == {0}


def test_a_queue_the_official_does_not_have_falls_back_to_all(staff, ward):
    specialist = client(staff[Role.SPECIALIST])
    response = specialist.get(INBOX, {"queue": "agency"})
    assert response.context["queue"] == "all"
    assert sorted(codes(response)) == sorted([ward["shared"].code, ward["taken"].code])


def test_the_inbox_costs_the_same_queries_for_few_or_many_dossiers(staff):
    desk, specialist = staff[Role.RECEPTION], staff[Role.SPECIALIST]
    leader, worker = client(staff[Role.LEADER]), client(specialist)

    def add(n: int, taken: int) -> None:
        dossiers = submitted(n)
        for dossier in dossiers[1:]:
            routed(dossier, desk)
        for dossier in dossiers[1 : 1 + taken]:
            routing.claim_current(dossier, specialist)

    def cost(browser: Client, **query) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as seen:
            response = browser.get(INBOX, query)
        assert response.status_code == 200
        return len(seen), len(response.context["rows"])

    add(3, taken=1)
    leader.get(INBOX)
    worker.get(INBOX)
    few = {
        "agency": cost(leader, queue="agency"),
        "department": cost(worker, queue="department"),
        "mine": cost(worker, queue="mine", status=Status.PROCESSING),
    }
    add(12, taken=4)
    many = {
        "agency": cost(leader, queue="agency"),
        "department": cost(worker, queue="department"),
        "mine": cost(worker, queue="mine", status=Status.PROCESSING),
    }
    assert [rows for _queries, rows in few.values()] == [3, 1, 1]
    assert [rows for _queries, rows in many.values()] == [15, 8, 5]
    assert {queue: queries for queue, (queries, _rows) in many.items()} == {
        queue: queries for queue, (queries, _rows) in few.items()
    }
    # Session, user and the official checks, the scope, step names, counts, the page, its
    # open steps, one calendar.
    assert max(queries for queries, _rows in many.values()) <= 12


def test_a_dossier_not_routed_yet_stays_in_all_and_in_the_agency(staff):
    dossier = submitted(1)[0]
    transitions.receive(dossier, staff[Role.RECEPTION])
    transitions.route(Dossier.objects.get(pk=dossier.pk), staff[Role.RECEPTION])
    assert not ProcessStep.objects.filter(dossier=dossier).exists()  # the task has not run
    specialist = client(staff[Role.SPECIALIST])
    assert codes(specialist.get(INBOX)) == [dossier.code]
    assert codes(specialist.get(INBOX, {"queue": "department"})) == []
    assert codes(client(staff[Role.LEADER]).get(INBOX, {"queue": "agency"})) == [dossier.code]


@requires_postgres
def test_the_tab_counts_are_read_from_the_counters_the_database_keeps(staff, ward):
    """On PostgreSQL the counts come from ``workflow.counters`` (a tampered counter shows on the
    page, and ``queue_counts --rebuild`` puts it right); a due-date filter counts the rows."""
    leader = client(staff[Role.LEADER])
    before = tab_counts(leader.get(INBOX))
    assert before["agency"] == 3
    DossierCount.objects.filter(status=Status.SUBMITTED, n__gt=0).update(n=F("n") + 10)
    assert tab_counts(leader.get(INBOX))["agency"] == 13
    # The rows, with a filter the counters know nothing of: no dossier here is overdue.
    assert tab_counts(leader.get(INBOX, {"due": "overdue"}))["agency"] == 0
    call_command("queue_counts", "--rebuild")
    assert tab_counts(leader.get(INBOX)) == before


def test_the_api_rows_are_what_the_row_serializer_writes(staff, ward):
    """The inbox API writes its rows itself (``queue_rows``); they must stay exactly what the
    documented serializer gives, step (taken and shared) and actions included."""
    from rest_framework.test import APIRequestFactory

    from backoffice.api_queues import QueueRowSerializer

    specialist = staff[Role.SPECIALIST]
    answer = client(specialist).get("/api/v1/backoffice/dossiers/", HTTP_ACCEPT="application/json")
    rows = answer.json()["results"]
    assert {row["code"] for row in rows} == {ward["shared"].code, ward["taken"].code}
    page = [Dossier.objects.get(code=row["code"]) for row in rows]
    steps = queues.open_steps([d.pk for d in page])
    request = APIRequestFactory().get("/")
    request.user = specialist
    context = {
        "request": request,
        "held": queues.scope_of(specialist).held,
        "steps": steps,
    }
    expected = QueueRowSerializer(page, many=True, context=context).data
    assert rows == json.loads(json.dumps(expected, cls=DjangoJSONEncoder))
    assert {row["step"]["assignee"] for row in rows} == {None, specialist.username}
    assert all(row["actions"] for row in rows)


def test_the_page_rows_show_the_step_dates_and_links(staff, ward):
    page = client(staff[Role.SPECIALIST]).get(INBOX)
    html = page.content.decode()
    for row in page.context["rows"]:
        dossier, step = row["dossier"], row["step"]
        assert f'href="/backoffice/dossiers/{dossier.code}/"' in html
        submitted = timezone.localtime(dossier.submitted_at).strftime("%d/%m/%Y %H:%M")
        assert row["submitted"] == submitted and submitted in html
        assert row["status_label"] == str(Status(dossier.status).label)
        assert row["at_step"]["name"] == step.name
        assert row["at_step"]["deadline"] in html
    held = [row for row in page.context["rows"] if row["step"].assignee is not None]
    assert [row["at_step"]["holder"] for row in held] == [
        staff[Role.SPECIALIST].get_full_name() or staff[Role.SPECIALIST].get_username()
    ]
