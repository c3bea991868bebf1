"""The citizen's electronic result in a browser: the dossier page links its verification page
(what the QR code opens), which says "genuine"; the downloaded file uploaded on /verify/ is
confirmed, and a copy with one byte changed is reported as not genuine, in Vietnamese.

The approval runs through the services with Celery eager (the signing task runs at commit, in
this process); the worker path is proven in test_result_signing_worker."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_filing_journey import eager_tasks  # noqa: F401 - a fixture
from tests.e2e.test_processing_journey import _sign_in_citizen
from tests.test_transition_concurrency import marriage_procedure  # noqa: F401 (fixture)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_citizen_verifies_the_signed_result_and_a_tampered_copy_fails(
    page,
    live_server,
    marriage_procedure,  # noqa: F811 (a transactional test starts from empty tables)
    settings,
    tmp_path,
    eager_tasks,  # noqa: F811 - the filing journey's fixture, imported above
):
    from django.core.cache import cache

    from dossiers.lifecycle import transitions
    from dossiers.models import DossierResult
    from dossiers.results import ResultChoice
    from identity.models import Role
    from portal import ratelimit
    from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
    from tests.test_result_signing import tampered

    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""
    cache.delete(ratelimit.key("verify:ip", "127.0.0.1"))
    desk = OfficialFactory(username="e2e.desk", role=Role.RECEPTION, agency=HOME_WARD)
    leader = OfficialFactory(username="e2e.leader", role=Role.LEADER, agency=HOME_WARD)
    dossier = transitions.route(transitions.receive(DossierFactory(submitted=True), desk), desk)
    dossier = transitions.approve(dossier, leader, result=ResultChoice(render=True))
    result = DossierResult.objects.get(dossier=dossier)
    assert result.is_signed  # the task ran at commit

    base = live_server.url
    _sign_in_citizen(page, base, dossier.applicant)
    page.goto(f"{base}/dossiers/{dossier.code}/")
    download = page.request.get(
        f"{base}{page.locator('#result [data-result]').get_attribute('href')}"
    )
    signed = download.body()
    assert download.status == 200 and signed.startswith(b"%PDF")

    # The verification page (what the QR code opens) says the result is genuine.
    page.locator("#result [data-verify-link]").click()
    expect(page).to_have_url(f"{base}/verify/{result.verify_token}/")
    verdict = page.locator('[data-verdict="genuine"]')
    expect(verdict).to_contain_text("Đúng bản gốc")
    expect(page.locator("dl.facts")).to_contain_text(dossier.receiving_agency.name)

    # The downloaded file, uploaded, is confirmed.
    original = tmp_path / "ket-qua.pdf"
    original.write_bytes(signed)
    page.locator('input[type="file"]').set_input_files(str(original))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.locator('[data-verdict="genuine"]')).to_contain_text("đúng là kết quả do Cổng cấp")

    # A copy with one byte changed is not genuine, and the page says why.
    copy = tmp_path / "ket-qua-sua.pdf"
    copy.write_bytes(tampered(signed))
    page.goto(f"{base}/verify/")
    page.locator('input[type="file"]').set_input_files(str(copy))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    refused = page.locator('[data-verdict="modified"]')
    expect(refused).to_contain_text("Không đúng bản gốc")
    expect(refused).to_contain_text("bị sửa sau khi ký")
