"""System check: the transport ``SYNC_TRANSPORT`` names exists and is configured."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from portal.plugins import UnknownPlugin

from .transports.registry import active_transport


@register()
def sync_transport_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        transport = active_transport()
    except UnknownPlugin as unknown:
        return [Error(f"SYNC_TRANSPORT={settings.SYNC_TRANSPORT!r}: {unknown}", id="sync.E001")]
    return [
        Error(f"sync transport {transport.identifier!r}: {problem}", id="sync.E002")
        for problem in transport.check_config()
    ]
