"""What a person sees on the national portal (the sandbox's stand-in, its "Tra cứu hồ sơ" page in
a real Chromium) while a dossier moves through its first steps: each new status appears within
seconds, once by push (the outbox relay) and once by pull (the stand-in polling the live
portal's change feed), and the page's sync history says which way each version came."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

import outbox
from dossiers.lifecycle import transitions
from identity.machine import ensure_client
from identity.models import Role
from sync import push
from tests.conftest import requires_postgres
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
from tests.test_sandbox_national_portal import CLIENT_SECRET, PUSH_TOKEN, start_sandbox
from tests.test_sync_feed import marriage_procedure  # noqa: F401 - a fixture
from tests.test_sync_worker import polling

pytestmark = [
    requires_postgres,
    pytest.mark.postgres,
    pytest.mark.e2e,
    pytest.mark.usefixtures("marriage_procedure"),
]

STEPS = [
    (None, "Mới đăng ký"),
    ("receive", "Được tiếp nhận"),
    ("route", "Đang xử lý"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("way", ["push", "pull"])
def test_each_status_shows_on_the_national_portals_lookup_page_within_seconds(
    live_server, page, tmp_path, settings, way
):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""
    ensure_client("cong-dvc-quoc-gia", "Cổng DVC quốc gia", "sync:read", secret=CLIENT_SECRET)
    reception = OfficialFactory(username="ward.reception", role=Role.RECEPTION, agency=HOME_WARD)
    poll = {"SANDBOX_NATIONAL_PORTAL_FEED_URL": live_server.url}
    poll["SANDBOX_NATIONAL_PORTAL_POLL_SECONDS"] = "1" if way == "pull" else "0"
    with (
        start_sandbox(tmp_path / "sandbox", **poll) as box,
        polling(box.env, tmp_path / "poller.log"),
    ):
        settings.NATIONAL_PORTAL_URL = box.base
        settings.NATIONAL_PORTAL_PUSH_TOKEN = PUSH_TOKEN
        dossier = None
        for action, status_name in STEPS:
            if action is None:
                dossier = DossierFactory(submitted=True)
            else:
                dossier = getattr(transitions, action)(dossier, reception)
            moved_at = time.monotonic()
            if way == "push":
                outbox.relay(push.TOPIC)  # what the worker on the sync queue runs

            page.goto(f"{box.url}/national-portal/tra-cuu/?ma={dossier.code}")
            status = page.locator("#ho-so .status")
            while time.monotonic() - moved_at < 15 and (
                status.count() == 0 or status.inner_text() != status_name
            ):
                page.wait_for_timeout(500)
                page.reload()
            expect(status).to_have_text(status_name)
            assert time.monotonic() - moved_at < 15

        history = page.locator("#lich-su tbody tr")
        expect(history).to_have_count(5)  # versions 1 to 5: dossier, dossier+progress twice
        ways = {row.locator("td").nth(2).inner_text() for row in history.all()}
        assert ways == {way}
        expect(page.locator("#tien-do")).to_contain_text("Tiếp nhận hồ sơ")
