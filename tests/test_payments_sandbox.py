"""The portal against the VNPay stand-in (``sandbox/vnpay``) over HTTP, in its own process.

The payer's clicks on the stand-in's page are made with an HTTP session (the browser test in
``tests/e2e/test_payment_journey.py`` makes them in Chromium).
"""

from __future__ import annotations

import datetime
import http.server
import re
import threading
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

import outbox
from payments import registry, services, tasks
from payments.models import FeeDemand, FeeRule, FeeRuleLine, Payment, Stage
from payments.outbox_topics import RECEIPT
from portal import clock
from procedures.models import Procedure
from tests.factories import MARRIAGE, DossierFactory
from tests.sandbox_process import free_port, manage, sandbox_env, serving


class Merchant(http.server.BaseHTTPRequestHandler):
    """A stand-in IPN receiver: answers 99 twice per order, then 00; keeps what it was sent."""

    calls: list[dict[str, str]] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        params = dict(parse_qsl(urlsplit(self.path).query))
        type(self).calls.append(params)
        seen = [c for c in type(self).calls if c.get("vnp_TxnRef") == params.get("vnp_TxnRef")]
        code = "00" if len(seen) >= 3 else "99"
        body = f'{{"RspCode":"{code}","Message":"x"}}'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def merchant():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Merchant)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ipn"
    server.shutdown()


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory, merchant):
    var = tmp_path_factory.mktemp("sandbox-vnpay")
    url = f"http://127.0.0.1:{free_port()}"
    env = sandbox_env(var, url)
    env.update(
        {
            "SANDBOX_VNPAY_IPN_URL": merchant,
            "SANDBOX_VNPAY_IPN_INTERVAL_SECONDS": "0.2",
            "SANDBOX_VNPAY_IPN_ATTEMPTS": "10",
        }
    )
    migrated = manage(env, "migrate", "--noinput", timeout=120)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    with serving(env, var, url):
        yield url


@pytest.fixture
def portal_to_gateway(settings, gateway_url, db):
    settings.VNPAY_PAYMENT_URL = f"{gateway_url}/vnpay/paymentv2/vpcpay.html"
    settings.VNPAY_API_URL = f"{gateway_url}/vnpay/merchant_webapi/api/transaction"
    version = Procedure.objects.get(national_code=MARRIAGE).current_version
    rule = FeeRule.objects.create(procedure_version=version, stage=Stage.SUBMISSION)
    FeeRuleLine.objects.create(rule=rule, name="Lệ phí", amount_vnd=50_000)
    return gateway_url


def _pay_on_gateway(payment: Payment, decision: str) -> dict[str, str]:
    """Open the payment page, press approve or decline; the signed return's parameters."""
    session = requests.Session()
    page = session.get(payment.payment_url, timeout=10)
    assert page.status_code == 200, page.text
    assert 'data-amount="50000"' in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)[1]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(payment.payment_url))
    answer = session.post(
        f"{origin}{action}",
        data={"csrfmiddlewaretoken": token, "decision": decision},
        headers={"Referer": payment.payment_url},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith("http://testserver/payments/vnpay/return/?")
    return dict(parse_qsl(urlsplit(location).query))


def _start(dossier) -> Payment:
    return services.start_payment(
        dossier,
        dossier.applicant,
        return_url="http://testserver/payments/vnpay/return/",
        client_ip="127.0.0.1",
    ).payment


def _after_query_delay() -> datetime.datetime:
    return clock.now() + datetime.timedelta(seconds=121)


def test_the_gateway_refuses_a_payment_url_with_a_bad_signature(portal_to_gateway):
    dossier = DossierFactory(submitted=True)
    payment = _start(dossier)
    tampered = payment.payment_url.replace("vnp_Amount=5000000", "vnp_Amount=100")
    page = requests.get(tampered, timeout=10)
    assert page.status_code == 400
    assert 'data-error="70"' in page.text


def test_a_lost_ipn_is_settled_by_the_query_task(portal_to_gateway, merchant):
    dossier = DossierFactory(submitted=True)
    payment = _start(dossier)
    returned = _pay_on_gateway(payment, "approve")
    # The return is signed by the gateway and says paid; it is for display only.
    assert registry.gateway().read_return(returned).paid
    # The IPN went to another merchant address (lost for the portal): nothing changed here.
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    counts = tasks.settle_pending(_after_query_delay())
    assert counts["paid"] == 1
    payment.refresh_from_db()
    assert (payment.state, payment.settled_by) == (Payment.State.PAID, "query")
    assert payment.transaction_no and payment.bank_code == "NCB"
    assert FeeDemand.objects.get(dossier=dossier).state == FeeDemand.State.PAID
    # The receipt's outbox message committed with the payment; delivering it issues the receipt.
    assert outbox.relay(RECEIPT)["delivered"] == 1
    payment.refresh_from_db()
    assert payment.receipt is not None


def test_the_query_task_records_a_decline_and_expires_what_the_gateway_never_saw(
    portal_to_gateway,
):
    declined = DossierFactory(submitted=True, key="d1")
    declined_payment = _start(declined)
    assert not registry.gateway().read_return(_pay_on_gateway(declined_payment, "decline")).paid
    abandoned = DossierFactory(submitted=True, key="d2", applicant=declined.applicant)
    abandoned_payment = _start(abandoned)
    # Before its expiry an order the gateway does not know stays pending...
    assert tasks.settle_pending(_after_query_delay())["pending"] == 1
    # ...and is cancelled after it.
    later = abandoned_payment.expires_at + datetime.timedelta(seconds=1)
    counts = tasks.settle_pending(later)
    assert counts["expired"] == 1
    declined_payment.refresh_from_db()
    abandoned_payment.refresh_from_db()
    assert declined_payment.state == Payment.State.FAILED
    assert abandoned_payment.state == Payment.State.EXPIRED
    assert services.due_demand(abandoned) is not None  # still owed: it can be paid again


def test_the_gateway_retries_the_ipn_until_the_merchant_answers_00(portal_to_gateway, merchant):
    dossier = DossierFactory(submitted=True)
    payment = _start(dossier)
    _pay_on_gateway(payment, "approve")

    def calls():
        return [c for c in Merchant.calls if c.get("vnp_TxnRef") == payment.txn_ref]

    deadline = time.monotonic() + 20
    while len(calls()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.6)  # a fourth call would come within the interval: none may
    assert len(calls()) == 3
    for params in calls():
        result = registry.gateway().read_notification(params)  # signed by the gateway
        assert (result.txn_ref, result.amount, result.paid) == (payment.txn_ref, 5_000_000, True)
