"""Token checks of :mod:`identity.jwt` that a planted bug could drop without any test failing.

The existing forged-token test changes ``iss`` and ``aud`` together, so either check alone could
go; here each claim is wrong on its own, on a token signed with the portal's real secret.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from jose import jwt as jose_jwt

from identity import jwt as tokens
from identity.machine import ensure_client
from tests.oidc_provider import new_rsa_key, private_pem, public_pem

pytestmark = pytest.mark.django_db

WHOAMI = "/api/v1/auth/whoami"


def machine_claims(**changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": settings.MACHINE_TOKEN_ISSUER,
        "aud": settings.MACHINE_TOKEN_ISSUER,
        "sub": "auditor",
        "scope": "audit:read",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        **changes,
    }
    return {key: value for key, value in claims.items() if value is not None}


def signed(claims: dict) -> str:
    return jose_jwt.encode(claims, settings.MACHINE_TOKEN_SECRET, algorithm="HS256")


@pytest.fixture
def auditor():
    ensure_client("auditor", "Auditor", "audit:read")


def test_the_control_token_is_accepted(client, auditor):
    response = client.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {signed(machine_claims())}")
    assert response.status_code == 200
    assert response.json()["client_id"] == "auditor"


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"iss": "someone-else"}, id="other-issuer"),
        pytest.param({"aud": "someone-else"}, id="other-audience"),
        pytest.param({"iss": None}, id="no-issuer"),
        pytest.param({"exp": None}, id="no-expiry"),
        pytest.param({"sub": None}, id="no-subject"),
        pytest.param({"exp": int(time.time()) - 3600}, id="expired-an-hour-ago"),
    ],
)
def test_a_machine_token_with_one_wrong_claim_is_refused(client, auditor, changes):
    token = signed(machine_claims(**changes))
    with pytest.raises(tokens.TokenError):
        tokens.verify_machine_token(token)
    response = client.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_machine_token_without_an_audience_is_refused(client, auditor):
    token = signed(machine_claims(aud=None))
    with pytest.raises(tokens.TokenError):
        tokens.verify_machine_token(token)
    assert client.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


# --- ID tokens ------------------------------------------------------------------------------------


@pytest.fixture
def rsa_key():
    return new_rsa_key()


def id_token(key, headers: dict | None = None, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": "https://vneid.example",
        "aud": "portal",
        "sub": "vneid-sub-an",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
        **changes,
    }
    claims = {name: value for name, value in claims.items() if value is not None}
    return jose_jwt.encode(claims, private_pem(key).decode(), algorithm="RS256", headers=headers)


def verify(token: str, key) -> dict:
    public = public_pem(key).decode()
    return tokens.verify_id_token(
        token,
        key_for=lambda kid: public,  # a provider that would hand out its key for any id
        issuer="https://vneid.example",
        audience="portal",
        nonce="n-1",
    )


def test_an_id_token_naming_its_key_is_accepted(rsa_key):
    assert verify(id_token(rsa_key, {"kid": "k1"}), rsa_key)["sub"] == "vneid-sub-an"


def test_an_id_token_without_a_key_id_is_refused(rsa_key):
    with pytest.raises(tokens.TokenError, match="key id"):
        verify(id_token(rsa_key), rsa_key)


def test_an_id_token_without_a_subject_is_refused(rsa_key):
    token = jose_jwt.encode(
        {"iss": "https://vneid.example", "aud": "portal", "iat": int(time.time()),
         "exp": int(time.time()) + 300, "nonce": "n-1"},
        private_pem(rsa_key).decode(), algorithm="RS256", headers={"kid": "k1"},
    )  # fmt: skip
    with pytest.raises(tokens.TokenError):
        verify(token, rsa_key)


@pytest.mark.parametrize("claim", ["aud", "iss", "exp", "iat"])
def test_an_id_token_missing_a_required_claim_is_refused(rsa_key, claim):
    # python-jose skips the audience, issuer and time checks when the claim is absent.
    with pytest.raises(tokens.TokenError):
        verify(id_token(rsa_key, {"kid": "k1"}, **{claim: None}), rsa_key)
