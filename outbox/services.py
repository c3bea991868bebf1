"""Writing, claiming, delivering, retrying and requeuing outbox messages.

- :func:`put` runs in the caller's transaction; after its commit the topic's relay task is
  enqueued once per transaction and topic (:func:`kick`). A message is due when it is pending,
  its next attempt has come and no worker holds its lease.
- :func:`claim` takes up to ``limit`` due messages with ``SELECT … FOR UPDATE SKIP LOCKED``
  (PostgreSQL: concurrent relays never take the same row; SQLite serialises writers anyway),
  counts the attempt and leases them for ``Topic.lease_seconds``, then commits at once, so no
  transaction stays open while an outside system answers. For an ordered topic only the oldest
  undelivered message of each ordering key is due.
- :func:`deliver` calls the handler and records the outcome, but only while it still holds the
  lease: a worker that overran its lease and whose message was delivered by another does not
  undo that delivery.
"""

from __future__ import annotations

import datetime
import logging
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from . import registry
from .models import Message
from .registry import Permanent, Topic

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 50
ERROR_LIMIT = 2000


def put(topic_name: str, *, key: str, payload: dict[str, Any], ordering_key: str = "") -> Message:
    """Write a message in the caller's transaction; the same (topic, key) again returns the
    message already written instead of a second one."""
    topic = registry.get(topic_name)
    if not key or len(key) > 200 or len(ordering_key) > 200:
        raise ValueError("an outbox key is 1 to 200 characters, an ordering key at most 200")
    message, created = Message.objects.get_or_create(
        topic=topic.name, key=key, defaults={"payload": payload, "ordering_key": ordering_key}
    )
    if created:
        kick(topic)
    return message


def kick(topic: Topic) -> None:
    """Enqueue the topic's relay after the commit, once per transaction."""
    blocks = connection.atomic_blocks
    marker = blocks[0] if blocks else None
    kicked: set[str] = getattr(marker, "outbox_kicked", set()) if marker is not None else set()
    if topic.name in kicked:
        return
    if marker is not None:
        kicked.add(topic.name)
        marker.outbox_kicked = kicked
    transaction.on_commit(lambda: _enqueue(topic))


def _enqueue(topic: Topic) -> None:
    from .tasks import relay_topic

    try:
        relay_topic.apply_async((topic.name,), queue=topic.queue)
    except Exception:  # noqa: BLE001 - the broker is down: the beat sweep delivers it later
        logger.warning("outbox: could not enqueue the relay of %s; the sweep will", topic.name)


def _due(topic: Topic, now: datetime.datetime) -> QuerySet[Message]:
    due = Message.objects.filter(
        topic=topic.name, state=Message.State.PENDING, next_attempt_at__lte=now
    ).filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
    if topic.ordered:
        earlier = Message.objects.filter(
            topic=topic.name, ordering_key=OuterRef("ordering_key"), id__lt=OuterRef("id")
        ).exclude(state=Message.State.DELIVERED)
        due = due.filter(Q(ordering_key="") | ~Exists(earlier))
    return due


