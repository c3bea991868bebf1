"""System check: the virus scanner ``UPLOAD_ANTIVIRUS`` names exists and is configured, so a
typo stops the deployment instead of refusing every citizen's upload."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from portal.plugins import UnknownPlugin

from .registry import active_scanner


@register()
def antivirus_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        scanner = active_scanner()
    except UnknownPlugin as unknown:
        return [
            Error(f"UPLOAD_ANTIVIRUS={settings.UPLOAD_ANTIVIRUS!r}: {unknown}", id="dossiers.E001")
        ]
    if scanner is None:
        return []
    return [
        Error(f"virus scanner {scanner.identifier!r}: {problem}", id="dossiers.E002")
        for problem in scanner.check_config()
    ]
