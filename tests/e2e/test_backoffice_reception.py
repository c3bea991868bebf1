"""An official of the one-stop desk signs in (password + one-time code), finds a new dossier in
the inbox and accepts it; the page shows its new status. The ``page`` fixture fails the test on
any Content-Security-Policy violation of the back-office pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_filing_journey import eager_tasks  # noqa: F401 - a fixture

MARRIAGE = "1.000894"


def current_code(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_desk_signs_in_and_accepts_a_new_dossier(
    page,
    live_server,
    popular_subset,
    eager_tasks,  # noqa: F811 - the filing journey's fixture, imported above
):
    from dossiers.models import Dossier, DossierEvent, Status
    from identity.models import Role
    from procedures.importer import import_records
    from tests.factories import HOME_WARD, OFFICIAL_PASSWORD, DossierFactory, OfficialFactory

    assert import_records([r for r in popular_subset if r["code"] == MARRIAGE]).rejected == []
    dossier = DossierFactory(submitted=True)
    desk = OfficialFactory(username="motcua.benthanh", role=Role.RECEPTION, agency=HOME_WARD)

    page.goto(f"{live_server.url}/backoffice/dossiers/")
    page.fill('input[name="username"]', desk.username)
    page.fill('input[name="password"]', OFFICIAL_PASSWORD)
    page.fill('input[name="otp_token"]', current_code(desk.device))
    page.get_by_role("button", name="Đăng nhập", exact=True).click()

    expect(page.get_by_role("heading", name="Hồ sơ cần xử lý")).to_be_visible()
    row = page.locator("#dossier-list li", has_text=dossier.code)
    expect(row.locator(".badge--none")).to_have_text("Chưa có ngày hẹn trả")
    row.get_by_role("link", name=dossier.code).click()

    expect(page.locator("#dossier-status")).to_have_text("Mới đăng ký")
    form = page.locator("#action-receive")
    form.locator("textarea").fill("Đủ thành phần hồ sơ")
    form.get_by_role("button", name="Tiếp nhận hồ sơ").click()

    expect(page.locator("#dossier-status")).to_have_text("Đã tiếp nhận")
    expect(page.locator(".alert--success")).to_contain_text("Tiếp nhận hồ sơ")
    expect(page.locator("#action-route")).to_be_visible()  # the desk routes it next
    expect(page.locator("#dossier-due")).not_to_contain_text("Xác định khi tiếp nhận")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.ACCEPTED
    assert DossierEvent.objects.get(dossier=dossier, action="accepted").note == (
        "Đủ thành phần hồ sơ"
    )
