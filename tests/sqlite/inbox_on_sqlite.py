"""The back-office inbox on SQLite, the embedded demo's database (no ``DATABASE_URL``).

Not collected by the PostgreSQL suite (the name does not start with ``test_``):
``tests/test_backoffice_sqlite.py`` runs this file in a process without ``DATABASE_URL``, so the
queue SQL really executes on SQLite. The queues use PostgreSQL-only forms there (arrays,
``= ANY``); this proves their SQLite forms give the same rows and counts.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from dossiers.lifecycle import transitions
from dossiers.models import Dossier, Status
from identity.models import Role
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory, sign_in
from workflow import routing
from workflow.tasks import route_dossier

pytestmark = pytest.mark.django_db

PAGE = "/backoffice/dossiers/"
API = "/api/v1/backoffice/dossiers/"


def test_the_database_is_sqlite():
    assert connection.vendor == "sqlite"


@pytest.fixture
def ward():
    """Officials of the home ward; one new dossier (the desk's), one in the specialists'
    shared queue, one taken by the specialist, one refused (finished: in no queue)."""
    staff = {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.LEADER)
    }
    desk = staff[Role.RECEPTION]
    applicant = CitizenFactory(id_number="079085000001")
    new, shared, taken, refused = (
        DossierFactory(submitted=True, applicant=applicant, key=f"key-{i}") for i in range(4)
    )
    for dossier in (shared, taken):
        transitions.receive(dossier, desk)
        route_dossier(transitions.route(Dossier.objects.get(pk=dossier.pk), desk).code)
    routing.claim_current(Dossier.objects.get(pk=taken.pk), staff[Role.SPECIALIST])
    transitions.refuse(refused, desk, note="Sai thẩm quyền")
    return {"staff": staff, "new": new.code, "shared": shared.code, "taken": taken.code}


def page(user, **query) -> tuple[list[str], dict[str, int]]:
    response = sign_in(Client(), user).get(PAGE, query)
    assert response.status_code == 200
    codes = [row["dossier"].code for row in response.context["rows"]]
    return codes, {tab["key"]: tab["count"] for tab in response.context["queues"]}


def api(user, **query) -> tuple[list[str], dict[str, int]]:
    response = sign_in(Client(), user).get(API, query)
    assert response.status_code == 200, response.content
    body = response.json()
    return [row["code"] for row in body["results"]], body["counts"]


@pytest.mark.parametrize("read", [page, api], ids=["page", "api"])
def test_every_queue_answers_its_rows_and_counts_on_sqlite(ward, read):
    staff = ward["staff"]
    desk, specialist, leader = staff[Role.RECEPTION], staff[Role.SPECIALIST], staff[Role.LEADER]
    assert read(desk, queue="mine")[0] == [ward["new"]]
    assert read(specialist, queue="mine")[0] == [ward["taken"]]
    shared, counts = read(specialist, queue="department")
    assert shared == [ward["shared"]]
    assert (counts["all"], counts["mine"], counts["department"]) == (2, 1, 1)
    everything, counts = read(leader, queue="agency")
    assert sorted(everything) == sorted([ward["new"], ward["shared"], ward["taken"]])
    assert counts["agency"] == 3
    assert read(leader, queue="agency", status=Status.SUBMITTED)[0] == [ward["new"]]


def test_the_step_filter_on_sqlite(ward):
    leader = ward["staff"][Role.LEADER]
    step = routing.current_step(Dossier.objects.get(code=ward["shared"])).name
    response = sign_in(Client(), leader).get(PAGE, {"queue": "agency"})
    assert step in response.context["steps"]
    codes, _counts = page(leader, queue="agency", step=step)
    assert sorted(codes) == sorted([ward["shared"], ward["taken"]])
