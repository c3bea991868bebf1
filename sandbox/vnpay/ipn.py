"""Sending the result to the merchant's IPN address, retried like the real gateway.

One background thread per finished transaction: up to ``VNPAY_IPN_ATTEMPTS`` calls,
``VNPAY_IPN_INTERVAL_SECONDS`` apart, until the merchant answers ``{"RspCode": "00"}``.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.db import close_old_connections, connection

from . import protocol
from .models import Transaction

logger = logging.getLogger("sandbox.vnpay")


def deliver(transaction_id: int) -> None:
    """Call the IPN until it answers 00 (runs in its own thread; blocking)."""
    try:
        for attempt in range(1, settings.VNPAY_IPN_ATTEMPTS + 1):
            close_old_connections()
            txn = Transaction.objects.get(pk=transaction_id)
            query = urlencode(protocol.signed(txn.result_params()))
            answer = ""
            try:
                response = requests.get(f"{settings.VNPAY_IPN_URL}?{query}", timeout=10)
                answer = str(response.json().get("RspCode", ""))[:4]
            except (requests.RequestException, ValueError, AttributeError) as exc:
                logger.info("IPN %s attempt %d failed: %s", txn.txn_ref, attempt, exc)
            Transaction.objects.filter(pk=txn.pk).update(ipn_attempts=attempt, ipn_answer=answer)
            logger.info("IPN %s attempt %d answered %r", txn.txn_ref, attempt, answer)
            if answer == "00":
                return
            if attempt < settings.VNPAY_IPN_ATTEMPTS:
                time.sleep(settings.VNPAY_IPN_INTERVAL_SECONDS)
    finally:
        connection.close()


def schedule(transaction_id: int) -> None:
    threading.Thread(target=deliver, args=(transaction_id,), daemon=True).start()
