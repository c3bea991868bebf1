"""Relay tasks: one per topic, run on the topic's queue, plus the beat sweep and purge."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from . import registry, services


@shared_task(
    name="outbox.relay_topic",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=8,
)
def relay_topic(topic_name: str) -> dict[str, int]:
    """Deliver what is due on ``topic_name`` (enqueued after a commit and by the sweep)."""
    return services.relay(topic_name)


@shared_task(name="outbox.sweep", acks_late=True)
def sweep() -> list[str]:
    """Every few seconds: relay each topic with a due message (retries whose time has come,
    leases that ran out, kicks lost while the broker was down)."""
    due = services.due_topics()
    for topic in due:
        relay_topic.apply_async((topic.name,), queue=topic.queue)
    return [topic.name for topic in due]


@shared_task(name="outbox.purge_delivered", acks_late=True)
def purge_delivered() -> int:
    days = settings.OUTBOX_KEEP_DELIVERED_DAYS
    return services.purge_delivered(datetime.timedelta(days=days))


__all__ = ["purge_delivered", "registry", "relay_topic", "sweep"]
