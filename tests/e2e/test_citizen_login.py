"""A citizen logs in with VNeID in a real browser, through the sandbox's real OpenID provider.

The sandbox runs as its own process (as the Procfile runs it) with a throw-away database, its
client ``hcmc-portal`` registered for this test's live portal; the portal is pointed at it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import DESKTOP, PHONE
from tests.oidc_provider import isolate_cache

AN_ID = "079085001234"
AN_NAME = "Nguyễn Văn An"
SAI_ID = "079095001111"  # born 05/05/1998 but the number says 1995: refused on purpose


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def sandbox(live_server, tmp_path_factory):
    """The sandbox on a free port, its VNeID client registered for ``live_server``."""
    var = tmp_path_factory.mktemp("sandbox-vneid")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "SANDBOX_VAR_DIR": str(var),
        "SANDBOX_DATABASE_URL": f"sqlite:///{var / 'sandbox.sqlite3'}",
        "SANDBOX_URL": url,
        "SANDBOX_PORTAL_URL": live_server.url,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput"], ["seed_sandbox"]):
        done = subprocess.run(
            [*manage, *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"

    log_path = var / "runserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        discovery = f"{url}/vneid/.well-known/openid-configuration"
        while True:
            if server.poll() is not None:
                pytest.fail(f"the sandbox exited early:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(discovery, timeout=5) as response:  # noqa: S310
                    assert response.status == 200
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the sandbox did not answer in 60 s:\n{log_path.read_text()}")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        print(log_path.read_text())  # shown only when a test of this module fails


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

    page.locator("header form[action='/auth/logout/'] button").click()
    page.wait_for_url(f"{portal}/")
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
    expect(page.get_by_role("button", name=login_button_label(), exact=True)).to_be_visible()
    assert not Citizen.objects.filter(id_number=SAI_ID).exists()
