"""The antivirus hook of uploads: off by default, a deployment switches on a scanner by id.

``UPLOAD_ANTIVIRUS=clamd`` (with ``CLAMD_ADDRESS``) scans every upload before it is kept. When
a scanner is on and cannot answer, the upload is refused: a file nobody could check is not kept.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import Scanner, ScannerUnavailable, ScanResult
from .contrib import clamd  # noqa: F401 - registers the clamd scanner
from .registry import registry

__all__ = ["ScanResult", "Scanner", "ScannerUnavailable", "registry", "scan", "scanner"]


def scanner() -> Scanner | None:
    """The configured scanner, or None when ``UPLOAD_ANTIVIRUS`` is empty (the default)."""
    chosen = (settings.UPLOAD_ANTIVIRUS or "").strip()
    if not chosen:
        return None
    try:
        return registry.get(chosen).from_settings()
    except KeyError:
        raise ImproperlyConfigured(
            f"UPLOAD_ANTIVIRUS={chosen!r} is not one of {', '.join(registry.ids())}"
        ) from None


def scan(path: Path) -> ScanResult | None:
    """Scan ``path`` with the configured scanner; None when scanning is off."""
    configured = scanner()
    return None if configured is None else configured.scan(path)
