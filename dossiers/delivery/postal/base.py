"""What delivery by post needs from a postal service, nothing vendor-specific."""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from portal.plugins import Plugin


@dataclass(frozen=True)
class Shipment:
    reference: str  # the dossier code
    recipient_name: str
    phone: str
    address: str
    content: str  # what is inside, in words
    callback_url: str  # where the service reports delivered / returned


@dataclass(frozen=True)
class Report:
    """A report of the postal service about one shipment, once its signature was checked."""

    event_id: str
    tracking_number: str
    status: str  # "delivered" or "returned"
    at: datetime.datetime
    reason: str = ""


class ShipmentRefused(Exception):
    """The service refused the shipment for good (an address it does not serve…)."""


class ForgedReport(Exception):
    """A report whose signature, timestamp or body does not hold: not from the service."""


class PostalTransport(Plugin, ABC):
    """A postal service; its identifier is the value of ``POSTAL_TRANSPORT``."""

    @abstractmethod
    def create_shipment(self, shipment: Shipment, key: str) -> str:
        """Ask the service to carry ``shipment``; answer its tracking number. ``key`` is the
        idempotency key: the same key again answers the first shipment's tracking number."""

    @abstractmethod
    def read_report(self, body: bytes, headers: Mapping[str, str]) -> Report:
        """Check a report the service posted to the callback URL and read it; raise
        :class:`ForgedReport` when it is not genuine."""
