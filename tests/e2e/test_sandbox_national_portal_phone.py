"""The national-portal stand-in's lookup page in a real Chromium at phone size: a person types a
dossier code, reads the status and the steps without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.test_sandbox_national_portal import envelope, new_code, start_sandbox

LONG_PROCEDURE = (
    "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất, quyền "
    "sở hữu tài sản gắn liền với đất lần đầu đối với hộ gia đình, cá nhân, cộng đồng dân cư"
)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with start_sandbox(tmp_path_factory.mktemp("sandbox-national-portal-e2e")) as box:
        yield box


@pytest.mark.e2e
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-360", "desktop"])
def test_a_person_looks_a_dossier_up_by_its_code(page, sandbox, viewport):
    code = new_code()
    sandbox.push(envelope(code, 1, status=2, TenTTHC=LONG_PROCEDURE))
    sandbox.push(envelope(code, 2, kind="progress", status=4, NoiDungXuLy="Thẩm định hồ sơ"))
    sandbox.push(envelope(code, 3, status=4, TenTTHC=LONG_PROCEDURE))

    page.goto(f"{sandbox.base}/tra-cuu/")
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_role("button", name="Tra cứu").click()

    expect(page.locator("#ho-so h2")).to_have_text(f"Hồ sơ {code}")
    status = page.locator("#ho-so .status")
    expect(status).to_have_text("Đang xử lý")
    expect(status).to_be_in_viewport()
    expect(page.locator("#tien-do")).to_contain_text("Thẩm định hồ sơ")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the lookup page is {width} px wide"

    page.goto(f"{sandbox.base}/")
    expect(page.locator("#ho-so-gan-day")).to_contain_text(code)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the overview page is {width} px wide"
