"""Fees and payments through the services and the IPN endpoint (DOMAIN.md §9).

The gateway's side is played by signing its messages with the merchant's shared secret, as the
gateway does; the sandbox's own stand-in is exercised in ``test_payments_sandbox.py``.
"""

from __future__ import annotations

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client

import outbox
from dossiers.errors import Conflict, DossierError
from dossiers.lifecycle import transitions
from dossiers.models import DossierEvent, Status, StoredDocument
from identity.models import Role
from payments import conf, fees, receipts, reconciliation, services
from payments.contrib.vnpay import signature
from payments.models import FeeDemand, FeeRule, FeeRuleLine, Payment, PaymentEvent, Stage
from payments.outbox_topics import RECEIPT
from procedures.models import Procedure
from tests.conftest import requires_postgres
from tests.factories import MARRIAGE, CitizenFactory, DossierFactory, OfficialFactory

GMT7 = ZoneInfo("Asia/Ho_Chi_Minh")
IPN = "/api/v1/payments/vnpay/ipn"
RETURN = "/payments/vnpay/return/"


def make_rule(stage=Stage.SUBMISSION, amount=50_000, **conditions) -> FeeRule:
    version = Procedure.objects.get(national_code=MARRIAGE).current_version
    rule = FeeRule.objects.create(
        procedure_version=version, channel="online", stage=stage, **conditions
    )
    FeeRuleLine.objects.create(rule=rule, name="Lệ phí đăng ký", amount_vnd=amount)
    return rule


def start(dossier) -> Payment:
    started = services.start_payment(
        dossier, dossier.applicant, return_url=f"http://testserver{RETURN}", client_ip="127.0.0.1"
    )
    return started.payment


def gateway_says(payment, *, amount=None, response="00", status="00", txn_no="14000001"):
    """The gateway's signed result for ``payment`` (IPN and return carry the same fields)."""
    params = {
        "vnp_Amount": str(payment.amount if amount is None else amount),
        "vnp_BankCode": "NCB",
        "vnp_OrderInfo": "Thanh toan le phi",
        "vnp_PayDate": "20261206103500",
        "vnp_ResponseCode": response,
        "vnp_TmnCode": conf.get("VNPAY_TMN_CODE"),
        "vnp_TransactionNo": txn_no,
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": payment.txn_ref,
    }
    params["vnp_SecureHash"] = signature.sign(params, conf.get("VNPAY_HASH_SECRET"))
    return params


