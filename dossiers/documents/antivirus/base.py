"""What the upload checks need from a virus scanner (trình quét virus), nothing vendor-specific."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from portal.plugins import Plugin


@dataclass(frozen=True)
class ScanResult:
    """A scanner's answer: clean, or the name of what it found."""

    clean: bool
    signature: str = ""


class ScannerUnavailable(Exception):
    """The scanner could not give an answer (unreachable, timed out, an error reply).

    Uploads fail closed on it: a file that could not be scanned is not kept."""


class Scanner(Plugin, ABC):
    """A virus scanner; its identifier is the value of ``UPLOAD_ANTIVIRUS`` that picks it."""

    @abstractmethod
    def scan(self, path: Path) -> ScanResult:
        """Scan the file at ``path``; raise :class:`ScannerUnavailable` when no answer comes."""
