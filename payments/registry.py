"""The payment gateways, by identifier (the setting ``PAYMENT_GATEWAY`` picks the one in use)."""

from __future__ import annotations

from portal.plugins import Registry

from . import conf
from .base import PaymentGateway

gateways: Registry[PaymentGateway] = Registry("payment gateway")


def gateway(identifier: str | None = None) -> PaymentGateway:
    """The gateway named ``identifier``, or the one the settings choose."""
    return gateways[identifier or conf.get("PAYMENT_GATEWAY")]
