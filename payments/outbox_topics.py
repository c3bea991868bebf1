"""The payments app's outbox topic: the e-receipt of a paid fee must not be lost.

The settling transaction (IPN or query) writes one message per paid payment; its delivery
renders the receipt and puts it in the citizen's documents (:func:`payments.receipts.issue`,
idempotent: a receipt already issued is found, not made again).
"""

from __future__ import annotations

from typing import Any

from outbox import Permanent, topic

RECEIPT = "payments.receipt"


@topic(RECEIPT, queue="payments", max_attempts=8, backoff_seconds=5, backoff_max_seconds=600)
def issue_receipt(message: Any) -> None:
    from .receipts import issue

    if issue(int(message.payload["payment"])) is None:
        raise Permanent("no paid payment with this id")
