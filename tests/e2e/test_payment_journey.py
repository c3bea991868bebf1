"""A citizen pays a dossier's fee on the gateway stand-in's page, in Chromium: the first attempt
is declined, the retry is approved; the sandbox's IPN reaches the live portal, and the citizen
finds the electronic receipt on the dossier page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP
from tests.e2e.test_citizen_login import AN_ID, log_in_at_sandbox, portal, sandbox  # noqa: F401
from tests.e2e.test_filing_journey import eager_tasks  # noqa: F401
from tests.factories import HOME_WARD, MARRIAGE


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP], ids=["desktop"])
def test_citizen_pays_on_the_gateway_page_after_a_declined_attempt(
    page,
    portal,  # noqa: F811 - the login test's fixture, imported above
    sandbox,  # noqa: F811
    catalogue_records,
    settings,
    tmp_path,
    eager_tasks,  # noqa: F811
):
    from identity.models import Citizen
    from payments.models import FeeRule, FeeRuleLine, Payment, Stage
    from procedures.importer import import_records
    from procedures.models import Agency, Procedure
    from tests.factories import DossierFactory

    settings.PRIVATE_STORAGE_ROOT = tmp_path
    settings.VNPAY_PAYMENT_URL = f"{sandbox}/vnpay/paymentv2/vpcpay.html"
    settings.VNPAY_API_URL = f"{sandbox}/vnpay/merchant_webapi/api/transaction"
    import_records([r for r in catalogue_records if r["code"] == MARRIAGE])
    version = Procedure.objects.get(national_code=MARRIAGE).current_version
    rule = FeeRule.objects.create(procedure_version=version, stage=Stage.SUBMISSION)
    FeeRuleLine.objects.create(rule=rule, name="Lệ phí đăng ký kết hôn", amount_vnd=50_000)

    log_in_at_sandbox(page, portal, AN_ID)
    page.wait_for_url(f"{portal}/")
    citizen = Citizen.objects.get(id_number=AN_ID)
    Citizen.objects.filter(pk=citizen.pk).update(ward=Agency.objects.get(code=HOME_WARD))
    citizen.refresh_from_db()
    dossier = DossierFactory(submitted=True, applicant=citizen)

    # The dossier page says what is due and why; the pay page shows it again.
    page.goto(f"{portal}/dossiers/{dossier.code}/")
    expect(page.locator("[data-fees] [data-fee-reason]")).to_contain_text("Lệ phí đăng ký kết hôn")
    page.locator("[data-pay-link]").click()
    page.wait_for_url(f"{portal}/dossiers/{dossier.code}/pay/")
    expect(page.locator("[data-amount]")).to_have_attribute("data-amount", "50000")

    # First attempt: declined on the gateway's page.
    page.locator("[data-pay]").click()
    page.wait_for_url(re.compile(r"/vnpay/paymentv2/vpcpay\.html\?"))
    expect(page.locator("[data-amount]")).to_have_attribute("data-amount", "50000")
    page.locator("[data-decline]").click()
    page.wait_for_url(re.compile(rf"^{re.escape(portal)}/payments/vnpay/return/\?"))
    expect(page.locator("[data-return-state]")).to_have_attribute(
        "data-return-state", re.compile("failed|pending"), timeout=5_000
    )
    # The IPN settles it (the browser's return does not): reload until our record says so.
    for _ in range(40):
        if page.locator('[data-return-state="failed"]').count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(page.locator('[data-return-state="failed"]')).to_be_visible()

    # Retry, approved this time.
    page.locator("[data-retry]").click()
    page.wait_for_url(f"{portal}/dossiers/{dossier.code}/pay/")
    page.locator("[data-pay]").click()
    page.wait_for_url(re.compile(r"/vnpay/paymentv2/vpcpay\.html\?"))
    page.locator("[data-approve]").click()
    page.wait_for_url(re.compile(rf"^{re.escape(portal)}/payments/vnpay/return/\?"))
    for _ in range(40):
        if page.locator('[data-return-state="paid"]').count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(page.locator('[data-return-state="paid"]')).to_be_visible()

    states = sorted(Payment.objects.filter(dossier=dossier).values_list("state", "settled_by"))
    assert states == [("failed", "ipn"), ("paid", "ipn")]

    # The receipt is in the citizen's documents, linked from the dossier page.
    page.goto(f"{portal}/dossiers/{dossier.code}/")
    expect(page.locator("[data-pay-link]")).to_have_count(0)
    link = page.locator("[data-receipt-link]")
    expect(link).to_be_visible()
    response = page.request.get(f"{portal}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
