"""The outbox: written with the change, claimed once, delivered in order per key, retried with
back-off, dead-lettered, requeued; the operators' page; and the whole path in a real worker."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

import outbox
from identity.models import AuditEvent, Role
from outbox import registry, services
from outbox.models import Message
from tests.conftest import requires_postgres, requires_redis
from tests.factories import OfficialFactory, sign_in
from tests.worker_process import running_worker

pytestmark = pytest.mark.django_db


class Recorder:
    """A handler that records what it delivered and fails on demand."""

    def __init__(self) -> None:
        self.delivered: list[str] = []
        self.fail_keys: dict[str, int] = {}  # key → how many attempts fail
        self.permanent: set[str] = set()
        self.lock = threading.Lock()
        self.pause = 0.0

    def __call__(self, message: Message) -> None:
        if self.pause:
            time.sleep(self.pause)
        if message.key in self.permanent:
            raise outbox.Permanent("the address does not exist")
        if message.attempts <= self.fail_keys.get(message.key, 0):
            raise ConnectionError("gateway refused the connection")
        with self.lock:
            self.delivered.append(message.key)


@pytest.fixture
def recorder():
    handler = Recorder()
    for name, ordered in (("test.plain", False), ("test.ordered", True)):
        registry.topic(name, queue="default", max_attempts=3, backoff_seconds=10, ordered=ordered)(
            handler
        )
    yield handler
    registry.TOPICS.pop("test.plain")
    registry.TOPICS.pop("test.ordered")


def make_due(*keys: str) -> None:
    """Bring the next attempt of these messages to now (instead of waiting the back-off)."""
    Message.objects.filter(key__in=keys).update(next_attempt_at=timezone.now())


def test_a_message_is_written_with_the_change_and_not_without_it(recorder):
    with transaction.atomic():
        outbox.put("test.plain", key="kept", payload={"n": 1})
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.put("test.plain", key="rolled-back", payload={"n": 2})
        raise RuntimeError("the state change failed")
    assert list(Message.objects.values_list("key", flat=True)) == ["kept"]
    assert outbox.relay("test.plain") == {"delivered": 1}
    assert recorder.delivered == ["kept"]
    assert Message.objects.get(key="kept").state == Message.State.DELIVERED


def test_the_same_key_twice_is_one_message(recorder):
    first = outbox.put("test.plain", key="dossier-1:v3", payload={"v": 3})
    again = outbox.put("test.plain", key="dossier-1:v3", payload={"v": 3})
    assert first.pk == again.pk and Message.objects.count() == 1


def test_an_unknown_topic_is_refused():
    with pytest.raises(LookupError, match="unknown outbox topic"):
        outbox.put("no.such.topic", key="k", payload={})


def test_a_failure_is_retried_with_growing_pauses_then_dead(recorder):
    recorder.fail_keys["flaky"] = 99
    outbox.put("test.plain", key="flaky", payload={})
    pauses = []
    for attempt in (1, 2):
        before = timezone.now()
        assert outbox.relay("test.plain") == {"retry": 1}
        message = Message.objects.get(key="flaky")
        assert message.attempts == attempt and message.state == Message.State.PENDING
        assert "ConnectionError" in message.last_error
        pauses.append((message.next_attempt_at - before).total_seconds())
        assert outbox.relay("test.plain") == {}  # not due before its time
        make_due("flaky")
    assert 9 <= pauses[0] <= 11.5 and 18 <= pauses[1] <= 22.5  # 10 s, then 20 s (±10 %)
    assert outbox.relay("test.plain") == {"dead": 1}  # third and last attempt
    message = Message.objects.get(key="flaky")
    assert message.state == Message.State.DEAD and message.attempts == 3
    assert recorder.delivered == []


def test_a_permanent_failure_is_dead_at_once(recorder):
    recorder.permanent.add("bad-address")
    outbox.put("test.plain", key="bad-address", payload={})
    assert outbox.relay("test.plain") == {"dead": 1}
    assert "does not exist" in Message.objects.get(key="bad-address").last_error


def test_order_per_key_holds_through_a_failure_and_a_dead_letter(recorder):
    for version in (1, 2, 3):
        outbox.put("test.ordered", key=f"A:{version}", payload={}, ordering_key="A")
    outbox.put("test.ordered", key="B:1", payload={}, ordering_key="B")
    recorder.fail_keys["A:1"] = 1
    assert outbox.relay("test.ordered") == {"retry": 1, "delivered": 1}
    assert recorder.delivered == ["B:1"]  # A:2 and A:3 wait behind A:1
    make_due("A:1")
    outbox.relay("test.ordered")
    assert recorder.delivered == ["B:1", "A:1", "A:2", "A:3"]

    recorder.permanent.add("C:1")
    outbox.put("test.ordered", key="C:1", payload={}, ordering_key="C")
    outbox.put("test.ordered", key="C:2", payload={}, ordering_key="C")
    assert outbox.relay("test.ordered") == {"dead": 1}
    assert Message.objects.get(key="C:2").state == Message.State.PENDING  # held back
    recorder.permanent.clear()
    assert outbox.requeue([Message.objects.get(key="C:1").pk]) == 1
    assert outbox.relay("test.ordered") == {"delivered": 2}
    assert recorder.delivered[-2:] == ["C:1", "C:2"]


def test_a_worker_that_lost_its_lease_does_not_undo_a_delivery(recorder):
    message = outbox.put("test.plain", key="slow", payload={})
    topic = registry.get("test.plain")
    [mine] = services.claim(topic)
    # The lease ran out and another worker took and delivered the message meanwhile.
    Message.objects.filter(pk=message.pk).update(leased_until=timezone.now())
    [theirs] = services.claim(topic)
    assert services.deliver(topic, theirs) == "delivered"
    recorder.fail_keys["slow"] = 99  # the first worker now fails late…
    assert services.deliver(topic, mine) == "lost_lease"
    assert Message.objects.get(pk=message.pk).state == Message.State.DELIVERED  # …changing nothing


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(recorder):
    outbox.put("test.plain", key="leased", payload={})
    topic = registry.get("test.plain")
    assert len(services.claim(topic)) == 1
    assert services.claim(topic) == []
    Message.objects.update(leased_until=timezone.now() - datetime.timedelta(seconds=1))
    assert [m.key for m in services.claim(topic)] == ["leased"]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_share_the_work_and_deliver_each_message_once(recorder):
    with transaction.atomic():
        for n in range(60):
            outbox.put("test.plain", key=f"m{n}", payload={})
    recorder.pause = 0.005
    results = []

    def relay() -> None:
        try:
            results.append(outbox.relay("test.plain", limit=None))
        finally:
            connection.close()

    threads = [threading.Thread(target=relay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(recorder.delivered) == sorted(f"m{n}" for n in range(60))
    assert sum(r.get("delivered", 0) for r in results) == 60
    assert Message.objects.filter(state=Message.State.DELIVERED).count() == 60


def test_stats_count_waiting_failing_and_dead_and_the_oldest_age(recorder):
    outbox.put("test.plain", key="waiting", payload={})
    outbox.put("test.plain", key="dead", payload={})
    Message.objects.filter(key="waiting").update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    recorder.permanent.add("dead")
    recorder.fail_keys["waiting"] = 1
    outbox.relay("test.plain")
    [row] = [s for s in outbox.stats() if s.topic == "test.plain"]
    assert (row.pending, row.failing, row.dead, row.delivered_last_hour) == (1, 1, 1, 0)
    assert 295 <= row.lag_seconds <= 330


def test_the_operators_page_is_for_city_administrators_and_requeues(client, recorder):
    recorder.permanent.add("dead-1")
    outbox.put("test.plain", key="dead-1", payload={})
    outbox.relay("test.plain")
    url = reverse("backoffice:outbox")

    sign_in(client, OfficialFactory(username="ward.desk", role=Role.RECEPTION))
    assert client.get(url).status_code == 403

    sign_in(client, OfficialFactory(username="city.ops", role=Role.CITY_ADMIN))
    page = client.get(url, {"state": "dead"}).content.decode()
    assert "dead-1" in page and "the address does not exist" in page
    dead = Message.objects.get(key="dead-1")
    response = client.post(url, {"message": [str(dead.pk)]})
    assert response.status_code == 302
    dead.refresh_from_db()
    assert (dead.state, dead.attempts) == (Message.State.PENDING, 0)
    event = AuditEvent.objects.get(action=AuditEvent.Action.OUTBOX_REQUEUED)
    assert event.actor == "city.ops" and event.detail["messages"] == [dead.pk]
    assert client.post(url, {}).status_code == 302  # nothing chosen: a message, no change
    assert Message.objects.get(pk=dead.pk).requeued_at is not None


@requires_postgres
@requires_redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_a_probe_after_a_failed_attempt(tmp_path):
    from outbox.outbox_topics import PROBE

    with running_worker(tmp_path, "outbox", ["default"]) as worker:
        with transaction.atomic():
            message = outbox.put(PROBE, key="probe-worker", payload={"fail": 1})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message.refresh_from_db()
            if message.state == Message.State.PENDING and message.attempts == 1:
                # the first attempt failed; the sweep is beat's job: run it as beat would
                from outbox.tasks import sweep

                time.sleep(1.2)
                sweep.delay()
            if message.state == Message.State.DELIVERED:
                break
            time.sleep(0.3)
        assert message.state == Message.State.DELIVERED, worker.log()
        assert message.attempts == 2 and "outbox.relay_topic" in worker.log()
