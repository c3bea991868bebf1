"""Logging in with VNeID: the portal as an OpenID Connect relying party.

Every refusal is checked the same way: an error page, nobody logged in, no citizen created, and
the reason in the audit log (never in the page).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from identity.models import AuditEvent, Citizen
from tests.oidc_provider import (
    AN,
    CLIENT_ID,
    hs256_token,
    new_rsa_key,
    public_pem,
    unsigned_token,
    vneid_provider,
)

pytestmark = pytest.mark.django_db

CALLBACK = "/auth/vneid/callback/"
LOGIN = "/auth/vneid/login/"


@pytest.fixture
def vneid(settings):
    with vneid_provider(settings) as provider:
        yield provider


def start(client: Client, next_url: str | None = None) -> dict[str, str]:
    """Begin a login; return the parameters the portal sent to the authorization endpoint."""
    response = client.get(LOGIN, {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.content.decode()[:500]
    query = parse_qs(urlsplit(response["Location"]).query)
    return {key: values[0] for key, values in query.items()}


def finish(client: Client, code: str, state: str):
    return client.get(CALLBACK, {"code": code, "state": state})


def log_in(client: Client, vneid, next_url: str | None = None, **grant):
    auth = start(client, next_url)
    return finish(client, vneid.grant(auth, **grant), auth["state"])


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def last_failure() -> str:
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).first()
    assert event is not None, "no failed login was recorded"
    return event.detail["reason"]


def assert_refused(client: Client, response, reason: str, status: int = 400) -> None:
    assert response.status_code == status
    assert "identity/citizen_login_error.html" in [t.name for t in response.templates]
    assert logged_in_user_id(client) is None
    assert not Citizen.objects.exists()
    assert not get_user_model().objects.filter(username__startswith="vneid-").exists()
    assert last_failure() == reason


# --- The way in --------------------------------------------------------------------------


def test_login_sends_the_browser_to_vneid_with_state_nonce_and_pkce(client, vneid, settings):
    auth = start(client, "/procedures/")

    assert auth["response_type"] == "code"
    assert auth["client_id"] == CLIENT_ID
    assert auth["redirect_uri"] == "http://testserver/auth/vneid/callback/"
    assert auth["scope"] == settings.VNEID_SCOPES
    assert auth["code_challenge_method"] == "S256"
    assert len(auth["state"]) >= 32 and len(auth["nonce"]) >= 32
    assert auth["state"] != auth["nonce"]
    assert len(auth["code_challenge"]) == 43  # base64url of a SHA-256 digest
    flow = client.session["vneid_flows"][auth["state"]]
    assert flow["nonce"] == auth["nonce"]
    assert flow["next"] == "/procedures/"
    assert flow["verifier"] not in str(auth)  # only the challenge leaves the browser session


def test_discovery_is_cached(client, vneid):
    start(client)
    start(client)
    assert vneid.discovery_requests == 1


def test_happy_path_creates_the_citizen_and_logs_in(client, vneid):
    auth = start(client, "/procedures/")
    key_before = client.cookies["sessionid"].value

    response = finish(client, vneid.grant(auth), auth["state"])

    assert response.status_code == 302
    assert response["Location"] == "/procedures/"
    citizen = Citizen.objects.get()
    assert citizen.id_number == "079085001234"
    assert citizen.subject == "vneid-sub-an"
    assert citizen.full_name == "Nguyễn Văn An"
    assert citizen.birth_date.isoformat() == "1985-03-12"
    assert citizen.gender == Citizen.Gender.MALE
    assert citizen.assurance_level == 2
    assert citizen.account_type == Citizen.AccountType.CITIZEN
    assert citizen.user.username == "vneid-079085001234"
    assert not citizen.user.has_usable_password()
    assert logged_in_user_id(client) == str(citizen.user.pk)
    assert client.cookies["sessionid"].value != key_before
    # PKCE: the provider saw the right verifier and the redirect URI (else invalid_grant).
    assert vneid.token_answers[-1][0] == 200
    assert "vneid_flows" not in client.session or not client.session["vneid_flows"]


def test_without_next_the_citizen_lands_on_the_account_page(client, vneid):
    response = log_in(client, vneid)
    assert response["Location"] == "/account/"


def test_second_login_updates_the_citizen_and_creates_no_other(client, vneid):
    first = {**AN, "IAL": 1, "HoVaTen": "Nguyen Van An"}
    assert log_in(client, vneid, person=first).status_code == 302
    assert Citizen.objects.get().assurance_level == 1
    client.post("/auth/logout/")

    other = Client()
    assert log_in(other, vneid).status_code == 302

    citizen = Citizen.objects.get()
    assert citizen.full_name == "Nguyễn Văn An"
    assert citizen.assurance_level == 2
    assert get_user_model().objects.filter(username__startswith="vneid-").count() == 1
    assert logged_in_user_id(other) == str(citizen.user.pk)


def test_iso_birth_dates_and_female_gender_are_read(client, vneid):
    person = {
        **AN,
        "SoDinhDanh": "079301004567",
        "NgayThangNamSinh": "2001-07-30",
        "GioiTinh": "Nữ",
    }
    assert log_in(client, vneid, person=person).status_code == 302
    citizen = Citizen.objects.get()
    assert citizen.birth_date.isoformat() == "2001-07-30"
    assert citizen.gender == Citizen.Gender.FEMALE


def test_provider_error_shows_a_friendly_page(client, vneid, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    auth = start(client)
    response = client.get(CALLBACK, {"error": "access_denied", "state": auth["state"]})
    assert_refused(client, response, "access_denied")
    assert "cancelled" in response.content.decode()


# --- Tokens that must be refused ------------------------------------------------------


def test_token_signed_with_another_key_under_the_same_kid_is_refused(client, vneid):
    auth = start(client)
    forged = vneid.sign(vneid.id_claims(auth["nonce"], **AN), key=new_rsa_key())
    response = finish(client, vneid.grant(auth, id_token=forged), auth["state"])
    assert_refused(client, response, "id_token_invalid")
    assert forged not in response.content.decode()


def test_alg_none_is_refused(client, vneid):
    auth = start(client)
    token = unsigned_token(
        {"alg": "none", "kid": vneid.current_kid, "typ": "JWT"},
        vneid.id_claims(auth["nonce"], **AN),
    )
    response = finish(client, vneid.grant(auth, id_token=token), auth["state"])
    assert_refused(client, response, "id_token_invalid")


def test_hs256_signed_with_the_public_key_is_refused(client, vneid):
    auth = start(client)
    token = hs256_token(
        {"alg": "HS256", "kid": vneid.current_kid, "typ": "JWT"},
        vneid.id_claims(auth["nonce"], **AN),
        public_pem(vneid.keys[vneid.current_kid]),
    )
    response = finish(client, vneid.grant(auth, id_token=token), auth["state"])
    assert_refused(client, response, "id_token_invalid")


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"aud": "another-portal"}, id="wrong-aud"),
        pytest.param({"iss": "https://vneid.example.org"}, id="wrong-iss"),
        pytest.param({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, id="wrong-at_hash"),
        pytest.param({"nonce": "not-the-nonce-of-this-login"}, id="wrong-nonce"),
        pytest.param({"iat": int(time.time()) + 3600}, id="issued-in-the-future"),
    ],
)
def test_token_with_wrong_claims_is_refused(client, vneid, claims):
    response = log_in(client, vneid, claims=claims)
    assert_refused(client, response, "id_token_invalid")


def test_expired_token_beyond_the_clock_skew_is_refused(client, vneid, settings):
    now = int(time.time())
    late = {"iat": now - 600, "exp": now - settings.VNEID_CLOCK_SKEW_SECONDS - 30}
    assert_refused(client, log_in(client, vneid, claims=late), "id_token_expired")


def test_token_expired_within_the_clock_skew_is_accepted(client, vneid):
    now = int(time.time())
    response = log_in(client, vneid, claims={"iat": now - 300, "exp": now - 10})
    assert response.status_code == 302
    assert logged_in_user_id(client) is not None


def test_the_same_token_returned_for_a_second_login_is_refused(client, vneid):
    auth = start(client)
    code = vneid.grant(auth)
    replayed = dict(vneid.grants[code].response)
    assert finish(client, code, auth["state"]).status_code == 302

    other = Client()
    auth2 = start(other)
    response = finish(other, vneid.grant(auth2, response=replayed), auth2["state"])

    assert response.status_code == 400
    assert logged_in_user_id(other) is None
    assert last_failure() == "id_token_invalid"  # its nonce belongs to the first login


def test_a_consumed_nonce_is_refused_even_when_the_session_expects_it(client, vneid):
    """Someone who captured a login in progress (its state, nonce and verifier) and the token
    that finished it cannot use them again: the nonce was consumed."""
    auth = start(client)
    captured_flow = dict(client.session["vneid_flows"][auth["state"]])
    code = vneid.grant(auth)
    replayed = dict(vneid.grants[code].response)
    assert finish(client, code, auth["state"]).status_code == 302

    attacker = Client()
    start(attacker)  # gives the attacker a session
    session = attacker.session
    session["vneid_flows"] = {"captured": {**captured_flow, "started": int(time.time())}}
    session.save()
    code2 = vneid.grant(auth, response=replayed)
    response = finish(attacker, code2, "captured")

    assert response.status_code == 400
    assert logged_in_user_id(attacker) is None
    assert last_failure() == "nonce_replayed"


def test_a_state_from_another_browser_is_refused(vneid):
    browser_a, browser_b = Client(), Client()
    auth_a = start(browser_a)
    start(browser_b)

    response = finish(browser_b, vneid.grant(auth_a), auth_a["state"])

    assert_refused(browser_b, response, "state_mismatch")
    assert vneid.token_answers == []  # the code was never even exchanged


def test_a_state_is_single_use(client, vneid):
    auth = start(client)
    code = vneid.grant(auth)
    assert finish(client, code, auth["state"]).status_code == 302
    response = finish(client, code, auth["state"])
    assert response.status_code == 400
    assert last_failure() == "state_mismatch"
    assert len(vneid.token_answers) == 1  # the second answer never reached the provider


def test_a_code_exchanged_twice_is_refused_the_second_time(vneid):
    first, second = Client(), Client()
    auth = start(first)
    code = vneid.grant(auth)
    assert finish(first, code, auth["state"]).status_code == 302

    auth2 = start(second)
    response = finish(second, code, auth2["state"])

    assert response.status_code == 400
    assert vneid.token_answers[-1] == (
        400,
        {"error": "invalid_grant", "error_description": "code unknown or used"},
    )
    assert logged_in_user_id(second) is None
    assert last_failure() == "token_refused:invalid_grant"
    assert "invalid_grant" not in response.content.decode()
    assert Citizen.objects.count() == 1  # only the first login's


def test_birth_year_digits_contradicting_the_birth_date_are_refused(client, vneid):
    person = {**AN, "SoDinhDanh": "079095001111", "NgayThangNamSinh": "05/05/1998"}
    response = log_in(client, vneid, person=person)
    assert_refused(client, response, "inconsistent_identity")
    page = response.content.decode()
    assert "1995" in page and "05/05/1998" in page


def test_gender_contradicting_the_id_number_is_refused(client, vneid):
    response = log_in(client, vneid, person={**AN, "GioiTinh": "Nữ"})
    assert_refused(client, response, "inconsistent_identity")


def test_malformed_id_number_is_refused(client, vneid):
    response = log_in(client, vneid, person={**AN, "SoDinhDanh": "0790850012"})
    assert_refused(client, response, "bad_id_number")


def test_userinfo_about_another_subject_is_refused(client, vneid):
    response = log_in(client, vneid, userinfo={"sub": "someone-else", **AN})
    assert_refused(client, response, "userinfo_sub_mismatch")


def test_known_id_number_with_another_subject_is_refused(client, vneid):
    assert log_in(client, vneid).status_code == 302
    client.post("/auth/logout/")
    other = Client()
    response = log_in(other, vneid, sub="another-vneid-account")
    assert response.status_code == 400
    assert logged_in_user_id(other) is None
    assert last_failure() == "subject_mismatch"
    assert Citizen.objects.get().subject == "vneid-sub-an"


def test_discovery_naming_another_issuer_is_refused(client, vneid):
    vneid.advertised_issuer = "https://impostor.example/vneid"
    response = client.get(LOGIN)
    assert response.status_code == 502
    assert last_failure() == "discovery_issuer_mismatch"


def test_unreachable_provider_gives_a_502_page(client, settings):
    from tests.oidc_provider import isolate_cache

    isolate_cache(settings)
    settings.VNEID_ISSUER = "http://127.0.0.1:9/vneid"  # discard port: nothing listens
    response = client.get(LOGIN)
    assert response.status_code == 502
    assert logged_in_user_id(client) is None


# --- Key rotation ------------------------------------------------------------------------


def test_unknown_kid_triggers_exactly_one_jwks_refetch(vneid):
    assert log_in(Client(), vneid).status_code == 302
    assert vneid.jwks_requests == 1

    vneid.rotate()
    rotated = Client()
    assert log_in(rotated, vneid).status_code == 302
    assert logged_in_user_id(rotated) is not None
    assert vneid.jwks_requests == 2

    # Tokens naming keys nobody published: refused, and the key set is not fetched again.
    for _ in range(3):
        browser = Client()
        auth = start(browser)
        claims = vneid.id_claims(auth["nonce"], **AN)
        token = vneid.sign(claims, kid="no-such-key", key=new_rsa_key())
        response = finish(browser, vneid.grant(auth, id_token=token), auth["state"])
        assert response.status_code == 400
        assert logged_in_user_id(browser) is None
    assert vneid.jwks_requests == 2


# --- Where the browser goes afterwards -------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/steal",
        "//evil.example/steal",
        "/\\evil.example/steal",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
    ],
)
def test_next_cannot_leave_the_site(client, vneid, next_url):
    response = log_in(client, vneid, next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/account/"


def test_next_on_the_site_is_kept(client, vneid):
    response = log_in(client, vneid, next_url="/procedures/?q=khai+sinh")
    assert response["Location"] == "/procedures/?q=khai+sinh"


# --- Logout ------------------------------------------------------------------------------


def test_logout_needs_a_post(client, vneid):
    log_in(client, vneid)
    page = client.get("/auth/logout/")
    assert page.status_code == 200
    assert logged_in_user_id(client) is not None
    assert 'method="post"' in page.content.decode()

    response = client.post("/auth/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) is None
