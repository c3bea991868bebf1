"""What the payments app does inside a dossier's change (``dossiers.signals.recorded``).

Runs in the dossier's transaction, so a fee demand commits (or rolls back) with the submission
or the transition that asked for it.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dossiers.lifecycle.transitions import SYSTEM
from dossiers.signals import recorded

from . import services
from .models import Stage


@receiver(recorded, dispatch_uid="payments.fees")
def on_dossier_change(sender: Any, dossier: Any, kind: str, action: str, **change: Any) -> None:
    at = change["at"]
    if kind == "submitted":
        services.open_demand(dossier, Stage.SUBMISSION, at)
    elif kind == "transition" and action == "request_fees":
        services.open_demand(dossier, Stage.PROCESSING, at)
    elif kind == "transition" and action == "mark_fees_paid" and change["actor"] != SYSTEM:
        services.paid_at_desk(dossier, at)
