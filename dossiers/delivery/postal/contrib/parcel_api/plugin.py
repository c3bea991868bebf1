"""A postal service with a JSON parcel API and signed reports (the shape of the public postal
service's e-commerce APIs; the sandbox's ``post`` stand-in speaks it):

- ``POST {POSTAL_API_URL}/shipments`` with a bearer key and ``client_ref`` (the idempotency key)
  answers ``{"tracking_number": …}``, the first one again for a ``client_ref`` already seen;
- the service reports to the shipment's ``callback_url`` with a JSON body
  ``{"event_id", "tracking_number", "status": "delivered"|"returned", "at", "reason"}``, the
  header ``X-Post-Timestamp`` (Unix seconds) and ``X-Post-Signature``, the hex HMAC-SHA256 of
  ``"<timestamp>.<body>"`` under the shared secret ``POSTAL_CALLBACK_SECRET``. A report older
  than ``POSTAL_CALLBACK_MAX_AGE_SECONDS`` (or from the future by as much) is refused, so a
  captured report cannot be replayed later.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time
from collections.abc import Mapping

import requests
from django.conf import settings

from ...base import ForgedReport, PostalTransport, Report, Shipment, ShipmentRefused
from ...registry import registry

FINAL_REFUSALS = {400, 401, 403, 404, 422}
STATUSES = {"delivered", "returned"}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@registry.register("parcel_api")
class ParcelApiTransport(PostalTransport):
    verbose_name = "Parcel API (JSON over HTTP, HMAC-signed reports)"

    def check_config(self) -> list[str]:
        return [
            f"{name} is empty"
            for name in ("POSTAL_API_URL", "POSTAL_API_KEY", "POSTAL_CALLBACK_SECRET")
            if not getattr(settings, name)
        ]

    def create_shipment(self, shipment: Shipment, key: str) -> str:
        response = requests.post(
            f"{settings.POSTAL_API_URL.rstrip('/')}/shipments",
            json={
                "client_ref": key,
                "reference": shipment.reference,
                "recipient": {
                    "name": shipment.recipient_name,
                    "phone": shipment.phone,
                    "address": shipment.address,
                },
                "content": shipment.content,
                "callback_url": shipment.callback_url,
            },
            headers={"Authorization": f"Bearer {settings.POSTAL_API_KEY}"},
            timeout=settings.POSTAL_TIMEOUT_SECONDS,
        )
        if response.status_code in FINAL_REFUSALS:
            raise ShipmentRefused(f"the post refused the shipment ({response.status_code}): "
                                  f"{response.text[:300]}")  # fmt: skip
        response.raise_for_status()
        return str(response.json()["tracking_number"])

    def read_report(self, body: bytes, headers: Mapping[str, str]) -> Report:
        timestamp = headers.get("X-Post-Timestamp", "")
        signature = headers.get("X-Post-Signature", "")
        if not timestamp.isdigit() or not signature:
            raise ForgedReport("the report is not signed")
        expected = sign(settings.POSTAL_CALLBACK_SECRET, timestamp, body)
        if not hmac.compare_digest(expected, signature.lower()):
            raise ForgedReport("the signature does not match")
        if abs(time.time() - int(timestamp)) > settings.POSTAL_CALLBACK_MAX_AGE_SECONDS:
            raise ForgedReport("the report is too old or from the future")
        try:
            data = json.loads(body)
            status = data["status"]
            at = datetime.datetime.fromisoformat(data["at"])
            report = Report(
                event_id=str(data["event_id"])[:100],
                tracking_number=str(data["tracking_number"])[:64],
                status=status,
                at=at if at.tzinfo else at.replace(tzinfo=datetime.UTC),
                reason=str(data.get("reason") or "")[:500],
            )
        except (ValueError, KeyError, TypeError) as broken:
            raise ForgedReport(f"the report cannot be read: {broken}") from None
        if status not in STATUSES:
            raise ForgedReport(f"unknown status {status!r}")
        return report
