"""System checks: the configured payment gateway exists and its configuration is complete.

Run by ``manage.py check`` and at every start, so a typo in ``PAYMENT_GATEWAY`` or an empty
hash secret stops the deployment instead of failing at a citizen's first payment.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from portal.plugins import UnknownPlugin

from . import conf
from .registry import gateway


@register()
def payment_gateway_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        plugin = gateway()
    except UnknownPlugin as unknown:
        return [
            Error(f"PAYMENT_GATEWAY={conf.get('PAYMENT_GATEWAY')!r}: {unknown}", id="payments.E001")
        ]
    return [
        Error(f"payment gateway {plugin.identifier!r}: {problem}", id="payments.E002")
        for problem in plugin.check_config()
    ]
