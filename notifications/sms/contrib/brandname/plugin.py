"""A brand-name SMS gateway over JSON and HTTPS (the shape Vietnamese SMS brandname providers
offer): ``POST {SMS_GATEWAY_URL}/messages`` with a bearer key, the sender name, the number, the
text and ``client_ref``, the idempotency key; it answers the message id, the first one's again
when ``client_ref`` was already seen. The sandbox's ``sms`` stand-in speaks it."""

from __future__ import annotations

import requests
from django.conf import settings

from ...base import SmsGateway, SmsRefused
from ...registry import registry

# Answers that no retry changes; everything else (timeouts, 5xx, 408, 429) is retried.
FINAL_REFUSALS = {400, 401, 403, 404, 413, 422}


@registry.register("brandname")
class BrandnameGateway(SmsGateway):
    verbose_name = "SMS brandname (JSON over HTTP)"

    def check_config(self) -> list[str]:
        problems = []
        if not settings.SMS_GATEWAY_URL:
            problems.append("SMS_GATEWAY_URL is empty")
        if not settings.SMS_GATEWAY_API_KEY:
            problems.append("SMS_GATEWAY_API_KEY is empty")
        return problems

    def send(self, phone: str, text: str, key: str) -> str:
        response = requests.post(
            f"{settings.SMS_GATEWAY_URL.rstrip('/')}/messages",
            json={
                "to": phone,
                "text": text,
                "brandname": settings.SMS_BRANDNAME,
                "client_ref": key,
            },
            headers={"Authorization": f"Bearer {settings.SMS_GATEWAY_API_KEY}"},
            timeout=settings.SMS_GATEWAY_TIMEOUT_SECONDS,
        )
        if response.status_code in FINAL_REFUSALS:
            raise SmsRefused(f"the gateway refused the SMS ({response.status_code}): "
                             f"{response.text[:300]}")  # fmt: skip
        response.raise_for_status()
        return str(response.json()["id"])
