"""Wrong secrets for the national portal's client id, sent from elsewhere, never lock the portal
out of its own tokens; a 429 says in Retry-After how long the lock really lasts."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from django.core.cache import cache

from identity.machine import ensure_client
from portal import ratelimit

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
PORTAL_ADDRESS = "203.0.113.10"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dvcqg():
    return ensure_client("dvcqg", "Cổng Dịch vụ công quốc gia", "sync:read")


def ask(client, client_id: str, secret: str, address: str):
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post(
        TOKEN,
        urlencode({"grant_type": "client_credentials"}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
        REMOTE_ADDR=address,
    )


def test_twenty_wrong_secrets_from_other_addresses_leave_the_portal_its_tokens(client, dvcqg):
    _client, secret = dvcqg
    for attempt in range(20):
        assert ask(client, "dvcqg", "wrong", f"198.51.100.{attempt % 2}").status_code in (401, 429)

    response = ask(client, "dvcqg", secret, PORTAL_ADDRESS)

    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "Bearer"


def test_the_address_that_sent_them_is_locked_with_the_real_retry_after(
    client, dvcqg, settings, monkeypatch
):
    _client, secret = dvcqg
    settings.MACHINE_TOKEN_FAILURE_WINDOW_SECONDS = 300
    clock = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    for _attempt in range(settings.MACHINE_TOKEN_MAX_FAILURES):
        assert ask(client, "dvcqg", "wrong", "198.51.100.1").status_code == 401

    clock[0] += 120  # two minutes into the five-minute window
    response = ask(client, "dvcqg", secret, "198.51.100.1")

    assert response.status_code == 429
    assert response.json() == {
        "error": "too_many_requests",
        "error_description": "Too many failed attempts; try again later.",
    }
    assert response["Retry-After"] == "180"
