"""Routing runs in the background, on the ``routing`` queue (``portal.queues``).

The lifecycle announces each transition after its transaction commits (the ``transitioned``
signal); a route, a forward or a decision that ends the processing (approve, stop, withdraw,
refuse) enqueues :func:`route_dossier`, which writes the process-control rows from the dossier's
timeline (the last one closed when the processing ended). Tasks are acknowledged late, so a
worker that dies mid-task leaves the message for another: the task may run twice and does no
harm when it does.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .routing import sync_steps

# The transitions after which the dossier changes step, or leaves its last one.
ROUTING_ACTIONS = frozenset({"route", "forward", "approve", "stop", "withdraw", "refuse"})


@shared_task(
    name="workflow.route_dossier",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def route_dossier(code: str) -> int:
    """Hand dossier ``code`` to the step its timeline has reached (or close the last one once
    the processing ended); returns the rows written."""
    return sync_steps(code)


def on_transition(sender: Any, code: str, action: str, **change: Any) -> None:
    """Receiver of ``dossiers.lifecycle.transitions.transitioned`` (sent after commit)."""
    if action in ROUTING_ACTIONS:
        route_dossier.delay(code)
