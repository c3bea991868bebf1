"""On a 360 × 740 phone, every page of the filing journey shows its main action and its first
field on the first screen, and the site menu starts collapsed but opens with a tap or a key.

The pages are the procedure page, the start page, each section of the e-form, the documents
step and the review. "On the first screen" means the element's box ends within the first 740 px
of the page as loaded (nothing scrolled). The figures are printed, so a run shows how much room
is left on each page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE

BIRTH_REGISTRATION = "1.001193"
FIRST_SCREEN = PHONE["height"]
FIELD = (
    "input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, textarea, "
    "input[type=radio], input[type=checkbox]"
)


def bottom_on_page(locator) -> float:
    """Where the element's box ends, in px from the top of the page."""
    return locator.evaluate("el => el.getBoundingClientRect().bottom + window.scrollY")


def log_in_as_citizen(page, live_server) -> object:
    """A VNeID citizen's session, handed to the browser as its session cookie."""
    from django.test import Client

    from procedures.agencies import seed_city_agencies
    from tests.factories import CitizenFactory

    seed_city_agencies()
    citizen = CitizenFactory()
    client = Client()
    client.force_login(citizen.user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    return citizen


def first_visible_field(page):
    fields = page.locator(f"main form.eform :is({FIELD})")
    for index in range(fields.count()):
        if fields.nth(index).is_visible():
            return fields.nth(index)
    raise AssertionError(f"no visible field on {page.url}")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE], ids=["phone-360"])
def test_main_action_and_first_field_are_on_the_first_phone_screen(
    page, live_server, popular_subset
):
    from dossiers.models import Dossier, Status
    from procedures.importer import import_records

    assert import_records(popular_subset).rejected == []
    log_in_as_citizen(page, live_server)
    measured: dict[str, float] = {}
    shots = os.environ.get("PHONE_SCREENSHOTS")  # a folder: keep each first screen to look at

    def measure(name: str, locator) -> None:
        expect(locator).to_be_visible()
        measured[name] = bottom_on_page(locator)
        print(f"\n{measured[name]:7.0f} px  {name}", end="")
        if shots:
            path = Path(shots) / (re.sub(r"[^\w]+", "-", name).strip("-") + ".png")
            page.screenshot(path=str(path))

    page.goto(f"{live_server.url}/procedures/{BIRTH_REGISTRATION}/")
    apply_link = page.locator(f'main a[href="/procedures/{BIRTH_REGISTRATION}/apply/"]').first
    measure("procedure page: Apply online", apply_link)

    apply_link.click()
    page.wait_for_url(f"{live_server.url}/procedures/{BIRTH_REGISTRATION}/apply/")
    start = page.locator('main form[action$="/apply/"] button[type=submit]')
    measure("start page: Start", start)

    start.click()
    page.wait_for_url(re.compile(r"/dossiers/drafts/[0-9a-f-]+/step/[a-z0-9_]+/$"))
    draft = Dossier.objects.get(status=Status.DRAFT)
    base = f"{live_server.url}/dossiers/drafts/{draft.public_id}"
    for section in draft.form_schema["sections"]:
        page.goto(f"{base}/step/{section['id']}/")
        measure(f"step {section['id']}: heading", page.locator("main h1"))
        measure(f"step {section['id']}: first field", first_visible_field(page))

    page.goto(f"{base}/documents/")
    measure("documents: first upload field", page.locator("main input[type=file]").first)
    measure(
        "documents: first Upload button",
        page.locator("main form[enctype='multipart/form-data'] button[type=submit]").first,
    )

    page.goto(f"{base}/review/")
    print(f"\nreview: consent box ends at {bottom_on_page(page.locator('#consent')):.0f} px")
    to_submit = page.locator("main a[href='#submit']").first
    measure("review: go to submit", to_submit)
    to_submit.click()
    expect(page.locator("#consent")).to_be_in_viewport()

    late = {name: bottom for name, bottom in measured.items() if bottom > FIRST_SCREEN}
    assert not late, f"below the first screen of {FIRST_SCREEN} px: {late}"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE], ids=["phone-360"])
def test_the_menu_is_collapsed_on_a_phone_and_opens_with_the_keyboard(page, live_server):
    page.goto(f"{live_server.url}/")
    menu = page.locator("header details.site-menu")
    procedures_link = page.locator('header a[href="/procedures/"]')
    expect(menu).not_to_have_attribute("open", re.compile(".*"))
    expect(procedures_link).to_be_hidden()
    header_bottom = bottom_on_page(page.locator("header.site-header"))
    print(f"\nheader height on a phone: {header_bottom:.0f} px")
    assert header_bottom <= 100

    # Keyboard: the skip link, the brand, then the menu button; Enter opens it.
    summary = menu.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    expect(procedures_link).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("VNeID"))).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('details.site-menu') !== null")
    procedures_link.click()
    page.wait_for_url(f"{live_server.url}/procedures/")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP], ids=["desktop"])
def test_the_menu_is_a_plain_bar_on_a_desktop(page, live_server):
    page.goto(f"{live_server.url}/")
    expect(page.locator("header details.site-menu summary")).to_be_hidden()
    expect(page.locator('header a[href="/procedures/"]')).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("VNeID"))).to_be_visible()
    # The links sit in one row under the brand.
    brand = page.locator("header .site-brand").bounding_box()
    links = page.locator("header .site-nav a")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1 and tops.pop() >= brand["y"] + brand["height"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE], ids=["phone-360"])
def test_the_dossier_page_and_the_supplement_answer_fit_a_phone(page, live_server, popular_subset):
    """A dossier waiting for a supplement: its page and the answer page need no sideways
    scrolling at 360 px, and the way to answer is on the answer page's first screen."""
    from dossiers.lifecycle import transitions
    from identity.models import Role
    from procedures.importer import import_records
    from tests.factories import HOME_WARD, DossierFactory, OfficialFactory

    assert import_records(popular_subset).rejected == []
    citizen = log_in_as_citizen(page, live_server)
    desk = OfficialFactory(username="ward.desk", role=Role.RECEPTION, agency=HOME_WARD)
    specialist = OfficialFactory(username="ward.cv", role=Role.SPECIALIST, agency=HOME_WARD)
    dossier = DossierFactory(submitted=True, applicant=citizen)
    dossier = transitions.route(transitions.receive(dossier, desk), desk)
    transitions.request_supplement(
        dossier, specialist, note="Thiếu giấy tờ", items=["Giấy xác nhận tình trạng hôn nhân"]
    )
    for path in (f"/dossiers/{dossier.code}/", f"/dossiers/{dossier.code}/supplement/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide"
    expect(page.locator("main input[type=file]").first).to_be_visible()
    assert bottom_on_page(page.locator("main input[type=file]").first) <= FIRST_SCREEN
