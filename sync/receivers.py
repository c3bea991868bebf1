"""``dossiers.signals.recorded`` → change records and their push messages, in the change's
transaction. Connected in :class:`sync.apps.SyncConfig.ready`."""

from __future__ import annotations

from typing import Any

from . import push, records


def on_recorded(sender: Any, dossier: Any, **change: Any) -> None:
    push.enqueue(records.write(dossier, **change))
