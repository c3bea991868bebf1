"""System checks: the configured identity provider exists and its configuration is complete.

Run by ``manage.py check`` and at every start, so a typo in ``CITIZEN_IDENTITY_PROVIDER`` or an
empty client secret stops the deployment instead of failing at a citizen's first login.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from portal.plugins import UnknownPlugin

from .providers.registry import active_provider


@register()
def identity_provider_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        provider = active_provider()
    except UnknownPlugin as unknown:
        return [
            Error(
                f"CITIZEN_IDENTITY_PROVIDER={settings.CITIZEN_IDENTITY_PROVIDER!r}: {unknown}",
                id="identity.E001",
            )
        ]
    return [
        Error(f"identity provider {provider.identifier!r}: {problem}", id="identity.E002")
        for problem in provider.check_config()
    ]
