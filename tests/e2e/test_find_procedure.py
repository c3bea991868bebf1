"""A citizen finds a procedure from the home page and opens it, on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE

BIRTH_REGISTRATION = "1.001193"
BIRTH_REGISTRATION_NAME = "Thủ tục đăng ký khai sinh"
DETAIL_PATH = re.compile(r"^/procedures/[^/?#]+/$")


def _first_result_link(page):
    """The first link in <main> that points at a procedure's detail page."""
    links = page.locator("main a[href]")
    for index in range(links.count()):
        link = links.nth(index)
        pathname = link.evaluate("a => new URL(a.href, document.baseURI).pathname")
        if DETAIL_PATH.match(pathname):
            return link, pathname
    pytest.fail("the results page has no link to a procedure inside <main>")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-360"])
def test_citizen_searches_without_accents_and_opens_the_procedure(
    page, live_server, popular_subset
):
    from procedures.importer import import_records

    assert import_records(popular_subset).rejected == []

    page.goto(f"{live_server.url}/")
    box = page.locator('form[action$="/procedures/"] input[name="q"]')
    expect(box).to_have_count(1)
    expect(box).to_be_visible()
    assert box.evaluate("el => el.labels.length > 0 || !!el.getAttribute('aria-label')"), (
        "the search box has no label"
    )
    method = box.evaluate("el => el.form.method")
    assert method == "get"

    box.fill("dang ky khai sinh")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/procedures/\?(.*&)?q=dang(\+|%20)ky(\+|%20)khai(\+|%20)sinh"))

    link, pathname = _first_result_link(page)
    assert pathname == f"/procedures/{BIRTH_REGISTRATION}/"
    expect(link).to_have_text(re.compile(rf"^\s*{BIRTH_REGISTRATION_NAME}\s*$"))

    link.click()
    page.wait_for_url(f"**/procedures/{BIRTH_REGISTRATION}/")
    expect(page.locator("h1")).to_have_text(re.compile(rf"^\s*{BIRTH_REGISTRATION_NAME}\s*$"))
    expect(page.locator("#documents")).to_be_visible()
    expect(page.locator("#fees")).to_be_visible()
