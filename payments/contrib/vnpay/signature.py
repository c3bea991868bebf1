"""The VNPay 2.1.0 signature (DOMAIN.md §9), with nothing else in this module.

Payment URL, return and IPN: HMAC-SHA512, keyed with the merchant's hash secret, over the
``vnp_*`` parameters except the hash fields, sorted by key, each written ``key=value`` with the
value URL-encoded (spaces as ``+``) and joined with ``&``; the hex digest is ``vnp_SecureHash``.
The query API (``querydr``) signs its fields joined with ``|`` in a fixed order instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus

HASH_FIELDS = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})


def canonical(params: Mapping[str, str]) -> str:
    """The signed text: the ``vnp_*`` parameters (hash fields excluded, empty values left out,
    as the gateway leaves them out of its own URLs) sorted by key."""
    return "&".join(
        f"{key}={quote_plus(str(value))}"
        for key, value in sorted(params.items())
        if key.startswith("vnp_") and key not in HASH_FIELDS and str(value) != ""
    )


def digest(text: str, secret: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def sign(params: Mapping[str, str], secret: str) -> str:
    """``vnp_SecureHash`` for ``params``."""
    return digest(canonical(params), secret)


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Whether ``params`` carry a ``vnp_SecureHash`` made with ``secret`` (constant time)."""
    given = str(params.get("vnp_SecureHash", "")).lower()
    return bool(given) and hmac.compare_digest(given, sign(params, secret))


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """The query string of a payment URL: the signed text, then its hash."""
    return f"{canonical(params)}&vnp_SecureHash={sign(params, secret)}"


def sign_fields(values: Iterable[str], secret: str) -> str:
    """The query API's checksum: the values in the protocol's order, joined with ``|``."""
    return digest("|".join(str(v) for v in values), secret)
