"""What operators see of the sync: ``/readyz`` details and ``/backoffice/sync/`` (city
administrators): the push lag, dead letters and each machine client's feed position."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

import outbox
from identity.jwt import issue_machine_token
from identity.machine import ensure_client
from identity.models import Role
from outbox.models import Message
from sync import push
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory, sign_in

pytestmark = pytest.mark.django_db

PAGE = "/backoffice/sync/"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""
    # Nothing listens there: every push fails.
    settings.NATIONAL_PORTAL_URL = "http://127.0.0.1:9/national-portal"
    settings.NATIONAL_PORTAL_TIMEOUT_SECONDS = 1


@pytest.fixture
def waiting():
    """Two dossiers whose pushes could not be delivered: one dead, one still retried."""
    first = DossierFactory(submitted=True)
    second = DossierFactory(
        submitted=True, applicant=CitizenFactory(id_number="079085000777", full_name="Lê Hai")
    )
    outbox.relay(push.TOPIC)
    Message.objects.filter(ordering_key=first.code).update(
        state="dead", created_at=timezone.now() - timedelta(minutes=10)
    )
    return first, second


def read_feed(client, client_id: str) -> int:
    """Read one page; how many changes it served (those of the test's own transaction are
    served or not depending on what else runs on the server: see sync.feed)."""
    token = issue_machine_token(client_id, ["sync:read"], 300)[0]
    response = client.get("/api/sync/v1/changes", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    return len(response.json()["changes"])


def test_readyz_reports_the_lag_dead_letters_and_feed_positions(client, waiting):
    ensure_client("cong-dvc-quoc-gia", "Cổng DVC quốc gia", "sync:read")
    served = read_feed(client, "cong-dvc-quoc-gia")

    body = client.get("/readyz").json()

    assert body["status"] == "ok"
    sync = body["details"]["sync"]
    assert sync["dead"] == 1 and sync["pending"] == 1
    assert 600 <= sync["lag_seconds"] < 700
    (position,) = sync["feed_positions"]
    assert position["client_id"] == "cong-dvc-quoc-gia"
    assert position["cursor"] and position["read_at"]
    assert position["changes_served"] == served
    assert position["behind"] == 2 - served


def test_readyz_reports_no_lag_when_everything_was_delivered(client):
    body = client.get("/readyz").json()
    assert body["details"]["sync"] == {"lag_seconds": 0.0, "pending": 0, "dead": 0,
                                       "feed_positions": []}  # fmt: skip


def test_the_sync_page_is_for_city_administrators(client, waiting):
    ensure_client("cong-dvc-quoc-gia", "Cổng DVC quốc gia", "sync:read")
    served = read_feed(client, "cong-dvc-quoc-gia")

    assert client.get(PAGE).status_code == 302  # anonymous: to the login page
    sign_in(client, OfficialFactory(username="ward.desk", role=Role.RECEPTION, agency=HOME_WARD))
    assert client.get(PAGE).status_code == 403

    sign_in(client, OfficialFactory(username="city.ops", role=Role.CITY_ADMIN))
    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="sync-dead">1<' in page
    assert 'data-testid="sync-pending">1<' in page
    assert f'data-testid="behind-cong-dvc-quoc-gia">{2 - served}<' in page
    assert "Cổng DVC quốc gia" in page
