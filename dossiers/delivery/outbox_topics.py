"""The shipment of a result to the post, through the outbox. On the ``default`` queue, not
``notify``: a slow postal service must not hold back the citizens' e-mails and SMS, and a burst
of notices (hundreds of relay kicks after ``seed_demo``) must not hold back a shipment."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from outbox import Permanent, topic

from .models import Delivery
from .postal.base import Shipment, ShipmentRefused
from .postal.registry import active_transport
from .services import SHIPMENT, callback_url, record_shipment


@topic(SHIPMENT, queue="default", max_attempts=10, backoff_seconds=10, backoff_max_seconds=1800,
       lease_seconds=settings.NOTIFICATIONS_LEASE_SECONDS)  # fmt: skip
def ship(message: Any) -> None:
    """Ask the post to carry the result; the outbox key is the idempotency key, so a shipment
    asked again after a crash is the same shipment with the same tracking number."""
    delivery = (
        Delivery.objects.select_related("dossier", "dossier__procedure_version")
        .filter(pk=message.payload.get("delivery"))
        .first()
    )
    if delivery is None:
        raise Permanent("the delivery of this shipment does not exist")
    if delivery.tracking_number:
        return
    dossier = delivery.dossier
    shipment = Shipment(
        reference=dossier.code,
        recipient_name=delivery.recipient_name,
        phone=delivery.phone,
        address=delivery.address,
        content=f"Kết quả giải quyết hồ sơ {dossier.code}: {dossier.procedure_version.name}"[:300],
        callback_url=callback_url(),
    )
    try:
        tracking = active_transport().create_shipment(shipment, message.key)
    except ShipmentRefused as refused:
        raise Permanent(str(refused)) from refused
    record_shipment(delivery.pk, tracking)
