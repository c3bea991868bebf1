"""Exactly once through real processes: a Celery worker sends an SMS to the sandbox's gateway,
which stores it and then answers slowly; the worker is killed (SIGKILL) while it waits, a second
worker takes the message once the first one's lease has run out and sends it again with the same
idempotency key. The citizen gets one SMS; the notice is recorded as sent."""

from __future__ import annotations

import signal
import time

import pytest
from django.utils import timezone

from dossiers.lifecycle import transitions
from identity.models import Role
from notifications.models import Notification
from notifications.topics import SMS
from outbox.models import Message
from outbox.tasks import relay_topic
from tests.conftest import requires_postgres, requires_redis
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
from tests.stand_ins import serve_stand_ins
from tests.test_transition_concurrency import marriage_procedure  # noqa: F401 (fixture)
from tests.worker_process import running_worker

pytestmark = [requires_postgres, requires_redis, pytest.mark.postgres, pytest.mark.redis]

SLOW_ANSWER = 8  # seconds the gateway waits after storing a message
LEASE = 3  # seconds a worker holds a message (NOTIFICATIONS_LEASE_SECONDS of both workers)


@pytest.fixture(scope="module")
def slow_gateway(tmp_path_factory):
    yield from serve_stand_ins(
        tmp_path_factory, "slow-sms", SANDBOX_SMS_DELAY_SECONDS=str(SLOW_ANSWER)
    )


def wait_until(condition, what: str, worker, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen in {timeout} s:\n{worker.log()}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_exactly_one_sms(
    marriage_procedure,  # noqa: F811
    slow_gateway,
    tmp_path,
):
    slow_gateway.reset()
    environment = {
        "SMS_GATEWAY_URL": slow_gateway.sms_api,
        "SMS_GATEWAY_TIMEOUT_SECONDS": "30",
        "NOTIFICATIONS_LEASE_SECONDS": str(LEASE),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    desk = OfficialFactory(username="desk", role=Role.RECEPTION, agency=HOME_WARD)
    dossier = DossierFactory(submitted=True)  # the applicant has a phone, no e-mail

    with running_worker(tmp_path, "sms-first", ["notify"], **environment) as first:
        transitions.receive(dossier, desk)  # commits the notice: the relay is enqueued
        received = wait_until(slow_gateway.sms, "the SMS reaching the gateway", first)
        assert len(received) == 1
        # The gateway has the SMS and is still answering: the worker dies right now.
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
    message = Message.objects.get(topic=SMS)
    assert message.state == Message.State.PENDING and message.attempts == 1
    notice = Notification.objects.get(channel="sms")
    assert notice.sent_at is None  # the send was never recorded

    with running_worker(tmp_path, "sms-second", ["notify"], **environment) as second:
        # What the beat sweep does every few seconds: relay the topic once its lease is over.
        wait_until(lambda: message.leased_until < timezone.now(), "the lease ending", second)
        relay_topic.apply_async((SMS,), queue="notify")
        wait_until(
            lambda: Message.objects.filter(pk=message.pk, state="delivered").exists(),
            "the second worker's delivery",
            second,
            timeout=90,
        )
    message.refresh_from_db()
    notice.refresh_from_db()
    [sms] = slow_gateway.sms()
    assert message.attempts == 2 and notice.sent_at is not None
    assert sms["requests"] == 2  # sent twice, received once
    assert sms["client_ref"] == message.key and notice.provider_ref == sms["id"]
    assert "đã được tiếp nhận" in sms["text"]
