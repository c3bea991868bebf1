"""ClamAV's daemon (clamd)."""

from . import plugin  # noqa: F401
