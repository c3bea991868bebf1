"""Two officials acting on one dossier at the same moment (PostgreSQL, real transactions).

Each thread has its own connection, as two gunicorn workers would: the row lock lets one
transition through and the other, once it gets the row, finds the dossier moved and gets a
Conflict (409 through the API). The timeline has exactly one row for the action.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from dossiers.errors import Conflict
from dossiers.lifecycle import transitions
from dossiers.models import Dossier, DossierEvent, Status
from identity.models import Role
from tests.conftest import requires_postgres
from tests.factories import HOME_WARD, MARRIAGE, DossierFactory, OfficialFactory, sign_in
from tests.test_submission_concurrency import run_in_threads

pytestmark = [requires_postgres, pytest.mark.postgres]


@pytest.fixture
def marriage_procedure(catalogue_records):
    from procedures.importer import import_records

    report = import_records([r for r in catalogue_records if r["code"] == MARRIAGE])
    assert report.rejected == []


def desk_officials(count: int) -> list:
    return [
        OfficialFactory(username=f"desk-{n}", role=Role.RECEPTION, agency=HOME_WARD)
        for n in range(count)
    ]


def assert_one_transition(dossier: Dossier, status: int, action: str) -> None:
    dossier.refresh_from_db()
    assert dossier.status == status
    assert DossierEvent.objects.filter(dossier=dossier, action=action).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officials_receiving_at_once_give_one_transition_and_one_conflict(
    marriage_procedure,
):
    assert connection.vendor == "postgresql"
    dossier = DossierFactory(submitted=True)
    officials = desk_officials(2)

    def receive(index: int):
        return transitions.receive(dossier, officials[index])

    results = run_in_threads(2, receive)

    won = [r for r in results if isinstance(r, Dossier)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(won), len(lost)) == (1, 1), results
    assert won[0].status == Status.ACCEPTED
    assert "Đã tiếp nhận" in lost[0].message
    assert_one_transition(dossier, Status.ACCEPTED, "accepted")


@pytest.mark.django_db(transaction=True)
def test_receive_and_refuse_at_once_through_the_api_give_200_and_409(marriage_procedure):
    dossier = DossierFactory(submitted=True)
    clients = [sign_in(Client(), official) for official in desk_officials(2)]
    bodies = [{"action": "receive"}, {"action": "refuse", "note": "Sai thẩm quyền"}]
    url = f"/api/v1/backoffice/dossiers/{dossier.code}/transitions/"

    def post(index: int):
        return clients[index].post(url, bodies[index], content_type="application/json")

    responses = run_in_threads(2, post)

    assert sorted(r.status_code for r in responses) == [200, 409], responses
    winner = next(r for r in responses if r.status_code == 200).json()
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["error"]["status"] == 409 and loser["error"]["detail"]
    dossier.refresh_from_db()
    assert dossier.status == winner["status"] in (Status.ACCEPTED, Status.REFUSED)
    official_events = DossierEvent.objects.filter(dossier=dossier, actor_type="official")
    assert official_events.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_forwards_with_the_same_revision_give_one_step(marriage_procedure):
    """A forward keeps status 4: the revision the official saw is what tells them apart."""
    dossier = DossierFactory(submitted=True)
    desk = desk_officials(1)[0]
    dossier = transitions.route(transitions.receive(dossier, desk), desk)
    specialists = [
        OfficialFactory(username=f"specialist-{n}", role=Role.SPECIALIST, agency=HOME_WARD)
        for n in range(2)
    ]
    seen = dossier.revision

    def forward(index: int):
        return transitions.forward(dossier, specialists[index], revision=seen)

    results = run_in_threads(2, forward)

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Dossier"], results
    assert_one_transition(dossier, Status.PROCESSING, "step")
