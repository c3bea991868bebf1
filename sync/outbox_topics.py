"""The sync's outbox topic: ``sync.push``, each change record pushed to the national portal on the
``sync`` queue, in version order per dossier (imported by the outbox app when apps are ready)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from outbox import topic

from . import push


@topic(
    push.TOPIC,
    queue="sync",
    max_attempts=settings.SYNC_PUSH_MAX_ATTEMPTS,
    backoff_seconds=settings.SYNC_PUSH_BACKOFF_SECONDS,
    backoff_max_seconds=settings.SYNC_PUSH_BACKOFF_MAX_SECONDS,
    ordered=True,
    # A claimed push stays with its worker longer than the transport's timeout.
    lease_seconds=max(120.0, 4 * settings.NATIONAL_PORTAL_TIMEOUT_SECONDS),
)
def push_change(message: Any) -> None:
    push.deliver(message)