def ipn(client, params) -> str:
    response = client.get(IPN, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()["RspCode"]


@pytest.fixture
def submission_fee(db):
    return make_rule()


@pytest.fixture
def owing(submission_fee):
    """A submitted dossier that owes 50,000 VND, with a payment started."""
    dossier = DossierFactory(submitted=True)
    return dossier, start(dossier)


# --- the fees shown before paying -------------------------------------------------------------


def test_submission_freezes_the_fee_in_vnd_times_100_with_its_reason(submission_fee):
    dossier = DossierFactory(submitted=True)
    demand = services.due_demand(dossier)
    assert demand.stage == Stage.SUBMISSION
    assert demand.amount == 5_000_000  # 50,000 VND × 100
    assert demand.lines == [
        {"name": "Lệ phí đăng ký", "kind": "charge", "code": "", "amount_vnd": 50_000}
    ]
    assert "Lệ phí đăng ký" in demand.reason
    # Editing the rule afterwards changes no dossier's charge.
    submission_fee.lines.update(amount_vnd=99_000)
    demand.refresh_from_db()
    assert demand.amount == 5_000_000


def test_a_procedure_without_fee_rule_owes_nothing(db):
    dossier = DossierFactory(submitted=True)
    assert FeeDemand.objects.filter(dossier=dossier).count() == 0


@pytest.mark.parametrize(
    ("moment", "charged"),
    [
        (datetime.datetime(2025, 12, 31, 23, 59, 59, tzinfo=GMT7), False),
        (datetime.datetime(2026, 1, 1, 0, 0, 0, tzinfo=GMT7), True),
    ],
)
def test_the_online_waiver_holds_to_the_last_second_of_its_last_day(db, moment, charged):
    make_rule(online_free_until=datetime.date(2025, 12, 31))
    dossier = DossierFactory(submitted=True)
    quote = fees.quote(dossier, Stage.SUBMISSION, moment)
    assert quote.charged is charged
    assert quote.amount == (5_000_000 if charged else 0)
    if not charged:
        assert "31/12/2025" in quote.reason


@pytest.mark.parametrize(
    ("moment", "applies"),
    [
        (datetime.datetime(2026, 2, 28, 23, 59, tzinfo=GMT7), False),
        (datetime.datetime(2026, 3, 1, 0, 0, tzinfo=GMT7), True),
        (datetime.datetime(2026, 6, 30, 23, 59, tzinfo=GMT7), True),
        (datetime.datetime(2026, 7, 1, 0, 0, tzinfo=GMT7), False),
    ],
)
def test_a_rule_applies_only_inside_its_validity_window(db, moment, applies):
    make_rule(valid_from=datetime.date(2026, 3, 1), valid_to=datetime.date(2026, 6, 30))
    dossier = DossierFactory(submitted=True)
    quote = fees.quote(dossier, Stage.SUBMISSION, moment)
    assert (quote.rule is not None) is applies
    assert quote.charged is applies


def test_an_exempt_applicant_category_is_not_charged(db):
    make_rule(exempt_categories=["elderly"])
    elderly = CitizenFactory(id_number="079050001234", birth_date=datetime.date(1950, 1, 1))
    young = DossierFactory(submitted=True)
    old = DossierFactory(submitted=True, applicant=elderly)
    assert services.due_demand(young).amount == 5_000_000
    assert services.due_demand(old) is None
    waived = FeeDemand.objects.get(dossier=old)
    assert waived.state == FeeDemand.State.WAIVED
    assert waived.amount == 0


def test_the_review_page_shows_the_amount_and_reason_before_submitting(client, submission_fee):
    dossier = DossierFactory(filled=True, with_documents=True)
    client.force_login(dossier.applicant.user)
    page = client.get(f"/dossiers/drafts/{dossier.public_id}/review/").content.decode()
    assert 'data-amount="50000"' in page
    assert "Lệ phí đăng ký" in page


# --- the IPN, in the order of DOMAIN.md §9 -----------------------------------------------------


def test_a_bad_signature_answers_97_and_changes_nothing(client, owing):
    _dossier, payment = owing
    params = gateway_says(payment)
    params["vnp_ResponseCode"] = "24"  # changed after signing
    assert ipn(client, params) == "97"
    unsigned = {k: v for k, v in gateway_says(payment).items() if k != "vnp_SecureHash"}
    assert ipn(client, unsigned) == "97"
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


def test_an_unknown_order_answers_01(client, owing):
    _dossier, payment = owing
    payment.txn_ref = "NOSUCHORDER"  # signed, but for an order we never made
    assert ipn(client, gateway_says(payment)) == "01"


def test_a_wrong_amount_answers_04_compared_exactly_in_vnd_times_100(client, owing):
    _dossier, payment = owing
    assert ipn(client, gateway_says(payment, amount=payment.amount - 1)) == "04"
    assert ipn(client, gateway_says(payment, amount=payment.amount // 100)) == "04"
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    assert list(payment.events.values_list("kind", flat=True)) == ["started", "refused", "refused"]


def test_success_answers_00_then_a_repeat_answers_02(client, owing):
    dossier, payment = owing
    assert ipn(client, gateway_says(payment)) == "00"
    assert ipn(client, gateway_says(payment)) == "02"
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    assert payment.transaction_no == "14000001"
    assert payment.paid_at == datetime.datetime(2026, 12, 6, 10, 35, tzinfo=GMT7)
    demand = FeeDemand.objects.get(dossier=dossier)
    assert demand.state == FeeDemand.State.PAID
    assert demand.paid_via == FeeDemand.PaidVia.ONLINE


def test_a_declined_payment_is_recorded_and_a_new_attempt_can_be_made(client, owing):
    dossier, payment = owing
    assert ipn(client, gateway_says(payment, response="24", status="02")) == "00"
    payment.refresh_from_db()
    assert payment.state == Payment.State.FAILED
    assert services.due_demand(dossier) is not None  # still owed
    retry = start(dossier)
    assert retry.pk != payment.pk and retry.txn_ref != payment.txn_ref
    assert ipn(client, gateway_says(retry, txn_no="14000002")) == "00"
    assert services.due_demand(dossier) is None


def test_an_open_payment_is_resumed_not_doubled_and_an_expired_one_is_replaced(owing):
    dossier, payment = owing
    again = services.start_payment(
        dossier, dossier.applicant, return_url="http://x/", client_ip="127.0.0.1"
    )
    assert again.resumed and again.payment.pk == payment.pk
    Payment.objects.filter(pk=payment.pk).update(
        expires_at=payment.created_at - datetime.timedelta(seconds=1)
    )
    fresh = start(dossier)
    payment.refresh_from_db()
    assert payment.state == Payment.State.EXPIRED
    assert fresh.state == Payment.State.PENDING


def test_a_withdrawn_dossier_is_not_paid_for(owing):
    dossier, payment = owing
    Payment.objects.filter(pk=payment.pk).update(expires_at=payment.created_at)
    dossier = transitions.withdraw(dossier, dossier.applicant, "Không còn nhu cầu")
    with pytest.raises(services.PaymentError):
        start(dossier)


def test_a_citizen_cannot_pay_for_someone_elses_dossier(owing):
    dossier, _payment = owing
    other = CitizenFactory(id_number="079085009999")
    with pytest.raises(dossier.DoesNotExist):
        services.start_payment(dossier, other, return_url="http://x/", client_ip="127.0.0.1")


# --- the return URL only displays ---------------------------------------------------------------


def test_a_forged_return_changes_nothing(client, owing):
    dossier, payment = owing
    client.force_login(dossier.applicant.user)
    forged = gateway_says(payment)
    forged["vnp_SecureHash"] = "0" * 128
    response = client.get(RETURN, forged)
    assert response.status_code == 400
    assert "data-return-forged" in response.content.decode()
    # Even a genuinely signed "paid" return does not settle anything: only the IPN does.
    response = client.get(RETURN, gateway_says(payment))
    assert 'data-return-state="pending"' in response.content.decode()
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    assert services.due_demand(dossier) is not None
    assert [e.kind for e in payment.events.all()] == ["started"]


def test_the_return_page_shows_our_record_once_the_ipn_came(client, owing):
    dossier, payment = owing
    ipn(client, gateway_says(payment))
    client.force_login(dossier.applicant.user)
    response = client.get(RETURN, gateway_says(payment))
    assert 'data-return-state="paid"' in response.content.decode()


# --- the journey: fees at submission, and during processing -------------------------------------


def test_the_desk_cannot_accept_a_dossier_before_its_submission_fee_is_paid(client, owing):
    dossier, payment = owing
    desk = OfficialFactory(role=Role.RECEPTION, agency=dossier.receiving_agency)
    with pytest.raises(DossierError):
        transitions.receive(dossier, desk)
    ipn(client, gateway_says(payment))
    assert transitions.receive(dossier, desk).status == Status.ACCEPTED


def in_status_6(amount=75_000):
    """A dossier being processed whose agency asked for fees (4 → 6)."""
    make_rule(stage=Stage.PROCESSING, amount=amount)
    dossier = DossierFactory(submitted=True)
    agency = dossier.receiving_agency
    desk = OfficialFactory(role=Role.RECEPTION, agency=agency)
    specialist = OfficialFactory(role=Role.SPECIALIST, agency=agency)
    dossier = transitions.receive(dossier, desk)
    dossier = transitions.route(dossier, desk)
    dossier = transitions.request_fees(dossier, specialist, note="Nộp lệ phí")
    return dossier, desk


def test_fees_asked_during_processing_are_paid_and_the_system_resumes_processing(client, db):
    dossier, _desk = in_status_6()
    assert dossier.status == Status.PAYMENT
    demand = services.due_demand(dossier)
    assert (demand.stage, demand.amount) == (Stage.PROCESSING, 7_500_000)
    payment = start(dossier)
    assert ipn(client, gateway_says(payment)) == "00"
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    event = DossierEvent.objects.filter(dossier=dossier, action="paid").get()
    assert (event.actor_type, event.from_status, event.to_status) == ("system", 6, 4)


def test_the_desk_may_not_record_fees_while_an_online_payment_is_open(db):
    dossier, desk = in_status_6()
    start(dossier)
    with pytest.raises(Conflict):
        transitions.mark_fees_paid(dossier, desk)


def test_fees_collected_at_the_desk_settle_the_demand(db):
    dossier, desk = in_status_6()
    dossier = transitions.mark_fees_paid(dossier, desk, note="Thu tại quầy")
    assert dossier.status == Status.PROCESSING
    demand = FeeDemand.objects.get(dossier=dossier)
    assert (demand.state, demand.paid_via) == (FeeDemand.State.PAID, FeeDemand.PaidVia.DESK)


def test_ten_duplicate_ipns_change_the_dossier_once(client, db):
    dossier, _desk = in_status_6()
    payment = start(dossier)
    answers = [ipn(client, gateway_says(payment)) for _ in range(10)]
    assert answers == ["00"] + ["02"] * 9
    assert DossierEvent.objects.filter(dossier=dossier, action="paid").count() == 1
    assert PaymentEvent.objects.filter(payment=payment, to_state="paid").count() == 1


@pytest.fixture
def marriage_procedure(catalogue_records):
    """Transactional tests find the database emptied by the one before: load what they use."""
    from procedures.importer import import_records

    import_records([r for r in catalogue_records if r["code"] == MARRIAGE])


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_ipns_change_the_state_once(marriage_procedure):
    dossier, _desk = in_status_6()
    payment = start(dossier)
    params = gateway_says(payment)
    barrier = threading.Barrier(10)
    answers: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            barrier.wait(timeout=30)
            answer = Client().get(IPN, params).json()["RspCode"]
            with lock:
                answers.append(answer)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == ["00"] + ["02"] * 9
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert DossierEvent.objects.filter(dossier=dossier, action="paid").count() == 1
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PAID


# --- history, receipts and reconciliation -------------------------------------------------------


def test_payment_history_is_append_only(owing):
    _dossier, payment = owing
    event = payment.events.get()
    event.note = "rewritten"
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        PaymentEvent.objects.filter(payment=payment).update(note="x")
    with pytest.raises(Exception, match="append-only"):
        PaymentEvent.objects.filter(payment=payment).delete()


def test_the_receipt_is_a_pdf_in_the_payers_documents_issued_once(client, owing):
    dossier, payment = owing
    ipn(client, gateway_says(payment))
    ipn(client, gateway_says(payment))  # a repeat writes no second message
    message = outbox.messages(topic=RECEIPT).get()
    assert message.payload == {"payment": payment.pk}
    assert outbox.relay(RECEIPT)["delivered"] == 1
    stored = StoredDocument.objects.get(source=StoredDocument.Source.RECEIPT)
    assert stored.owner_id == dossier.applicant_id
    assert stored.source == StoredDocument.Source.RECEIPT
    assert receipts.issue(payment.pk).pk == stored.pk  # a second run finds it
    from dossiers.documents.storage import path_of

    data = path_of(stored.storage_name).read_bytes()
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(path_of(stored.storage_name)).pages)
    assert dossier.code in text and payment.txn_ref in text and "50000" in text
    client.force_login(dossier.applicant.user)
    page = client.get(f"/dossiers/{dossier.code}/").content.decode()
    assert "data-receipt-link" in page


def test_daily_reconciliation_counts_paid_pending_and_failed_per_agency(client, submission_fee):
    citizen = CitizenFactory()
    paid = DossierFactory(submitted=True, key="k1", applicant=citizen)
    ipn(client, gateway_says(start(paid)))
    declined = DossierFactory(submitted=True, key="k2", applicant=citizen)
    ipn(client, gateway_says(start(declined), response="24", status="02"))
    pending = DossierFactory(submitted=True, key="k3", applicant=citizen)
    start(pending)
    day = Payment.objects.first().created_at.astimezone(GMT7).date()
    lines = reconciliation.daily(day)
    assert len(lines) == 1
    line = lines[0]
    assert line.agency_code == paid.receiving_agency.code
    assert (line.paid, line.pending, line.failed, line.total) == (1, 1, 1, 3)
    assert (line.paid_vnd, line.total_vnd) == (50_000, 150_000)
    text = reconciliation.as_csv(day, lines).splitlines()
    assert text[0].startswith("ngay,ma_co_quan")
    assert text[-1].split(",")[1:2] == ["TONG"] and text[-1].endswith(",3,150000")
