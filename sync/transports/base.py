"""What the push relay and the reconcile command need from a national-portal transport."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from portal.plugins import Plugin


class TransportError(Exception):
    """The delivery failed this time (timeout, refused connection, 5xx): try again later."""


class Rejected(Exception):
    """The receiver refused the change itself (malformed): sending it again will not help."""


@dataclass(frozen=True)
class Delivery:
    """The receiver's answer to a push: ``duplicate`` when it had this (code, version) already."""

    duplicate: bool


@dataclass(frozen=True)
class MirrorEntry:
    """What the receiver holds of one dossier."""

    dossier_code: str
    version: int  # the highest version received, of any kind
    status: Any  # the status code of its latest full dossier
    payload_sha256: str  # of its latest full dossier, serialised canonically


@dataclass(frozen=True)
class MirrorPage:
    entries: list[MirrorEntry]
    next_after: str | None  # None: the last page


class SyncTransport(Plugin, ABC):
    """Delivers change envelopes to the national portal and reads back what it holds."""

    @abstractmethod
    def push(self, envelope: dict[str, Any]) -> Delivery:
        """Send one envelope. Idempotent at the receiver by (dossier code, version).

        Raises :class:`TransportError` to be retried, :class:`Rejected` to give up at once.
        """

    @abstractmethod
    def mirror(self, after: str = "", limit: int = 1000) -> MirrorPage:
        """The receiver's dossiers with codes after ``after``, ordered by code.

        Raises :class:`TransportError` when the receiver cannot be read.
        """
