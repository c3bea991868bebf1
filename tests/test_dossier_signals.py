"""``dossiers.signals.recorded``: heard inside the transaction of every change a dossier goes
through (submission, transition, workflow hand-off, result), so that what a receiver writes
commits or rolls back with the change itself."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import translation

from dossiers import signals
from dossiers.errors import DossierError
from dossiers.lifecycle import transitions
from dossiers.models import Status
from dossiers.results import ResultChoice, attach
from identity.models import Role
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
from workflow.tasks import route_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
    }


@pytest.fixture
def heard():
    """What the receiver heard: (kind, action, from, to, in a transaction, the step's name)."""
    calls: list[tuple] = []

    def receiver(sender, dossier, kind, action, from_status, to_status, at, actor, note, step,
                 **rest):  # fmt: skip
        assert at is not None and actor
        in_atomic = connection.in_atomic_block
        calls.append((kind, action, from_status, to_status, in_atomic, step and step.name))

    signals.recorded.connect(receiver)
    yield calls
    signals.recorded.disconnect(receiver)


def test_every_change_of_a_journey_is_heard_inside_its_transaction(heard, staff):
    dossier = DossierFactory(submitted=True)
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    dossier = transitions.route(dossier, staff[Role.RECEPTION])
    route_dossier(dossier.code)
    attach(dossier, staff[Role.LEADER], ResultChoice(render=True))
    kinds = [(kind, action, src, dst) for kind, action, src, dst, _in, _step in heard]
    assert kinds == [
        ("submitted", "submitted", Status.DRAFT, Status.SUBMITTED),
        ("transition", "receive", Status.SUBMITTED, Status.ACCEPTED),
        ("transition", "route", Status.ACCEPTED, Status.PROCESSING),
        ("hand_off", "hand_off", Status.PROCESSING, Status.PROCESSING),
        ("result", "result", Status.PROCESSING, Status.PROCESSING),
    ]
    assert all(in_atomic for *_rest, in_atomic, _step in heard)
    assert heard[3][5]  # the hand-off names the opened step


def test_a_receiver_that_fails_undoes_the_change(staff):
    dossier = DossierFactory(submitted=True)

    def broken(sender, **change):
        raise DossierError("the change record could not be written")

    signals.recorded.connect(broken)
    try:
        with pytest.raises(DossierError):
            transitions.receive(dossier, staff[Role.RECEPTION])
    finally:
        signals.recorded.disconnect(broken)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_nothing_is_heard_for_a_refused_transition(heard, staff):
    dossier = DossierFactory(submitted=True)
    heard.clear()
    with pytest.raises(transitions.Conflict), transaction.atomic():
        transitions.approve(dossier, staff[Role.LEADER])
    assert heard == []
