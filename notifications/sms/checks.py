"""A system check: the configured SMS gateway exists and its configuration is complete."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from portal.plugins import UnknownPlugin

from .contrib.brandname import plugin as _brandname  # noqa: F401 - registers "brandname"
from .registry import registry


@checks.register()
def sms_gateway_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        gateway = registry[settings.SMS_GATEWAY]
    except UnknownPlugin as unknown:
        return [checks.Error(str(unknown), id="notifications.E001")]
    return [
        checks.Error(f"SMS gateway {gateway.identifier}: {problem}", id="notifications.E002")
        for problem in gateway.check_config()
    ]
