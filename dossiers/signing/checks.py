"""System check: the key source ``RESULT_SIGNING_BACKEND`` names exists and is configured, so a
typo stops the deployment instead of leaving every result unsigned."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from portal.plugins import UnknownPlugin

from .registry import active_keys


@register()
def signing_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        keys = active_keys()
    except UnknownPlugin as unknown:
        backend = getattr(settings, "RESULT_SIGNING_BACKEND", "")
        return [Error(f"RESULT_SIGNING_BACKEND={backend!r}: {unknown}", id="dossiers.E010")]
    return [
        Error(f"result signing {keys.identifier!r}: {problem}", id="dossiers.E011")
        for problem in keys.check_config()
    ]
