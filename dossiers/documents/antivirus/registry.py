"""The registered virus scanners, and the one ``UPLOAD_ANTIVIRUS`` switches on."""

from __future__ import annotations

from django.conf import settings

from portal.plugins import Registry

from .base import Scanner

registry: Registry[Scanner] = Registry("virus scanner")


def active_scanner() -> Scanner | None:
    """The scanner named by ``UPLOAD_ANTIVIRUS``, or None when it is empty (the default). Read
    at each call, so tests and a settings change take effect at once; an unknown name raises
    :class:`portal.plugins.UnknownPlugin` (the system check reports it at start)."""
    chosen = (settings.UPLOAD_ANTIVIRUS or "").strip()
    return registry[chosen] if chosen else None
