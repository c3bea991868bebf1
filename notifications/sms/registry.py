"""The registered SMS gateways, and the one ``SMS_GATEWAY`` names."""

from __future__ import annotations

from django.conf import settings

from portal.plugins import Registry

from .base import SmsGateway

registry: Registry[SmsGateway] = Registry("SMS gateway")


def active_gateway() -> SmsGateway:
    """The gateway ``SMS_GATEWAY`` names (read at each call; unknown → UnknownPlugin)."""
    return registry[settings.SMS_GATEWAY]
