"""The VNPay protocol, version 2.1.0: payment URL, return, IPN and the query API (querydr)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests
from django.utils.translation import gettext_lazy as _

from ... import conf
from ...base import (
    BadSignature,
    GatewayResult,
    GatewayUnavailable,
    Outcome,
    PaymentGateway,
    StartRequest,
)
from ...registry import gateways
from . import signature

VERSION = "2.1.0"
TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # the protocol's dates are GMT+7
DATE_FORMAT = "%Y%m%d%H%M%S"
PAID = "00"  # vnp_ResponseCode and vnp_TransactionStatus of a successful payment
PENDING = "01"  # vnp_TransactionStatus: not finished yet
NOT_FOUND = "91"  # querydr: no such transaction

ANSWERS: dict[Outcome, tuple[str, str]] = {
    Outcome.BAD_SIGNATURE: ("97", "Invalid Checksum"),
    Outcome.UNKNOWN_ORDER: ("01", "Order not Found"),
    Outcome.WRONG_AMOUNT: ("04", "Invalid amount"),
    Outcome.ALREADY_SETTLED: ("02", "Order already confirmed"),
    Outcome.RECORDED: ("00", "Confirm Success"),
    Outcome.ERROR: ("99", "Unknow error"),
}
QUERY_RESPONSE_FIELDS = (
    "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
    "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
    "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode",
    "vnp_PromotionAmount",
)  # fmt: skip


def stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(TIME_ZONE).strftime(DATE_FORMAT)


def parse_stamp(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(text, DATE_FORMAT).replace(tzinfo=TIME_ZONE)
    except (TypeError, ValueError):
        return None


def _amount(text: Any) -> int | None:
    text = str(text or "")
    return int(text) if text.isdigit() else None


@gateways.register("vnpay")
class VNPay(PaymentGateway):
    verbose_name = _("VNPay (protocol 2.1.0)")

    @property
    def secret(self) -> str:
        return conf.get("VNPAY_HASH_SECRET")

    def check_config(self) -> list[str]:
        problems = []
        for name in ("VNPAY_TMN_CODE", "VNPAY_HASH_SECRET", "VNPAY_PAYMENT_URL", "VNPAY_API_URL"):
            if not conf.get(name):
                problems.append(f"{name} is not set")
        return problems

    def page_origin(self) -> str:
        found = urlsplit(conf.get("VNPAY_PAYMENT_URL"))
        return f"{found.scheme}://{found.netloc}" if found.scheme and found.netloc else ""

    def start(self, request: StartRequest) -> str:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": conf.get("VNPAY_TMN_CODE"),
            "vnp_Amount": str(request.amount),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": request.txn_ref,
            "vnp_OrderInfo": request.description,
            "vnp_OrderType": "billpayment",
            "vnp_Locale": request.locale,
            "vnp_ReturnUrl": request.return_url,
            "vnp_IpAddr": request.client_ip,
            "vnp_CreateDate": stamp(request.created_at),
            "vnp_ExpireDate": stamp(request.expires_at),
        }
        return f"{conf.get('VNPAY_PAYMENT_URL')}?{signature.signed_query(params, self.secret)}"

    def _result(self, params: Mapping[str, str]) -> GatewayResult:
        if not signature.verify(params, self.secret):
            raise BadSignature("vnp_SecureHash does not match")
        response = str(params.get("vnp_ResponseCode", ""))
        status = str(params.get("vnp_TransactionStatus", ""))
        return GatewayResult(
            txn_ref=str(params.get("vnp_TxnRef", "")),
            amount=_amount(params.get("vnp_Amount")),
            paid=response == PAID and status == PAID,
            final=True,
            transaction_no=str(params.get("vnp_TransactionNo", ""))[:40],
            bank_code=str(params.get("vnp_BankCode", ""))[:20],
            response_code=response[:4],
            transaction_status=status[:4],
            paid_at=parse_stamp(str(params.get("vnp_PayDate", ""))),
            raw=dict(params),
        )

    def read_return(self, params: dict[str, str]) -> GatewayResult:
        return self._result(params)

    def read_notification(self, params: dict[str, str]) -> GatewayResult:
        return self._result(params)

    def answer_notification(self, outcome: Outcome) -> dict[str, str]:
        code, message = ANSWERS[outcome]
        return {"RspCode": code, "Message": message}

    def query(self, txn_ref: str, created_at: datetime.datetime, client_ip: str) -> GatewayResult:
        from portal import clock

        body = {
            "vnp_RequestId": uuid.uuid4().hex[:32],
            "vnp_Version": VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": conf.get("VNPAY_TMN_CODE"),
            "vnp_TxnRef": txn_ref,
            "vnp_TransactionDate": stamp(created_at),
            "vnp_CreateDate": stamp(clock.now()),
            "vnp_IpAddr": client_ip,
            "vnp_OrderInfo": f"Truy van giao dich {txn_ref}",
        }
        body["vnp_SecureHash"] = signature.sign_fields(
            [body[k] for k in ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode",
                               "vnp_TxnRef", "vnp_TransactionDate", "vnp_CreateDate",
                               "vnp_IpAddr", "vnp_OrderInfo")],
            self.secret,
        )  # fmt: skip
        try:
            response = requests.post(
                conf.get("VNPAY_API_URL"),
                json=body,
                timeout=conf.get("VNPAY_HTTP_TIMEOUT_SECONDS"),
            )
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise GatewayUnavailable(f"querydr failed: {exc}") from exc
        if not isinstance(answer, dict):
            raise GatewayUnavailable("querydr answered something that is not an object")
        expected = signature.sign_fields(
            [answer.get(k, "") for k in QUERY_RESPONSE_FIELDS], self.secret
        )
        if str(answer.get("vnp_SecureHash", "")).lower() != expected:
            raise BadSignature("querydr answer: vnp_SecureHash does not match")
        code = str(answer.get("vnp_ResponseCode", ""))
        if code == NOT_FOUND:
            return GatewayResult(txn_ref=txn_ref, known=False, response_code=code, raw=answer)
        if code != PAID:
            raise GatewayUnavailable(f"querydr answered {code}: {answer.get('vnp_Message')}")
        status = str(answer.get("vnp_TransactionStatus", ""))
        response_code = "00" if status == PAID else str(answer.get("vnp_ResponseCode", ""))
        return GatewayResult(
            txn_ref=str(answer.get("vnp_TxnRef", "")),
            amount=_amount(answer.get("vnp_Amount")),
            paid=status == PAID,
            final=status != PENDING,
            transaction_no=str(answer.get("vnp_TransactionNo", ""))[:40],
            bank_code=str(answer.get("vnp_BankCode", ""))[:20],
            response_code=response_code[:4],
            transaction_status=status[:4],
            paid_at=parse_stamp(str(answer.get("vnp_PayDate", ""))),
            raw=answer,
        )
