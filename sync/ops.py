"""What operators see of the sync (``/readyz`` details and ``/backoffice/sync/``): the push lag,
the dead-lettered pushes and where each machine client stands in the change feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import outbox

from . import feed
from .models import FeedPosition
from .push import TOPIC


@dataclass(frozen=True)
class ClientPosition:
    client_id: str
    name: str
    cursor: str
    read_at: datetime
    changes_served: int
    behind: int  # changes not read yet (counted up to feed.BEHIND_CAP)


@dataclass(frozen=True)
class SyncStatus:
    lag_seconds: float  # age of the oldest change not delivered by push; 0 when none waits
    pending: int
    dead: int
    positions: list[ClientPosition]


def status() -> SyncStatus:
    stats = _push_stats()
    positions = [
        ClientPosition(
            client_id=row.client.client_id,
            name=row.client.name,
            cursor=row.cursor,
            read_at=row.read_at,
            changes_served=row.changes_served,
            behind=feed.behind(row),
        )
        for row in FeedPosition.objects.select_related("client").order_by("client__client_id")
    ]
    return SyncStatus(
        lag_seconds=round(stats.lag_seconds, 1) if stats else 0.0,
        pending=stats.pending if stats else 0,
        dead=stats.dead if stats else 0,
        positions=positions,
    )


def _push_stats() -> Any:
    """The outbox's figures of the push topic (None before any message was written)."""
    return next((row for row in outbox.stats() if row.topic == TOPIC), None)


def readiness() -> dict[str, Any]:
    """The ``sync`` part of ``/readyz``."""
    current = status()
    return {
        "lag_seconds": current.lag_seconds,
        "pending": current.pending,
        "dead": current.dead,
        "feed_positions": [
            {
                "client_id": p.client_id,
                "cursor": p.cursor,
                "read_at": p.read_at.isoformat(),
                "changes_served": p.changes_served,
                "behind": p.behind,
            }
            for p in current.positions
        ],
    }
