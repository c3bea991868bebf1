"""portal.clock: the services' seam for acting "as of" another moment (the demo seeder uses it)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from dossiers.lifecycle import transitions
from dossiers.models import DossierEvent, Status
from identity.models import Role
from portal import clock
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory

TZ = datetime.timezone(datetime.timedelta(hours=7))
MONDAY_MORNING = datetime.datetime(2026, 3, 2, 8, 30, tzinfo=TZ)


def test_now_is_the_real_time_outside_as_of():
    before = timezone.now()
    assert before <= clock.now() <= timezone.now()


def test_as_of_sets_the_moment_nests_and_comes_back_even_after_an_error():
    later = MONDAY_MORNING + datetime.timedelta(hours=2)
    with pytest.raises(RuntimeError), clock.as_of(MONDAY_MORNING):
        assert clock.now() == MONDAY_MORNING
        with clock.as_of(later):
            assert clock.now() == later
        assert clock.now() == MONDAY_MORNING
        raise RuntimeError
    assert abs(clock.now() - timezone.now()) < datetime.timedelta(seconds=5)


def test_as_of_refuses_a_naive_moment():
    with pytest.raises(ValueError, match="aware"), clock.as_of(datetime.datetime(2026, 3, 2)):
        pass  # pragma: no cover


@pytest.mark.django_db
def test_submission_and_transitions_are_stamped_as_of_the_moment():
    with clock.as_of(MONDAY_MORNING):
        dossier = DossierFactory(submitted=True)
    assert dossier.submitted_at == MONDAY_MORNING
    assert dossier.code.split("-")[1] == "260302"  # the receipt date of the moment
    desk = OfficialFactory(role=Role.RECEPTION, agency=HOME_WARD)
    received_at = MONDAY_MORNING + datetime.timedelta(hours=1)
    with clock.as_of(received_at):
        dossier = transitions.receive(dossier, desk)
    assert dossier.status == Status.ACCEPTED and dossier.accepted_at == received_at
    # Marriage: one working day from reception, on the calendar of that Monday.
    assert dossier.due_at == received_at + datetime.timedelta(days=1)
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("at", "pk"))
    assert [(e.action, e.at) for e in events] == [
        ("draft_created", MONDAY_MORNING),
        ("submitted", MONDAY_MORNING),
        ("accepted", received_at),
    ]


@pytest.mark.django_db
def test_an_event_written_without_the_seam_gets_the_real_time():
    dossier = DossierFactory(submitted=True)
    event = dossier.events.get(action="submitted")
    assert abs(event.at - timezone.now()) < datetime.timedelta(minutes=1)
