"""The outbox's own topic: a probe that operators (and the tests) send through the whole path.

``manage.py outbox_probe`` writes one; its delivery proves that the broker, a worker on the
``default`` queue and the relay work. ``{"fail": N}`` makes the first N attempts fail, to watch
a retry (and, with N ≥ the topic's attempts, a dead letter) in the back office.
"""

from __future__ import annotations

from typing import Any

from .registry import topic

PROBE = "outbox.probe"


@topic(PROBE, queue="default", max_attempts=3, backoff_seconds=1, backoff_max_seconds=5)
def deliver_probe(message: Any) -> None:
    failures = int(message.payload.get("fail", 0))
    if message.attempts <= failures:
        raise RuntimeError(f"probe asked to fail {failures} time(s); attempt {message.attempts}")
