"""The shape of a virus scanner: what the upload checks need from one, nothing vendor-specific."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


@dataclass(frozen=True)
class ScanResult:
    """A scanner's answer: clean, or the name of what it found."""

    clean: bool
    signature: str = ""


class ScannerUnavailable(Exception):
    """The scanner could not give an answer (unreachable, timed out, an error reply).

    Uploads fail closed on it: a file that could not be scanned is not kept."""


class Scanner(ABC):
    """A virus scanner. ``id`` is the value of the ``UPLOAD_ANTIVIRUS`` setting that picks it."""

    id: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_settings(cls) -> Scanner:
        """The scanner configured by the deployment's settings."""

    @abstractmethod
    def scan(self, path: Path) -> ScanResult:
        """Scan the file at ``path``; raise :class:`ScannerUnavailable` when no answer comes."""
