"""Machine clients: the client-credentials token endpoint, bearer tokens, scopes, the CLI, admin."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from jose import jwt as jose_jwt

from identity.jwt import issue_machine_token, verify_machine_token
from identity.machine import ensure_client
from identity.models import AuditEvent, MachineClient
from tests.conftest import otp_verified_login

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
WHOAMI = "/api/v1/auth/whoami"
AUDIT = "/api/v1/audit/"
FORM = "application/x-www-form-urlencoded"
Action = AuditEvent.Action


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache (Redis when REDIS_URL is set)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portal_client():
    client, secret = ensure_client("national-portal", "Cổng DVC quốc gia", "sync:read")
    return client, secret


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def ask_token(http, client_id=None, secret=None, *, form=None, remote_addr="127.0.0.1", **extra):
    data = {"grant_type": "client_credentials", **(form or {})}
    headers = {"REMOTE_ADDR": remote_addr, **extra}
    if client_id is not None:
        headers["HTTP_AUTHORIZATION"] = basic(client_id, secret)
    return http.post(TOKEN, urlencode(data), content_type=FORM, **headers)


def token_for(http, client_id, secret, **form) -> str:
    response = ask_token(http, client_id, secret, form=form)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def refusals(**detail) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(action=Action.TOKEN_REFUSED)
    return [row for row in rows if all(row.detail.get(k) == v for k, v in detail.items())]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_for(client_id: str, scope: str, *, exp_in: int = 300) -> dict:
    now = int(time.time())
    return {
        "iss": settings.MACHINE_TOKEN_ISSUER,
        "aud": settings.MACHINE_TOKEN_ISSUER,
        "sub": client_id,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + exp_in,
    }


# --- the token endpoint -------------------------------------------------------------------------


def test_basic_authentication_gets_a_token_with_the_right_claims(client, portal_client):
    machine, secret = portal_client
    before = int(time.time())

    response = ask_token(client, machine.client_id, secret)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.MACHINE_TOKEN_TTL_SECONDS
    assert body["scope"] == "sync:read"
    claims = verify_machine_token(body["access_token"])
    assert claims["sub"] == "national-portal"
    assert claims["scope"] == "sync:read"
    assert claims["exp"] - claims["iat"] == settings.MACHINE_TOKEN_TTL_SECONDS
    assert before + settings.MACHINE_TOKEN_TTL_SECONDS <= claims["exp"] <= time.time() + 300 + 2
    assert jose_jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    issued = AuditEvent.objects.get(action=Action.TOKEN_ISSUED)
    assert (issued.actor_type, issued.actor) == ("machine", "national-portal")
    assert issued.detail["scope"] == "sync:read"


def test_form_fields_authenticate_too(portal_client):
    machine, secret = portal_client
    http = Client(enforce_csrf_checks=True)  # a machine has no CSRF cookie
    response = ask_token(http, form={"client_id": machine.client_id, "client_secret": secret})
    assert response.status_code == 200
    assert verify_machine_token(response.json()["access_token"])["sub"] == "national-portal"


def test_two_authentication_methods_at_once_are_refused(client, portal_client):
    machine, secret = portal_client
    response = ask_token(client, machine.client_id, secret, form={"client_secret": secret})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("client_id", "secret_of", "reason"),
    [
        ("national-portal", lambda right: right + "x", "wrong_secret"),
        ("nobody", lambda right: right, "unknown_client"),
        ("retired", lambda right: right, "inactive_client"),
    ],
)
def test_bad_client_credentials_give_invalid_client_and_an_audit_row(
    client, portal_client, client_id, secret_of, reason
):
    _machine, right = portal_client
    retired, _ = ensure_client("retired", "Retired", "sync:read", secret=right)
    retired.is_active = False
    retired.save()
    sent = secret_of(right)

    response = ask_token(client, client_id, sent)

    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed.",
    }
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert response["Cache-Control"] == "no-store"
    [row] = refusals(reason=reason)
    assert sent not in json.dumps(row.detail) + row.actor
    assert not AuditEvent.objects.filter(action=Action.TOKEN_ISSUED).exists()


@pytest.mark.parametrize(
    "authorization", ["Basic", "Basic !!notbase64!!", "Basic " + b64url(b"no-colon-here")]
)
def test_a_malformed_basic_header_is_invalid_client(client, authorization):
    response = client.post(
        TOKEN,
        urlencode({"grant_type": "client_credentials"}),
        content_type=FORM,
        HTTP_AUTHORIZATION=authorization,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert refusals(reason="malformed_basic")


def test_a_nul_in_the_client_id_is_just_an_unknown_client(client):
    response = ask_token(client, "bad\x00id", "secret")
    assert response.status_code == 401
    [row] = refusals(reason="unknown_client")
    assert row.detail["client_id"] == "badid"


def test_no_credentials_at_all_is_invalid_client(client, portal_client):
    response = ask_token(client)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_scope_the_client_does_not_hold_is_invalid_scope(client, portal_client):
    machine, secret = portal_client
    response = ask_token(client, machine.client_id, secret, form={"scope": "sync:read audit:read"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    [row] = refusals(reason="invalid_scope")
    assert row.actor == "national-portal"


def test_a_subset_of_scopes_can_be_asked_for(client):
    ensure_client("auditor", "Auditor", "sync:read audit:read", secret="s3cret-for-tests")
    response = ask_token(client, "auditor", "s3cret-for-tests", form={"scope": "audit:read"})
    assert response.status_code == 200
    assert response.json()["scope"] == "audit:read"
    whoami = client.get(WHOAMI, **bearer(response.json()["access_token"]))
    assert whoami.json()["scopes"] == ["audit:read"]


def test_only_the_client_credentials_grant(client, portal_client):
    machine, secret = portal_client
    response = ask_token(client, machine.client_id, secret, form={"grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_a_json_body_gets_an_oauth_error_not_a_crash(client, portal_client):
    machine, secret = portal_client
    response = client.post(
        TOKEN,
        {"grant_type": "client_credentials"},
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(machine.client_id, secret),
    )
    assert response.status_code == 415
    assert response.json()["error"] == "invalid_request"


# --- rate limit ---------------------------------------------------------------------------------


def test_repeated_failures_for_a_client_from_one_address_are_rate_limited(client, portal_client):
    machine, secret = portal_client
    for _attempt in range(settings.MACHINE_TOKEN_MAX_FAILURES):
        response = ask_token(client, machine.client_id, "wrong", remote_addr="10.0.0.7")
        assert response.status_code == 401

    response = ask_token(client, machine.client_id, secret, remote_addr="10.0.0.7")

    assert response.status_code == 429
    assert response.json()["error"] == "too_many_requests"
    assert 0 < int(response["Retry-After"]) <= settings.MACHINE_TOKEN_FAILURE_WINDOW_SECONDS
    assert refusals(reason="rate_limited")
    assert not AuditEvent.objects.filter(action=Action.TOKEN_ISSUED).exists()


def test_repeated_failures_from_an_address_are_rate_limited(client, portal_client):
    machine, secret = portal_client
    for attempt in range(settings.MACHINE_TOKEN_MAX_FAILURES_PER_ADDRESS):
        assert ask_token(client, f"guess-{attempt}", "x").status_code == 401
    assert ask_token(client, machine.client_id, secret).status_code == 429
    # another address is not affected
    assert ask_token(client, machine.client_id, secret, remote_addr="10.9.9.9").status_code == 200


# --- using a token ------------------------------------------------------------------------------


def test_whoami_describes_the_token(client, portal_client):
    machine, secret = portal_client
    token = token_for(client, machine.client_id, secret)
    response = client.get(WHOAMI, **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["client_id"] == "national-portal"
    assert body["scopes"] == ["sync:read"]
    expires_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert expires_at.utcoffset().total_seconds() == 0
    assert int(expires_at.timestamp()) == verify_machine_token(token)["exp"]


def test_whoami_without_a_token_asks_for_a_bearer_token(client):
    response = client.get(WHOAMI)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")
    assert response.json()["error"]["status"] == 401


def test_a_token_without_the_needed_scope_gets_403_and_one_audit_row(client, portal_client):
    machine, secret = portal_client  # holds sync:read only
    token = token_for(client, machine.client_id, secret)

    response = client.get(AUDIT, **bearer(token))

    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    [row] = AuditEvent.objects.filter(action=Action.PERMISSION_DENIED)
    assert (row.actor_type, row.actor) == ("machine", "national-portal")
    assert row.detail["missing_scopes"] == ["audit:read"]
    assert row.path == AUDIT


def test_a_token_with_audit_read_reads_the_log(client):
    ensure_client("auditor", "Auditor", "audit:read", secret="s3cret-for-tests")
    token = token_for(client, "auditor", "s3cret-for-tests")
    response = client.get(AUDIT, **bearer(token))
    assert response.status_code == 200
    assert [e["action"] for e in response.json()["results"]][:1] == ["token_issued"]


def test_an_expired_token_is_refused(client, portal_client):
    machine, _secret = portal_client
    expired = jose_jwt.encode(
        claims_for(machine.client_id, "sync:read", exp_in=-60),
        settings.MACHINE_TOKEN_SECRET,
        algorithm="HS256",
    )
    response = client.get(WHOAMI, **bearer(expired))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def _payload_changed(client_id: str) -> str:
    token, _ = issue_machine_token(client_id, ["sync:read"], 300)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "audit:read sync:read"
    return ".".join([header, b64url(json.dumps(claims).encode()), signature])


def _other_secret(client_id: str) -> str:
    return jose_jwt.encode(claims_for(client_id, "audit:read"), "not-our-key", algorithm="HS256")


def _alg_none(client_id: str) -> str:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims_for(client_id, "audit:read")).encode())
    return f"{header}.{payload}."


def _hs512(client_id: str) -> str:
    return jose_jwt.encode(
        claims_for(client_id, "audit:read"), settings.MACHINE_TOKEN_SECRET, algorithm="HS512"
    )


def _other_issuer(client_id: str) -> str:
    claims = {**claims_for(client_id, "audit:read"), "iss": "someone-else", "aud": "someone-else"}
    return jose_jwt.encode(claims, settings.MACHINE_TOKEN_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "forge", [_payload_changed, _other_secret, _alg_none, _hs512, _other_issuer]
)
def test_forged_tokens_are_refused_and_audited(client, forge):
    ensure_client("auditor", "Auditor", "audit:read sync:read")
    response = client.get(AUDIT, **bearer(forge("auditor")))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert response.json()["error"]["status"] == 401
    [row] = refusals(reason="invalid_token")
    assert row.detail["where"] == "bearer"


@pytest.mark.parametrize("fate", ["deactivated", "deleted"])
def test_the_token_of_a_gone_client_stops_working(client, portal_client, fate):
    machine, secret = portal_client
    token = token_for(client, machine.client_id, secret)
    assert client.get(WHOAMI, **bearer(token)).status_code == 200
    if fate == "deleted":
        machine.delete()
    else:
        machine.is_active = False
        machine.save()
    response = client.get(WHOAMI, **bearer(token))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert refusals(reason="client_inactive")


def test_a_scope_taken_away_is_not_honoured_by_older_tokens(client):
    machine, secret = ensure_client("auditor", "Auditor", "audit:read sync:read")
    token = token_for(client, "auditor", secret)
    ensure_client("auditor", "Auditor", "sync:read")
    assert client.get(AUDIT, **bearer(token)).status_code == 403
    assert client.get(WHOAMI, **bearer(token)).json()["scopes"] == ["sync:read"]


def test_whoami_takes_only_bearer_tokens_not_a_session(client):
    user = get_user_model().objects.create_user("someone", password="pw-123456789")
    client.force_login(user)
    response = client.get(WHOAMI)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")


# --- seeding and the command line ---------------------------------------------------------------


def test_ensure_client_is_idempotent_and_keeps_the_secret():
    client, secret = ensure_client("sandbox", "Sandbox", ["sync:read"])
    assert secret and client.check_secret(secret)
    stored_hash = client.secret_hash

    again, none = ensure_client("sandbox", "Sandbox portal", "sync:read audit:read")

    assert none is None
    assert again.pk == client.pk
    assert MachineClient.objects.get(pk=client.pk).secret_hash == stored_hash
    assert again.name == "Sandbox portal"
    assert again.scopes == ["audit:read", "sync:read"]
    _, chosen = ensure_client("sandbox", "Sandbox", "sync:read", secret="chosen-secret-123")
    assert chosen == "chosen-secret-123"
    assert MachineClient.objects.get(pk=client.pk).check_secret("chosen-secret-123")


def test_create_machine_client_prints_a_working_secret_once(client):
    out = StringIO()
    call_command(
        "create_machine_client",
        "reports-bot",
        "--name",
        "Reports",
        "--scopes",
        "sync:read audit:read",
        stdout=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    created = MachineClient.objects.get(client_id="reports-bot")
    assert created.name == "Reports"
    assert created.scopes == ["audit:read", "sync:read"]
    assert created.check_secret(secret)
    assert secret not in created.secret_hash
    assert ask_token(client, "reports-bot", secret).status_code == 200

    again = StringIO()
    call_command("create_machine_client", "reports-bot", "--scopes", "sync:read", stdout=again)
    assert secret not in again.getvalue()
    assert "kept" in again.getvalue()
    assert MachineClient.objects.get(client_id="reports-bot").check_secret(secret)


# --- admin --------------------------------------------------------------------------------------


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456789")
    otp_verified_login(client, user)
    return user


def test_admin_never_shows_the_secret_and_rotation_shows_the_new_one_once(
    client, superuser, portal_client
):
    machine, old_secret = portal_client
    page = client.get(f"/admin/identity/machineclient/{machine.pk}/change/")
    assert page.status_code == 200
    assert machine.secret_hash.encode() not in page.content
    assert b"secret_hash" not in page.content

    response = client.post(
        "/admin/identity/machineclient/",
        {"action": "rotate_secrets", "_selected_action": [machine.pk]},
        follow=True,
    )

    assert response.status_code == 200
    machine.refresh_from_db()
    assert not machine.check_secret(old_secret)
    [message] = [str(m) for m in response.context["messages"]]
    new_secret = message.split("<code>")[1].split("</code>")[0]
    assert machine.check_secret(new_secret)
    assert new_secret.encode() in response.content
    later = client.get("/admin/identity/machineclient/")
    assert new_secret.encode() not in later.content


def test_admin_adds_a_client_with_a_generated_secret(client, superuser):
    response = client.post(
        "/admin/identity/machineclient/add/",
        {"client_id": "postal", "name": "Bưu điện", "scopes": "sync:read", "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    created = MachineClient.objects.get(client_id="postal")
    assert created.scopes == ["sync:read"]
    [message] = [str(m) for m in response.context["messages"] if "<code>" in str(m)]
    assert created.check_secret(message.split("<code>")[1].split("</code>")[0])


def test_admin_edits_scopes_as_a_line_of_text_and_keeps_the_id(client, superuser, portal_client):
    machine, secret = portal_client
    url = f"/admin/identity/machineclient/{machine.pk}/change/"
    assert b'value="sync:read"' in client.get(url).content
    response = client.post(
        url, {"client_id": "renamed", "name": "Portal", "scopes": "sync:read audit:read"}
    )
    assert response.status_code == 302
    machine.refresh_from_db()
    assert (machine.client_id, machine.scopes) == ("national-portal", ["audit:read", "sync:read"])
    assert machine.is_active is False  # the box was left unticked
    assert machine.check_secret(secret)
    bad = client.post(url, {"name": "Portal", "scopes": 'sync:read "quoted"'})
    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors["scopes"]
