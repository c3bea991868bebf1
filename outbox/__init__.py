"""The outbox (hộp thư đi): one mechanism for every effect that must not be lost.

A state change that must reach an outside system (the national portal, a citizen's e-mail or
phone, the post, the payment gateway) writes a :class:`~outbox.models.Message` **in the same
transaction** (:func:`put`). After the commit a relay task on the topic's queue claims due
messages (``SELECT … FOR UPDATE SKIP LOCKED`` and a lease, so several workers share the load and
a worker that dies mid-delivery leaves its messages to another once the lease ends), calls the
topic's handler, and records the outcome: delivered; failed and retried later with exponential
back-off; or, after the topic's last attempt (or a :class:`Permanent` failure), dead, visible in
the back office (``/backoffice/outbox/``) until an operator requeues it.

Topics are declared with :func:`topic` in an app's ``outbox_topics`` module, imported when the
apps are ready. A handler must be idempotent towards its outside system (``message.key`` is the
idempotency key): a message whose worker died after sending but before recording is sent again.

Imports nothing at import time, so any module may ``from outbox import put``.
"""

from __future__ import annotations

from typing import Any

from .registry import Permanent, Topic, topic

__all__ = ["Permanent", "Topic", "messages", "put", "relay", "requeue", "stats", "topic"]


def put(topic_name: str, *, key: str, payload: dict[str, Any], ordering_key: str = "") -> Any:
    """Write a message for ``topic_name`` in the caller's transaction (see :mod:`.services`)."""
    from .services import put as _put

    return _put(topic_name, key=key, payload=payload, ordering_key=ordering_key)


def relay(topic_name: str, limit: int | None = None) -> dict[str, int]:
    """Deliver what is due on ``topic_name`` now, in this process (see :mod:`.services`)."""
    from .services import relay as _relay

    return _relay(topic_name, limit)


def requeue(ids: Any) -> int:
    from .services import requeue as _requeue

    return _requeue(ids)


def stats() -> list[Any]:
    from .services import stats as _stats

    return _stats()


def messages(**filters: Any) -> Any:
    from .services import messages as _messages

    return _messages(**filters)
