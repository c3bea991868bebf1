"""Pushing change records to the national portal through the outbox (topic ``sync.push``).

:func:`enqueue` writes one outbox message per record, in the change's transaction, keyed by
``<dossier code>:<version>`` and ordered by dossier code, so a dossier's changes arrive in
version order and a change is never pushed twice as two messages. :func:`deliver` is what the
relay runs for one message (declared in :mod:`sync.outbox_topics`): it sends the record's
envelope through the configured transport. A timeout or a 5xx is retried with back-off; the
receiver recognises a change sent again by its dossier code and version.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from outbox import Permanent, put, requeue

from . import records
from .models import ChangeRecord
from .transports import base
from .transports.registry import active_transport

logger = logging.getLogger("portal.sync")

TOPIC = "sync.push"


def message_key(record: ChangeRecord) -> str:
    return f"{record.dossier_code}:{record.version}"


def enqueue(written: Iterable[ChangeRecord]) -> None:
    """One ``sync.push`` message per record (inside the caller's transaction)."""
    for record in written:
        put(
            TOPIC,
            key=message_key(record),
            payload={"change": record.pk},
            ordering_key=record.dossier_code,
        )


def deliver(message: Any) -> None:
    """Send the change of one message. Raises to retry; :class:`outbox.Permanent` gives up."""
    record = ChangeRecord.objects.filter(pk=message.payload.get("change")).first()
    if record is None:
        raise Permanent(f"change record {message.payload.get('change')!r} does not exist")
    try:
        answer = active_transport().push(records.envelope(record))
    except base.Rejected as rejected:
        raise Permanent(f"rejected by the national portal: {rejected}") from rejected
    if answer.duplicate:
        logger.info("sync: %s was already at the national portal", message_key(record))


def resend(record: ChangeRecord) -> int:
    """Make sure ``record`` is pushed (again): requeue its dead message, send a delivered one
    again under a new key, leave a pending one alone. Returns 1 when something was queued."""
    with transaction.atomic():
        message = put(
            TOPIC,
            key=message_key(record),
            payload={"change": record.pk},
            ordering_key=record.dossier_code,
        )
        if message.state == "dead":
            requeue([message.pk])
            return 1
        if message.state == "delivered":
            put(
                TOPIC,
                key=f"{message_key(record)}:again-{uuid.uuid4().hex[:12]}",
                payload={"change": record.pk},
                ordering_key=record.dossier_code,
            )
            return 1
    return 0  # still pending: the relay will deliver it
