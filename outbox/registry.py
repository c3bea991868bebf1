"""Topics of the outbox: a name, the queue its relay runs on, its retry policy and its handler.

A topic is declared once, with :func:`topic`, in an app's ``outbox_topics`` module. Imports no
model: declaring a topic needs no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.queues import QUEUE_NAMES


class Permanent(Exception):
    """A failure that no retry can mend (a malformed message, an address that does not exist):
    the message goes straight to the dead letters with this reason."""


@dataclass(frozen=True)
class Topic:
    name: str
    handler: Callable[[Any], None]
    queue: str
    max_attempts: int = 8
    backoff_seconds: float = 5.0
    backoff_max_seconds: float = 600.0
    # With ordered=True a message waits until every earlier message of its ordering key is
    # delivered; a dead one holds the later ones back until it is requeued.
    ordered: bool = False
    # How long a claimed message stays with its worker; longer than any delivery may take.
    lease_seconds: float = 120.0

    def delay_after(self, attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones: 5, 10, 20, … capped."""
        return min(self.backoff_max_seconds, self.backoff_seconds * 2 ** max(attempts - 1, 0))


TOPICS: dict[str, Topic] = {}


def topic(
    name: str,
    *,
    queue: str,
    max_attempts: int = 8,
    backoff_seconds: float = 5.0,
    backoff_max_seconds: float = 600.0,
    ordered: bool = False,
    lease_seconds: float = 120.0,
) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Declare the topic ``name`` whose messages the decorated function delivers."""
    if queue not in QUEUE_NAMES:
        raise ValueError(f"outbox topic {name!r}: unknown queue {queue!r}")
    if max_attempts < 1:
        raise ValueError(f"outbox topic {name!r}: max_attempts must be at least 1")

    def decorator(handler: Callable[[Any], None]) -> Callable[[Any], None]:
        if name in TOPICS and TOPICS[name].handler is not handler:
            raise ValueError(f"outbox topic {name!r} is declared twice")
        TOPICS[name] = Topic(
            name=name,
            handler=handler,
            queue=queue,
            max_attempts=max_attempts,
            backoff_seconds=backoff_seconds,
            backoff_max_seconds=backoff_max_seconds,
            ordered=ordered,
            lease_seconds=lease_seconds,
        )
        return handler

    return decorator


def get(name: str) -> Topic:
    try:
        return TOPICS[name]
    except KeyError:
        known = ", ".join(sorted(TOPICS)) or "none"
        raise LookupError(f"unknown outbox topic {name!r}; declared: {known}") from None
