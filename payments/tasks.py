"""Payment follow-up on the ``payments`` queue: pending payments settled by query.

(Receipts go through the outbox, topic ``payments.receipt``: :mod:`payments.outbox_topics`.)
The task is idempotent (``acks_late``): settling locks the payment and does nothing to one no
longer pending.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from portal import clock

from . import conf, registry, services
from .base import BadSignature, GatewayUnavailable
from .models import Payment

logger = logging.getLogger("payments")
BATCH = 200
QUERY_IP = "127.0.0.1"


def settle_pending(now: datetime.datetime | None = None) -> dict[str, int]:
    """Ask the gateway about payments left pending past ``PAYMENT_QUERY_AFTER_SECONDS`` and
    settle them; expire those past their expiry that the gateway did not take. Returns counts
    by outcome."""
    now = now or clock.now()
    after = datetime.timedelta(seconds=conf.get("PAYMENT_QUERY_AFTER_SECONDS"))
    counts = {"paid": 0, "failed": 0, "expired": 0, "pending": 0, "unreachable": 0}
    pending = Payment.objects.filter(state=Payment.State.PENDING, created_at__lte=now - after)
    for payment in pending.order_by("created_at")[:BATCH]:
        plugin = registry.gateway(payment.gateway)
        try:
            result = plugin.query(payment.txn_ref, payment.created_at, QUERY_IP)
        except (GatewayUnavailable, BadSignature) as exc:
            logger.warning("query of %s failed: %s", payment.txn_ref, exc)
            counts["unreachable"] += 1
            continue
        counts[services.settle_from_query(payment, result, now)] += 1
    return counts


@shared_task(name="payments.settle_pending", acks_late=True)
def settle_pending_task() -> dict[str, int]:
    return settle_pending()
