"""The VNPay stand-in's pages and API."""

from __future__ import annotations

import datetime
import json
import uuid
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import ipn, protocol
from .models import Transaction

GMT7 = ZoneInfo("Asia/Ho_Chi_Minh")
REQUIRED = (
    "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_Amount", "vnp_CurrCode", "vnp_TxnRef",
    "vnp_OrderInfo", "vnp_ReturnUrl", "vnp_IpAddr", "vnp_CreateDate",
)  # fmt: skip
TRANSACTION_BASE = 14_000_000


def _now() -> datetime.datetime:
    return datetime.datetime.now(GMT7)


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(GMT7).strftime(protocol.DATE_FORMAT)


def _error(request: HttpRequest, code: str, message: str, status: int = 400) -> HttpResponse:
    return render(request, "vnpay/error.html", {"code": code, "message": message}, status=status)


@never_cache
@require_GET
def payment_page(request: HttpRequest) -> HttpResponse:
    """The merchant's signed payment URL: checked, then the page to approve or decline."""
    params = request.GET.dict()
    if any(not params.get(name) for name in REQUIRED):
        return _error(request, "03", "Dữ liệu gửi sang không đúng định dạng (thiếu tham số).")
    if params["vnp_TmnCode"] != settings.VNPAY_TMN_CODE:
        return _error(request, "02", "Merchant không hợp lệ.")
    if not protocol.valid(params):
        return _error(request, "70", "Sai chữ ký (vnp_SecureHash).")
    if params["vnp_Version"] != "2.1.0" or params["vnp_Command"] != "pay":
        return _error(request, "03", "Phiên bản hoặc lệnh không được hỗ trợ.")
    if not params["vnp_Amount"].isdigit() or params["vnp_CurrCode"] != "VND":
        return _error(request, "03", "Số tiền không hợp lệ.")
    txn, _created = Transaction.objects.get_or_create(
        tmn_code=params["vnp_TmnCode"],
        txn_ref=params["vnp_TxnRef"],
        defaults={
            "amount": int(params["vnp_Amount"]),
            "order_info": params["vnp_OrderInfo"][:255],
            "return_url": params["vnp_ReturnUrl"],
            "ip_address": params["vnp_IpAddr"][:45],
            "create_date": params["vnp_CreateDate"][:14],
            "expire_date": params.get("vnp_ExpireDate", "")[:14],
        },
    )
    if txn.state != Transaction.State.OPEN:
        return _error(request, "94", "Giao dịch này đã được xử lý.", status=409)
    if txn.expire_date and _stamp(_now()) > txn.expire_date:
        return _error(request, "11", "Đã hết hạn chờ thanh toán. Vui lòng thực hiện lại giao dịch.")
    return render(request, "vnpay/pay.html", {"txn": txn, "amount_vnd": txn.amount // 100})


@never_cache
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The payer approves (bank NCB, code 00) or cancels (code 24); back to the merchant."""
    approve = request.POST.get("decision") == "approve"
    with transaction.atomic():
        txn = get_object_or_404(Transaction.objects.select_for_update(), pk=pk)
        if txn.state != Transaction.State.OPEN:
            return _error(request, "94", "Giao dịch này đã được xử lý.", status=409)
        if txn.expire_date and _stamp(_now()) > txn.expire_date:
            return _error(request, "11", "Đã hết hạn chờ thanh toán.")
        txn.state = Transaction.State.PAID if approve else Transaction.State.DECLINED
        txn.response_code = "00" if approve else "24"
        txn.bank_code = "NCB"
        txn.transaction_no = str(TRANSACTION_BASE + txn.pk)
        txn.pay_date = _stamp(_now())
        txn.save()
        transaction.on_commit(lambda: ipn.schedule(txn.pk))
    query = urlencode(protocol.signed(txn.result_params()))
    return HttpResponseRedirect(f"{txn.return_url}?{query}")


QUERY_FIELDS = (
    "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
    "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo",
)  # fmt: skip
ANSWER_FIELDS = (
    "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
    "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
    "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode",
    "vnp_PromotionAmount",
)  # fmt: skip


def _answer(fields: dict[str, str]) -> JsonResponse:
    body = {name: fields.get(name, "") for name in ANSWER_FIELDS}
    body["vnp_ResponseId"] = uuid.uuid4().hex
    body["vnp_SecureHash"] = protocol.checksum([body[name] for name in ANSWER_FIELDS])
    return JsonResponse(body)


@csrf_exempt
@require_POST
def merchant_api(request: HttpRequest) -> JsonResponse:
    """``querydr``: the state of one transaction, signed (fields joined with ``|``)."""
    try:
        asked = json.loads(request.body)
    except ValueError:
        return _answer({"vnp_ResponseCode": "03", "vnp_Message": "Invalid request"})
    if not isinstance(asked, dict):
        return _answer({"vnp_ResponseCode": "03", "vnp_Message": "Invalid request"})
    asked = {k: str(v) for k, v in asked.items()}
    base = {"vnp_Command": asked.get("vnp_Command", ""), "vnp_TmnCode": settings.VNPAY_TMN_CODE}
    expected = protocol.checksum([asked.get(name, "") for name in QUERY_FIELDS])
    if asked.get("vnp_SecureHash", "").lower() != expected:
        return _answer({**base, "vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"})
    if asked.get("vnp_Command") != "querydr" or asked.get("vnp_TmnCode") != settings.VNPAY_TMN_CODE:
        return _answer({**base, "vnp_ResponseCode": "02", "vnp_Message": "Invalid request"})
    txn = Transaction.objects.filter(
        tmn_code=asked["vnp_TmnCode"], txn_ref=asked.get("vnp_TxnRef", "")
    ).first()
    if txn is None:
        return _answer({**base, "vnp_ResponseCode": "91", "vnp_Message": "Not found"})
    return _answer(
        {
            **base,
            "vnp_ResponseCode": "00",
            "vnp_Message": "QueryDR Success",
            "vnp_TxnRef": txn.txn_ref,
            "vnp_Amount": str(txn.amount),
            "vnp_BankCode": txn.bank_code,
            "vnp_PayDate": txn.pay_date,
            "vnp_TransactionNo": txn.transaction_no,
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": txn.transaction_status,
            "vnp_OrderInfo": txn.order_info,
        }
    )


@require_GET
def transactions(request: HttpRequest) -> HttpResponse:
    """The stand-in's latest transactions and their IPN calls (for demos)."""
    rows = Transaction.objects.order_by("-pk")[:50]
    return render(request, "vnpay/transactions.html", {"rows": rows})
