"""The payment pages: the citizen's pay page and dossier panel, the back office's payments panel
and reconciliation, and the IPN endpoint's refusals."""

from __future__ import annotations

import pytest

import outbox
from identity.models import Role
from payments.models import Payment
from payments.outbox_topics import RECEIPT
from tests.factories import CitizenFactory, DossierFactory, OfficialFactory, sign_in
from tests.test_payments import gateway_says, ipn, make_rule, start


@pytest.fixture
def owing(db):
    make_rule()
    return DossierFactory(submitted=True)


def test_submitting_a_fee_bearing_dossier_leads_to_the_pay_page(client, db):
    make_rule()
    draft = DossierFactory(filled=True, with_documents=True)
    client.force_login(draft.applicant.user)
    review = f"/dossiers/drafts/{draft.public_id}/review/"
    key = client.get(review).context["idempotency_key"]
    response = client.post(review, {"consent": "yes", "idempotency_key": key})
    draft.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/dossiers/{draft.code}/pay/"


def test_the_pay_page_shows_amount_and_reason_and_allows_the_gateway_as_form_target(
    client, owing, settings
):
    settings.VNPAY_PAYMENT_URL = "https://pay.gateway.example/paymentv2/vpcpay.html"
    client.force_login(owing.applicant.user)
    response = client.get(f"/dossiers/{owing.code}/pay/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-amount="50000"' in page and "50.000" in page
    assert "Lệ phí đăng ký" in page
    policy = response["Content-Security-Policy"]
    form_action = next(p for p in policy.split(";") if "form-action" in p)
    assert "https://pay.gateway.example" in form_action


def test_paying_redirects_to_the_signed_gateway_url(client, owing, settings):
    settings.VNPAY_PAYMENT_URL = "https://pay.gateway.example/paymentv2/vpcpay.html"
    client.force_login(owing.applicant.user)
    response = client.post(f"/dossiers/{owing.code}/pay/")
    payment = Payment.objects.get(dossier=owing)
    assert response.status_code == 302
    assert response["Location"] == payment.payment_url
    assert payment.payment_url.startswith(settings.VNPAY_PAYMENT_URL + "?vnp_Amount=5000000&")
    assert f"vnp_TxnRef={payment.txn_ref}" in payment.payment_url
    assert "vnp_ReturnUrl=http%3A%2F%2Ftestserver%2Fpayments%2Fvnpay%2Freturn%2F" in (
        payment.payment_url
    )


def test_another_citizen_gets_404_on_the_pay_page(client, owing):
    other = CitizenFactory(id_number="079085007777")
    client.force_login(other.user)
    assert client.get(f"/dossiers/{owing.code}/pay/").status_code == 404
    assert client.post(f"/dossiers/{owing.code}/pay/").status_code == 404
    assert not Payment.objects.exists()


def test_the_dossier_page_shows_the_fees_due_then_the_payment(client, owing):
    client.force_login(owing.applicant.user)
    page = client.get(f"/dossiers/{owing.code}/").content.decode()
    assert "data-pay-link" in page
    payment = start(owing)
    ipn(client, gateway_says(payment))
    page = client.get(f"/dossiers/{owing.code}/").content.decode()
    assert "data-pay-link" not in page
    assert 'data-state="paid"' in page
    assert "data-receipt-link" not in page
    # The page is kept per state of the dossier: the receipt, once issued, shows at once.
    assert outbox.relay(RECEIPT)["delivered"] == 1
    page = client.get(f"/dossiers/{owing.code}/").content.decode()
    assert "data-receipt-link" in page


def test_the_back_office_shows_a_dossiers_payments_with_their_history(client, owing):
    payment = start(owing)
    ipn(client, gateway_says(payment, response="24", status="02"))
    desk = OfficialFactory(role=Role.RECEPTION, agency=owing.receiving_agency)
    sign_in(client, desk)
    page = client.get(f"/backoffice/dossiers/{owing.code}/").content.decode()
    assert f'data-payment="{payment.txn_ref}"' in page
    assert 'data-state="failed"' in page
    assert "started" in page and "ipn" in page


def test_reconciliation_shows_only_the_officials_agencies(client, owing):
    ipn(client, gateway_says(start(owing)))
    own = OfficialFactory(role=Role.RECEPTION, agency=owing.receiving_agency)
    elsewhere = OfficialFactory(role=Role.RECEPTION, agency="H29.03")
    assert owing.receiving_agency.code != "H29.03"
    day = Payment.objects.get().created_at.date().isoformat()
    sign_in(client, own)
    page = client.get(f"/backoffice/payments/reconciliation/?day={day}").content.decode()
    assert f'data-agency="{owing.receiving_agency.code}"' in page
    csv = client.get(f"/backoffice/payments/reconciliation.csv?day={day}")
    assert csv["Content-Type"].startswith("text/csv")
    assert f",{owing.receiving_agency.code}," in csv.content.decode()
    sign_in(client, elsewhere)
    page = client.get(f"/backoffice/payments/reconciliation/?day={day}").content.decode()
    assert "data-agency=" not in page
    assert client.get("/backoffice/payments/reconciliation/?day=2026-13-45").status_code == 400


def test_citizens_may_not_read_the_reconciliation(client, owing):
    client.force_login(owing.applicant.user)
    assert client.get("/backoffice/payments/reconciliation/").status_code == 403
    assert client.get("/backoffice/payments/reconciliation.csv").status_code == 403


def test_the_ipn_of_an_unknown_gateway_is_a_json_404(client, db):
    response = client.get("/api/v1/payments/nosuchgateway/ipn")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
