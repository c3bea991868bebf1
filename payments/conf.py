"""The payments settings, each from the environment with its default (docs/configuration.md).

A Django setting of the same name wins (tests override them with ``settings``); otherwise the
environment variable, otherwise the default below.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from portal.settings.env import env, env_int

DEFAULTS: dict[str, Any] = {
    # Which gateway plugin takes payments (payments.registry).
    "PAYMENT_GATEWAY": lambda: env("PAYMENT_GATEWAY", "vnpay"),
    # Minutes a payment stays open at the gateway (vnp_ExpireDate).
    "PAYMENT_EXPIRE_MINUTES": lambda: env_int("PAYMENT_EXPIRE_MINUTES", 15),
    # A payment still pending after this many seconds is asked about by the beat task.
    "PAYMENT_QUERY_AFTER_SECONDS": lambda: env_int("PAYMENT_QUERY_AFTER_SECONDS", 120),
    # How often the beat task looks for pending payments.
    "PAYMENT_SETTLE_EVERY_SECONDS": lambda: env_int("PAYMENT_SETTLE_EVERY_SECONDS", 60),
    # Where the portal is reached from outside (return and IPN addresses); "" = from the request.
    "PAYMENT_PUBLIC_URL": lambda: env("PAYMENT_PUBLIC_URL", ""),
    # VNPay merchant (the sandbox's demo merchant by default).
    "VNPAY_TMN_CODE": lambda: env("VNPAY_TMN_CODE", "HCMCDVC1"),
    "VNPAY_HASH_SECRET": lambda: env("VNPAY_HASH_SECRET", "hcmc-portal-vnpay-demo-secret"),
    "VNPAY_PAYMENT_URL": lambda: env(
        "VNPAY_PAYMENT_URL", "http://127.0.0.1:8100/vnpay/paymentv2/vpcpay.html"
    ),
    "VNPAY_API_URL": lambda: env(
        "VNPAY_API_URL", "http://127.0.0.1:8100/vnpay/merchant_webapi/api/transaction"
    ),
    "VNPAY_HTTP_TIMEOUT_SECONDS": lambda: env_int("VNPAY_HTTP_TIMEOUT_SECONDS", 10),
}


def get(name: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    return DEFAULTS[name]()
