"""The antivirus hook of uploads, in the shape of ``portal.plugins``: off by default, a deployment
switches a scanner on by its identifier.

``base.py`` says what a scanner does, ``registry.py`` holds the registered ones and picks the one
``UPLOAD_ANTIVIRUS`` names, ``contrib/<vendor>/`` holds one implementation each (today clamd,
with ``CLAMD_ADDRESS``). When a scanner is on and cannot answer, the upload is refused: a file
nobody could check is not kept.
"""

from __future__ import annotations

from pathlib import Path

from . import contrib  # noqa: F401 - registers the built-in scanners
from .base import Scanner, ScannerUnavailable, ScanResult
from .registry import active_scanner, registry

__all__ = ["ScanResult", "Scanner", "ScannerUnavailable", "active_scanner", "registry", "scan"]


def scan(path: Path) -> ScanResult | None:
    """Scan ``path`` with the configured scanner; None when scanning is off."""
    scanner = active_scanner()
    return None if scanner is None else scanner.scan(path)
