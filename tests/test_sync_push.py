"""Pushing change records through the outbox to the real national-portal stand-in (its own
process, over HTTP), delivered here by the relay in the test's process: order per dossier, a
change sent again recognised as a duplicate, failures retried, a dead letter seen by operators,
and the reconciliation finding the gap and repairing it until it reports 0 0 0."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

import outbox
from dossiers.lifecycle import transitions
from identity.models import Role
from outbox.models import Message
from sync import ops, push
from sync.models import ChangeRecord
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory
from tests.test_sandbox_national_portal import PUSH_TOKEN, start_sandbox
from tests.test_sync_transport import forget_everything

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with start_sandbox(tmp_path_factory.mktemp("sync-push")) as box:
        yield box


@pytest.fixture(autouse=True)
def towards_the_sandbox(settings, sandbox, tmp_path):
    forget_everything(sandbox)
    settings.NATIONAL_PORTAL_URL = sandbox.base
    settings.NATIONAL_PORTAL_PUSH_TOKEN = PUSH_TOKEN
    settings.NATIONAL_PORTAL_TIMEOUT_SECONDS = 5
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""
    yield
    assert sandbox.set_fault(mode="ok").status_code == 200


@pytest.fixture
def reception():
    return OfficialFactory(username="ward.reception", role=Role.RECEPTION, agency=HOME_WARD)


def submitted(n: int):
    applicant = CitizenFactory(id_number=f"0790851{n:05d}", full_name=f"Người Nộp {n}")
    return DossierFactory(submitted=True, applicant=applicant)


def messages_of(dossier) -> list[Message]:
    return list(Message.objects.filter(topic=push.TOPIC, ordering_key=dossier.code).order_by("id"))


def due_now(messages: list[Message]) -> None:
    """What the back-off would wait for has passed (instead of sleeping through it)."""
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(next_attempt_at=timezone.now())


def reconcile(*args: str) -> str:
    out = StringIO()
    try:
        call_command("reconcile_national_portal", *args, stdout=out)
    except SystemExit as exit_:
        assert exit_.code == 1
    return out.getvalue()


def test_each_change_is_one_message_keyed_by_code_and_version(reception):
    dossier = submitted(1)
    transitions.receive(dossier, reception)
    keys = [(m.key, m.ordering_key, m.state) for m in messages_of(dossier)]
    assert keys == [(f"{dossier.code}:{v}", dossier.code, "pending") for v in (1, 2, 3)]
    record_ids = [m.payload["change"] for m in messages_of(dossier)]
    assert record_ids == list(
        ChangeRecord.objects.filter(dossier=dossier)
        .order_by("version")
        .values_list("pk", flat=True)
    )


def test_the_relay_pushes_a_dossiers_changes_in_order_and_the_mirror_follows(sandbox, reception):
    dossier = submitted(2)
    dossier = transitions.receive(dossier, reception)
    transitions.route(dossier, reception)

    counts = outbox.relay(push.TOPIC)

    assert counts == {"delivered": 5}
    assert [row[:2] for row in sandbox.envelope_rows(dossier.code)] == [
        (1, "dossier"),
        (2, "dossier"),
        (3, "progress"),
        (4, "dossier"),
        (5, "progress"),
    ]
    assert sandbox.mirrored(dossier.code)["status"] == 4
    assert reconcile().splitlines()[1:4] == ["missing: 0", "stale: 0", "mismatched: 0"]


def test_a_change_pushed_again_is_recognised_and_applied_once(sandbox, reception, caplog):
    dossier = submitted(3)
    outbox.relay(push.TOPIC)
    record = ChangeRecord.objects.get(dossier=dossier, version=1)
    assert push.resend(record) == 1  # delivered already: sent again under a new key

    caplog.set_level("INFO", logger="portal.sync")
    assert outbox.relay(push.TOPIC) == {"delivered": 1}

    assert f"{dossier.code}:1 was already at the national portal" in caplog.text
    assert sandbox.envelope_rows(dossier.code) == [(1, "dossier", "push")]


def test_failures_hold_the_dossiers_later_changes_back_until_delivered(sandbox, reception):
    dossier = submitted(4)
    transitions.receive(dossier, reception)
    assert sandbox.set_fault(mode="error500").status_code == 200

    assert outbox.relay(push.TOPIC) == {"retry": 1}  # only the first change was tried

    first, *later = messages_of(dossier)
    assert (first.state, first.attempts) == ("pending", 1)
    assert "HTTP 500" in first.last_error
    assert all(m.attempts == 0 for m in later)
    status = ops.status()
    assert status.pending == 3 and status.dead == 0 and status.lag_seconds >= 0

    assert sandbox.set_fault(mode="ok").status_code == 200
    due_now([first])
    assert outbox.relay(push.TOPIC) == {"delivered": 3}
    assert [row[0] for row in sandbox.envelope_rows(dossier.code)] == [1, 2, 3]


def test_a_dead_letter_shows_to_operators_and_reconcile_repair_delivers_it(sandbox, reception):
    whole, broken = submitted(5), submitted(6)
    outbox.relay(push.TOPIC)  # both first versions arrive
    transitions.receive(broken, reception)
    assert sandbox.set_fault(mode="down").status_code == 200
    attempts = outbox.messages(topic=push.TOPIC).filter(state="pending")
    for _attempt in range(8):  # SYNC_PUSH_MAX_ATTEMPTS
        due_now(list(attempts))
        outbox.relay(push.TOPIC)
    dead = messages_of(broken)[1]
    assert dead.state == "dead" and dead.attempts == 8
    status = ops.status()
    assert (status.dead, status.pending) == (1, 1)
    # The lag is the age of the oldest undelivered change.
    Message.objects.filter(pk=dead.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    assert ops.status().lag_seconds >= 180

    assert sandbox.set_fault(mode="ok").status_code == 200
    found = reconcile()
    assert found.splitlines()[1:4] == ["missing: 0", "stale: 1", "mismatched: 0"]
    assert f"stale: {broken.code}" in found
    assert "requeued: 1 changes of 1 dossiers" in reconcile("--repair")
    assert outbox.relay(push.TOPIC) == {"delivered": 2}
    assert reconcile().splitlines()[1:4] == ["missing: 0", "stale: 0", "mismatched: 0"]
    assert whole.code != broken.code


def test_reconcile_repair_sends_again_what_the_portal_lost(sandbox, reception):
    dossier = submitted(7)
    transitions.receive(dossier, reception)
    outbox.relay(push.TOPIC)
    forget_everything(sandbox)  # the national portal lost its copy

    assert reconcile().splitlines()[1:4] == ["missing: 1", "stale: 0", "mismatched: 0"]
    assert "requeued: 3 changes of 1 dossiers" in reconcile("--repair")
    assert outbox.relay(push.TOPIC) == {"delivered": 3}
    assert [row[0] for row in sandbox.envelope_rows(dossier.code)] == [1, 2, 3]
    assert reconcile().splitlines()[1:4] == ["missing: 0", "stale: 0", "mismatched: 0"]
