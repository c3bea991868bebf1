"""What a payment gateway plugin does (cổng thanh toán), whatever the vendor.

A gateway takes the payer's browser to its own page (:meth:`PaymentGateway.start`), sends the
browser back (:meth:`~PaymentGateway.read_return`, for display only), tells the portal the
result server to server (:meth:`~PaymentGateway.read_notification` and
:meth:`~PaymentGateway.answer_notification`), and answers a status query
(:meth:`~PaymentGateway.query`). The core (:mod:`payments.services`) calls these and never names
a vendor; each vendor lives in ``payments/contrib/<vendor>/``.
"""

from __future__ import annotations

import datetime
import enum
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any

from portal.plugins import Plugin


class BadSignature(Exception):
    """The gateway's message is not signed with our shared secret (or not signed at all)."""


class GatewayUnavailable(Exception):
    """The gateway could not be reached or answered nonsense; try again later."""


class Outcome(enum.Enum):
    """What the portal made of a notification, in the order the checks run (DOMAIN.md §9)."""

    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_ORDER = "unknown_order"
    WRONG_AMOUNT = "wrong_amount"
    ALREADY_SETTLED = "already_settled"
    RECORDED = "recorded"
    ERROR = "error"


@dataclass(frozen=True)
class StartRequest:
    """What the gateway needs to show its payment page."""

    txn_ref: str
    amount: int  # VND×100
    description: str
    return_url: str
    client_ip: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    locale: str = "vn"


@dataclass(frozen=True)
class GatewayResult:
    """A payment's result as the gateway states it (notification, return or query).

    ``known`` is False when the gateway has no such order (a query); ``paid`` only when the
    gateway says the money was taken; ``final`` when it will not change any more (paid or
    declined), False while the payer may still be on the gateway's page.
    """

    txn_ref: str
    amount: int | None = None  # VND×100, as the gateway sent it
    paid: bool = False
    final: bool = False
    known: bool = True
    transaction_no: str = ""
    bank_code: str = ""
    response_code: str = ""
    transaction_status: str = ""
    paid_at: datetime.datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class PaymentGateway(Plugin):
    """Base class of a payment gateway plugin."""

    def page_origin(self) -> str:
        """``scheme://host`` of the gateway's payment page: the pay form's redirect goes there,
        so the page's Content-Security-Policy (``form-action``) must allow it."""
        return ""

    @abstractmethod
    def start(self, request: StartRequest) -> str:
        """The signed address of the gateway's payment page for this payment."""

    @abstractmethod
    def read_return(self, params: dict[str, str]) -> GatewayResult:
        """The browser's return, verified (raises :class:`BadSignature`). Display only."""

    @abstractmethod
    def read_notification(self, params: dict[str, str]) -> GatewayResult:
        """The server-to-server notification, verified (raises :class:`BadSignature`)."""

    @abstractmethod
    def answer_notification(self, outcome: Outcome) -> dict[str, str]:
        """The JSON body the gateway expects back for ``outcome``."""

    @abstractmethod
    def query(self, txn_ref: str, created_at: datetime.datetime, client_ip: str) -> GatewayResult:
        """Ask the gateway for a payment's state (raises :class:`GatewayUnavailable`)."""
