"""The gateway's side of the VNPay 2.1.0 signature (written for the stand-in, not shared with
the portal: two sides that agree only through the protocol)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from django.conf import settings

DATE_FORMAT = "%Y%m%d%H%M%S"


def _hash_data(params: dict[str, str]) -> str:
    fields = {
        k: v
        for k, v in params.items()
        if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType") and v != ""
    }
    # urlencode writes each value with quote_plus: spaces become "+".
    return urlencode(sorted(fields.items()))


def sign(params: dict[str, str]) -> str:
    secret = settings.VNPAY_HASH_SECRET.encode()
    return hmac.new(secret, _hash_data(params).encode(), hashlib.sha512).hexdigest()


def valid(params: dict[str, str]) -> bool:
    given = params.get("vnp_SecureHash", "").lower()
    return bool(given) and hmac.compare_digest(given, sign(params))


def signed(params: dict[str, str]) -> dict[str, str]:
    return {**params, "vnp_SecureHash": sign(params)}


def checksum(values: list[str]) -> str:
    secret = settings.VNPAY_HASH_SECRET.encode()
    return hmac.new(secret, "|".join(values).encode(), hashlib.sha512).hexdigest()
