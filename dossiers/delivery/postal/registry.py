"""The registered postal transports, and the one ``POSTAL_TRANSPORT`` names."""

from __future__ import annotations

from django.conf import settings

from portal.plugins import Registry

from .base import PostalTransport

registry: Registry[PostalTransport] = Registry("postal transport")


def active_transport() -> PostalTransport:
    return registry[settings.POSTAL_TRANSPORT]