def claim(topic: Topic, limit: int = DEFAULT_BATCH) -> list[Message]:
    """Lease up to ``limit`` due messages of ``topic`` to this worker (committed at once)."""
    now = timezone.now()
    until = now + datetime.timedelta(seconds=topic.lease_seconds)
    with transaction.atomic():
        ids = list(
            _due(topic, now)
            .order_by("id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        Message.objects.filter(id__in=ids).update(leased_until=until, attempts=F("attempts") + 1)
        return list(Message.objects.filter(id__in=ids).order_by("id"))


@dataclass(frozen=True)
class Outcome:
    state: str
    error: str = ""


def deliver(topic: Topic, message: Message) -> str:
    """Run the handler for a claimed message and record what happened; returns
    ``delivered``, ``retry``, ``dead`` or ``lost_lease``."""
    try:
        topic.handler(message)
    except Permanent as refused:
        outcome = Outcome(Message.State.DEAD, f"{type(refused).__name__}: {refused}")
    except Exception as failed:  # noqa: BLE001 - any failure of an outside system is retried
        error = f"{type(failed).__name__}: {failed}"
        if message.attempts >= topic.max_attempts:
            outcome = Outcome(Message.State.DEAD, error)
        else:
            outcome = Outcome(Message.State.PENDING, error)
    else:
        outcome = Outcome(Message.State.DELIVERED)
    return _record(topic, message, outcome)


def _record(topic: Topic, message: Message, outcome: Outcome) -> str:
    now = timezone.now()
    changes: dict[str, Any] = {"state": outcome.state, "leased_until": None}
    if outcome.state == Message.State.DELIVERED:
        changes.update(delivered_at=now, last_error="")
        label = "delivered"
    elif outcome.state == Message.State.DEAD:
        changes["last_error"] = outcome.error[:ERROR_LIMIT]
        label = "dead"
        logger.error("outbox: %s %s is dead: %s", topic.name, message.key, outcome.error)
    else:
        delay = topic.delay_after(message.attempts) * random.uniform(0.9, 1.1)  # noqa: S311
        changes.update(
            last_error=outcome.error[:ERROR_LIMIT],
            next_attempt_at=now + datetime.timedelta(seconds=delay),
        )
        label = "retry"
        logger.warning(
            "outbox: %s %s failed (attempt %d), retry in %.0f s: %s",
            topic.name, message.key, message.attempts, delay, outcome.error,
        )  # fmt: skip
    held = Message.objects.filter(
        pk=message.pk, state=Message.State.PENDING, leased_until=message.leased_until
    ).update(**changes)
    return label if held else "lost_lease"


def relay(topic_name: str, limit: int | None = None) -> dict[str, int]:
    """Deliver every message of ``topic_name`` that is due now, batch after batch (on an
    ordered topic, a delivery makes the next message of its key due), and count the outcomes.
    A message that fails is not retried within the same call (its next attempt lies in the
    future), so this always ends; ``limit`` stops it after that many messages."""
    topic = registry.get(topic_name)
    batch = limit or DEFAULT_BATCH
    counts: Counter[str] = Counter()
    while True:
        claimed = claim(topic, batch)
        if not claimed:
            return dict(counts)
        for message in claimed:
            counts[deliver(topic, message)] += 1
        if limit is not None and sum(counts.values()) >= limit:
            return dict(counts)


def due_topics() -> list[Topic]:
    """The declared topics with a message due now (what the beat sweep relays)."""
    now = timezone.now()
    return [topic for topic in registry.TOPICS.values() if _due(topic, now).exists()]


def requeue(ids: Iterable[int]) -> int:
    """Give dead (or waiting) messages a fresh set of attempts, due now; returns how many."""
    now = timezone.now()
    chosen = Message.objects.filter(pk__in=list(ids)).exclude(state=Message.State.DELIVERED)
    topics = set(chosen.values_list("topic", flat=True))
    count = chosen.update(
        state=Message.State.PENDING,
        attempts=0,
        next_attempt_at=now,
        leased_until=None,
        requeued_at=now,
    )
    for name in topics:
        if name in registry.TOPICS:
            transaction.on_commit(lambda name=name: _enqueue(registry.TOPICS[name]))
    return count


@dataclass(frozen=True)
class TopicStats:
    topic: str
    queue: str
    pending: int
    failing: int  # pending after at least one failed attempt
    dead: int
    delivered_last_hour: int
    oldest_pending_at: datetime.datetime | None

    @property
    def lag_seconds(self) -> float:
        """Age of the oldest message not yet delivered (0 when none waits)."""
        if self.oldest_pending_at is None:
            return 0.0
        return max(0.0, (timezone.now() - self.oldest_pending_at).total_seconds())


def stats() -> list[TopicStats]:
    """Per declared topic (and any topic still holding rows): counts and the oldest waiting."""
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    pending = Q(state=Message.State.PENDING)
    rows = {
        row["topic"]: row
        for row in Message.objects.exclude(state=Message.State.DELIVERED, delivered_at__lt=hour_ago)
        .values("topic")
        .annotate(
            pending=Count("id", filter=pending),
            failing=Count("id", filter=pending & ~Q(last_error="")),
            dead=Count("id", filter=Q(state=Message.State.DEAD)),
            delivered=Count("id", filter=Q(state=Message.State.DELIVERED)),
            oldest=Min("created_at", filter=pending | Q(state=Message.State.DEAD)),
        )
    }
    names = sorted(set(registry.TOPICS) | set(rows))
    return [
        TopicStats(
            topic=name,
            queue=registry.TOPICS[name].queue if name in registry.TOPICS else "",
            pending=rows.get(name, {}).get("pending", 0),
            failing=rows.get(name, {}).get("failing", 0),
            dead=rows.get(name, {}).get("dead", 0),
            delivered_last_hour=rows.get(name, {}).get("delivered", 0),
            oldest_pending_at=rows.get(name, {}).get("oldest"),
        )
        for name in names
    ]


def messages(*, topic: str | None = None, state: str | None = None) -> QuerySet[Message]:
    """Messages for the operators' page, newest first; ``state="failing"`` means pending after
    a failed attempt."""
    found = Message.objects.all()
    if topic:
        found = found.filter(topic=topic)
    if state == "failing":
        found = found.filter(state=Message.State.PENDING).exclude(last_error="")
    elif state:
        found = found.filter(state=state)
    return found.order_by("-id")


def purge_delivered(older_than: datetime.timedelta) -> int:
    """Delete delivered messages older than ``older_than``; returns how many."""
    cutoff = timezone.now() - older_than
    deleted, _ = Message.objects.filter(
        state=Message.State.DELIVERED, delivered_at__lt=cutoff
    ).delete()
    return deleted
