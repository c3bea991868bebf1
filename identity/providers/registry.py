"""The registered identity providers, and the one citizens log in with."""

from __future__ import annotations

from django.conf import settings

from portal.plugins import Registry

from .base import IdentityProvider

registry: Registry[IdentityProvider] = Registry("identity provider")


def active_provider() -> IdentityProvider:
    """The provider named by ``CITIZEN_IDENTITY_PROVIDER`` (read at each call, so tests and a
    settings change take effect at once)."""
    return registry[settings.CITIZEN_IDENTITY_PROVIDER]
