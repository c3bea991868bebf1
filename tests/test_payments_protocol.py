"""The VNPay 2.1.0 signature (DOMAIN.md §9), against vectors worked out by hand.

Each expected text below was written by hand from the rule: the ``vnp_*`` parameters without the
hash fields (and without empty values), sorted by key, ``key=urlencoded(value)`` with spaces as
``+``, joined with ``&``. The expected digests were computed outside Python, with
``printf '%s' TEXT | openssl dgst -sha512 -hmac KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, urlsplit

import pytest

from payments.base import BadSignature, Outcome, StartRequest
from payments.contrib.vnpay import signature
from payments.contrib.vnpay.plugin import VNPay
from payments.registry import gateway, gateways

PAY_PARAMS = {
    "vnp_Version": "2.1.0",
    "vnp_Command": "pay",
    "vnp_TmnCode": "HCMCDVC1",
    "vnp_Amount": "5000000",
    "vnp_CurrCode": "VND",
    "vnp_TxnRef": "P261206103000ABCDE",
    "vnp_OrderInfo": "Thanh toan le phi ho so H29.25.01-261206-0001",
    "vnp_OrderType": "billpayment",
    "vnp_Locale": "vn",
    "vnp_ReturnUrl": "http://127.0.0.1:8000/payments/vnpay/return/",
    "vnp_IpAddr": "127.0.0.1",
    "vnp_CreateDate": "20261206103000",
    "vnp_ExpireDate": "20261206104500",
}
PAY_TEXT = (
    "vnp_Amount=5000000&vnp_Command=pay&vnp_CreateDate=20261206103000&vnp_CurrCode=VND"
    "&vnp_ExpireDate=20261206104500&vnp_IpAddr=127.0.0.1&vnp_Locale=vn"
    "&vnp_OrderInfo=Thanh+toan+le+phi+ho+so+H29.25.01-261206-0001&vnp_OrderType=billpayment"
    "&vnp_ReturnUrl=http%3A%2F%2F127.0.0.1%3A8000%2Fpayments%2Fvnpay%2Freturn%2F"
    "&vnp_TmnCode=HCMCDVC1&vnp_TxnRef=P261206103000ABCDE&vnp_Version=2.1.0"
)
PAY_DIGEST = (
    "cae6541ee1378f130cdeb13a567c01c954a1d2660da84cd3b0d3927da5953358"
    "c76f60e0faa74b70c4b2e2fd5a70796a79ba0e171d14ee67a31aceb16371847a"
)


def test_the_payment_url_text_and_digest_match_the_hand_computed_vector():
    assert signature.canonical(PAY_PARAMS) == PAY_TEXT
    assert signature.sign(PAY_PARAMS, "secret-key-for-test") == PAY_DIGEST


def test_utf8_and_reserved_characters_are_percent_encoded_and_hash_fields_left_out():
    params = {
        "vnp_TxnRef": "A1",
        "vnp_OrderInfo": "Lệ phí & phí=50%",
        "vnp_Amount": "1000000",
        "vnp_SecureHash": "ignored",
        "vnp_SecureHashType": "HmacSHA512",
        "vnp_BankCode": "",  # empty: left out, as the gateway leaves it out
        "other": "not a vnp_ field",
    }
    text = "vnp_Amount=1000000&vnp_OrderInfo=L%E1%BB%87+ph%C3%AD+%26+ph%C3%AD%3D50%25&vnp_TxnRef=A1"
    assert signature.canonical(params) == text
    assert signature.sign(params, "k") == (
        "c22de4b2f416eccf229d057c84b8220c6e56c820e076ed66e2b429d0a50f3547"
        "bc9d3caf65e5ed37b99b53cc963cae3e5198ee7c395888bf2a944593c08226c6"
    )


def test_verify_accepts_the_right_digest_in_any_case_and_refuses_a_changed_value():
    signed = {**PAY_PARAMS, "vnp_SecureHash": PAY_DIGEST.upper()}
    assert signature.verify(signed, "secret-key-for-test")
    assert not signature.verify({**signed, "vnp_Amount": "5000001"}, "secret-key-for-test")
    assert not signature.verify(signed, "another-secret")
    assert not signature.verify(PAY_PARAMS, "secret-key-for-test")  # no hash at all


def test_the_query_api_checksum_joins_the_fields_with_bars():
    values = ["r1", "2.1.0", "querydr", "HCMCDVC1", "T1", "20261206103000", "20261206110000"]
    expected = hmac.new(b"k", "|".join(values).encode(), hashlib.sha512).hexdigest()
    assert signature.sign_fields(values, "k") == expected


def test_the_gateway_builds_a_signed_url_with_every_protocol_field(settings):
    import datetime
    from zoneinfo import ZoneInfo

    settings.VNPAY_HASH_SECRET = "secret-key-for-test"
    settings.VNPAY_TMN_CODE = "HCMCDVC1"
    settings.VNPAY_PAYMENT_URL = "https://gateway.example/paymentv2/vpcpay.html"
    at = datetime.datetime(2026, 12, 6, 10, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    url = gateway("vnpay").start(
        StartRequest(
            txn_ref="P261206103000ABCDE",
            amount=5000000,
            description="Thanh toan le phi ho so H29.25.01-261206-0001",
            return_url="http://127.0.0.1:8000/payments/vnpay/return/",
            client_ip="127.0.0.1",
            created_at=at.astimezone(datetime.UTC),
            expires_at=at + datetime.timedelta(minutes=15),
        )
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == settings.VNPAY_PAYMENT_URL
    assert parts.query == f"{PAY_TEXT}&vnp_SecureHash={PAY_DIGEST}"
    assert dict(parse_qsl(parts.query))["vnp_CreateDate"] == "20261206103000"  # GMT+7


def test_the_registry_holds_vnpay_and_its_answers_are_the_protocol_codes():
    plugin = gateways["vnpay"]
    assert isinstance(plugin, VNPay)
    codes = {outcome: plugin.answer_notification(outcome)["RspCode"] for outcome in Outcome}
    assert codes == {
        Outcome.BAD_SIGNATURE: "97",
        Outcome.UNKNOWN_ORDER: "01",
        Outcome.WRONG_AMOUNT: "04",
        Outcome.ALREADY_SETTLED: "02",
        Outcome.RECORDED: "00",
        Outcome.ERROR: "99",
    }


def test_paid_means_response_code_and_transaction_status_both_00(settings):
    settings.VNPAY_HASH_SECRET = "k"
    plugin = gateways["vnpay"]

    def read(response: str, status: str):
        params = {"vnp_TxnRef": "T", "vnp_Amount": "100", "vnp_ResponseCode": response,
                  "vnp_TransactionStatus": status}  # fmt: skip
        params["vnp_SecureHash"] = signature.sign(params, "k")
        return plugin.read_notification(params)

    assert read("00", "00").paid
    assert not read("00", "02").paid
    assert not read("24", "00").paid
    with pytest.raises(BadSignature):
        plugin.read_notification({"vnp_TxnRef": "T", "vnp_SecureHash": "00"})


def test_system_checks_refuse_an_unknown_gateway_and_an_empty_secret(settings):
    from payments.checks import payment_gateway_check

    assert payment_gateway_check() == []
    settings.VNPAY_HASH_SECRET = ""
    assert [e.id for e in payment_gateway_check()] == ["payments.E002"]
    settings.PAYMENT_GATEWAY = "nosuchgateway"
    assert [e.id for e in payment_gateway_check()] == ["payments.E001"]
