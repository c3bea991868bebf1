"""A citizen logs in with VNeID in a real browser, through the sandbox's real OpenID provider.

The sandbox runs as its own process (as the Procfile runs it) with a throw-away database, its
client ``hcmc-portal`` registered for this test's live portal; the portal is pointed at it.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, open_menu
from tests.oidc_provider import isolate_cache
from tests.sandbox_process import free_port, manage, sandbox_env, serving

AN_ID = "079085001234"
AN_NAME = "Nguyễn Văn An"
SAI_ID = "079095001111"  # born 05/05/1998 but the number says 1995: refused on purpose


@pytest.fixture(scope="module")
def sandbox(live_server, tmp_path_factory):
    """The sandbox on a free port, its VNeID client registered for ``live_server``."""
    var = tmp_path_factory.mktemp("sandbox-vneid")
    url = f"http://127.0.0.1:{free_port()}"
    env = sandbox_env(var, url, portal_url=live_server.url)
    for command in (["migrate", "--noinput"], ["seed_sandbox"]):
        done = manage(env, *command)
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    with serving(env, var, url, "/vneid/.well-known/openid-configuration"):
        yield url


@pytest.fixture
def portal(live_server, sandbox, settings):
    """The live portal, pointed at the sandbox's VNeID."""
    isolate_cache(settings)
    settings.VNEID_ISSUER = f"{sandbox}/vneid"
    settings.VNEID_CLIENT_ID = "hcmc-portal"
    settings.VNEID_CLIENT_SECRET = "hcmc-portal-demo-secret"
    settings.VNEID_REDIRECT_URI = ""
    return live_server.url


def login_button_label() -> str:
    """The header button's text: the Vietnamese translation of "Log in with VNeID"."""
    with translation.override("vi"):
        return translation.gettext("Log in with VNeID")


def log_in_at_sandbox(page, portal: str, id_number: str) -> None:
    page.goto(f"{portal}/")
    open_menu(page)
    page.get_by_role("button", name=login_button_label(), exact=True).click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/vneid/"))
    page.locator(f'button[data-id-number="{id_number}"]').click()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-360"])
def test_citizen_logs_in_with_vneid_and_sees_their_profile(page, portal):
    from identity.models import Citizen
    from procedures.agencies import seed_city_agencies

    seed_city_agencies()  # the profile's ward list

    log_in_at_sandbox(page, portal, AN_ID)

    page.wait_for_url(f"{portal}/")
    header = page.locator("header.site-header")
    expect(header).to_contain_text(AN_NAME)
    open_menu(page)
    citizen = Citizen.objects.get(id_number=AN_ID)
    assert citizen.full_name == AN_NAME
    assert citizen.assurance_level == 2

    header.get_by_role("link", name=re.compile(AN_NAME)).click()
    page.wait_for_url(f"{portal}/account/")
    expect(page.locator("[data-field=id_number]")).to_have_text(AN_ID)
    expect(page.locator("select[name=ward] option")).to_have_count(169)
    # Nothing sticks out of a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.locator("input[name=phone]").fill("0912 345 678")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{portal}/account/")
    expect(page.locator("input[name=phone]")).to_have_value("0912345678")

    open_menu(page)
    page.locator("header form[action='/auth/logout/'] button").click()
    page.wait_for_url(f"{portal}/")
    open_menu(page)
    expect(page.get_by_role("button", name=login_button_label(), exact=True)).to_be_visible()
    expect(page.locator("header.site-header")).not_to_contain_text(AN_NAME)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_inconsistent_vneid_data_is_refused_in_the_browser(page, portal):
    from identity.models import Citizen

    log_in_at_sandbox(page, portal, SAI_ID)

    page.wait_for_url(re.compile(rf"^{re.escape(portal)}/auth/vneid/callback/"))
    expect(page.locator("[role=alert]")).to_contain_text("1995")
    expect(page.locator("[role=alert]")).to_contain_text("05/05/1998")
    open_menu(page)
    expect(page.get_by_role("button", name=login_button_label(), exact=True)).to_be_visible()
    assert not Citizen.objects.filter(id_number=SAI_ID).exists()
