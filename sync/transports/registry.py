"""The registered national-portal transports, and the one ``SYNC_TRANSPORT`` names."""

from __future__ import annotations

from django.conf import settings

from portal.plugins import Registry

from .base import SyncTransport

registry: Registry[SyncTransport] = Registry("national-portal transport")


def active_transport() -> SyncTransport:
    """The transport named by ``SYNC_TRANSPORT`` (read at each call: tests and a settings change
    take effect at once)."""
    return registry[settings.SYNC_TRANSPORT]
