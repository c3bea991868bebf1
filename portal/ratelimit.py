"""Fixed-window rate limits kept in Django's cache (Redis in production), so that every web
process counts together. Imports no app: the public lookup and the machine-token endpoint both
use it.

A window opens with the first hit under a key and lasts ``window`` seconds; its end is kept
beside the count so that a refusal can say in ``Retry-After`` how long the limit really lasts.
Callers check :func:`is_limited` (or :func:`retry_after`) first and :func:`hit` when what they
count happened (every attempt, or every failure only).
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import cache


def key(kind: str, *parts: str) -> str:
    """A cache key for ``parts`` under ``kind``; hashed, so no address, code or client id is
    stored in clear and no value can make the key too long or invalid."""
    joined = "\n".join(parts).encode("utf-8", "replace")
    return f"{kind}:{hashlib.sha256(joined).hexdigest()[:32]}"


def _ends_key(counter: str) -> str:
    return f"{counter}:ends"


def hit(counter: str, window: int) -> int:
    """Count one more under ``counter``; the new count. The first hit opens the window."""
    if cache.add(counter, 0, timeout=window):
        cache.set(_ends_key(counter), time.time() + window, timeout=window)
    try:
        return cache.incr(counter)
    except ValueError:  # the window ended between add() and incr(): this hit opens a new one
        cache.set(counter, 1, timeout=window)
        cache.set(_ends_key(counter), time.time() + window, timeout=window)
        return 1


def is_limited(counter: str, limit: int) -> bool:
    """``counter`` reached ``limit`` within its window."""
    return (cache.get(counter) or 0) >= limit


def retry_after(counter: str, limit: int, window: int) -> int | None:
    """Seconds until the window of ``counter`` ends when it reached ``limit``, else None
    (the whole ``window`` when its end is unknown, e.g. counted before ends were kept)."""
    if not is_limited(counter, limit):
        return None
    ends = cache.get(_ends_key(counter))
    if ends is None:
        return window
    return max(1, math.ceil(ends - time.time()))
