"""A system check: the configured postal transport exists and is configured."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from portal.plugins import UnknownPlugin

from .contrib.parcel_api import plugin as _parcel_api  # noqa: F401 - registers "parcel_api"
from .registry import registry


@checks.register()
def postal_transport_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        transport = registry[settings.POSTAL_TRANSPORT]
    except UnknownPlugin as unknown:
        return [checks.Error(str(unknown), id="delivery.E001")]
    return [
        checks.Error(f"postal transport {transport.identifier}: {problem}", id="delivery.E002")
        for problem in transport.check_config()
    ]
