"""Machine tokens whose times we never write are refused with 401, not trusted or crashed on.

Each token below carries a valid signature (the portal's own key), so only the claim checks of
``identity.jwt.verify_machine_token`` stand between it and the audit log.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client
from jose import jwt as jose_jwt

from identity.machine import ensure_client
from identity.models import AuditEvent

pytestmark = pytest.mark.django_db

AUDIT = "/api/v1/audit/"


def signed(**changes) -> str:
    now = int(time.time())
    claims = {
        "iss": settings.MACHINE_TOKEN_ISSUER,
        "aud": settings.MACHINE_TOKEN_ISSUER,
        "sub": "auditor",
        "scope": "audit:read",
        "iat": now,
        "nbf": now,
        "exp": now + 60,
        **changes,
    }
    claims = {name: value for name, value in claims.items() if value is not None}
    return jose_jwt.encode(claims, settings.MACHINE_TOKEN_SECRET, algorithm="HS256")


@pytest.fixture
def http() -> Client:
    ensure_client("auditor", "Kiểm toán", "audit:read")
    return Client(raise_request_exception=False)


def test_a_well_formed_token_reads_the_log(http):
    response = http.get(AUDIT, HTTP_AUTHORIZATION=f"Bearer {signed()}")
    assert response.status_code == 200


TTL = 300  # MACHINE_TOKEN_TTL_SECONDS' default, the lifetime of the tokens we issue


@pytest.mark.parametrize(
    "changes",
    [  # each a function of the current time, so collection time does not matter
        pytest.param(lambda now: {"exp": 10**20}, id="exp-far-beyond-any-date"),
        pytest.param(
            lambda now: {"iat": now + 3600, "nbf": now + 3600, "exp": now + 3660}, id="iat-ahead"
        ),
        pytest.param(lambda now: {"exp": str(now + 60)}, id="exp-as-string"),
        pytest.param(lambda now: {"iat": str(now)}, id="iat-as-string"),
        pytest.param(lambda now: {"exp": float(now + 60)}, id="exp-as-float"),
        pytest.param(lambda now: {"iat": True}, id="iat-as-bool"),
        pytest.param(lambda now: {"iat": None}, id="no-iat"),
        pytest.param(lambda now: {"iat": -5}, id="negative-iat"),
        pytest.param(lambda now: {"exp": now + TTL + 60}, id="longer-than-we-issue"),
        pytest.param(lambda now: {"nbf": now + 120}, id="never-valid"),
    ],
)
def test_a_token_with_times_we_never_write_is_401(http, changes):
    assert settings.MACHINE_TOKEN_TTL_SECONDS == TTL
    token = signed(**changes(int(time.time())))
    response = http.get(AUDIT, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error == {"status": 401, "detail": error["detail"], "fields": {}}
    assert error["detail"]
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    refused = AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REFUSED).get()
    assert refused.detail["reason"] == "invalid_token"
