"""The stand-in's side of a report: mark a shipment delivered or returned and tell the portal,
with the body signed as the portal's ``parcel_api`` transport expects (HMAC-SHA256 of
``"<timestamp>.<body>"`` under ``SANDBOX_POST_CALLBACK_SECRET``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import uuid

import requests
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from .models import Shipment

logger = logging.getLogger(__name__)


def signed(body: bytes, secret: str | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()))
    key = (secret or settings.POST_CALLBACK_SECRET).encode()
    signature = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Post-Timestamp": timestamp,
        "X-Post-Signature": signature,
    }


def report(shipment: Shipment, status: str, reason: str = "") -> str:
    """Record ``status`` and post the report to the shipment's callback; answers what the
    portal said (also kept on the shipment for the page)."""
    shipment.status = status
    shipment.reason = reason
    shipment.reported_at = timezone.now()
    body = json.dumps({
        "event_id": f"{shipment.tracking_number}-{status}-{uuid.uuid4().hex[:8]}",
        "tracking_number": shipment.tracking_number,
        "status": status,
        "at": shipment.reported_at.isoformat(),
        "reason": reason,
    }).encode()  # fmt: skip
    try:
        answer = requests.post(shipment.callback_url, data=body, headers=signed(body), timeout=10)
        said = f"{answer.status_code} {answer.text[:200]}"
    except requests.RequestException as failed:
        said = f"not reached: {failed}"[:300]
    shipment.report_answer = said
    shipment.save()
    logger.info("post: %s %s → %s", shipment.tracking_number, status, said)
    return said


def deliver_later(shipment_pk: int, seconds: float) -> None:
    """The demo's postman: the shipment is delivered ``seconds`` after it was accepted."""

    def run() -> None:
        close_old_connections()
        try:
            shipment = Shipment.objects.filter(pk=shipment_pk, status="accepted").first()
            if shipment is not None:
                report(shipment, "delivered")
        finally:
            close_old_connections()

    timer = threading.Timer(seconds, run)
    timer.daemon = True
    timer.start()
