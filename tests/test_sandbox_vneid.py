"""The VNeID stand-in, driven over real HTTP as the portal (a relying party) drives it.

The sandbox runs as its own process (``sandbox.settings``, throw-away database and key folder);
the tests speak OpenID Connect to it with ``requests`` and check ID tokens with python-jose against
the published JWKS, exactly as the portal must.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt
from jwcrypto.jwk import JWK

from tests.sandbox_process import free_port, manage, sandbox_env, serving

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "hcmc-portal"
CLIENT_SECRET = "hcmc-portal-demo-secret"
PORTAL_URL = "http://127.0.0.1:9"  # nothing listens there: the final redirect is never followed
REDIRECT_URI = f"{PORTAL_URL}/auth/vneid/callback/"

AN = {
    "SoDinhDanh": "079085001234",
    "HoVaTen": "Nguyễn Văn An",
    "NgayThangNamSinh": "12/03/1985",
    "GioiTinh": "Nam",
    "LoaiTaiKhoan": 1,
    "IAL": 2,
}
BICH = {
    "SoDinhDanh": "079192004567",
    "HoVaTen": "Trần Thị Bích",
    "NgayThangNamSinh": "25/07/1992",
    "GioiTinh": "Nữ",
    "LoaiTaiKhoan": 1,
    "IAL": 2,
}
KHOA = {
    "SoDinhDanh": "079203007890",
    "HoVaTen": "Lê Minh Khoa",
    "NgayThangNamSinh": "02/11/2003",
    "GioiTinh": "Nam",
    "LoaiTaiKhoan": 1,
    "IAL": 1,
}
HA = {
    "SoDinhDanh": "001190002345",
    "HoVaTen": "Phạm Thu Hà",
    "NgayThangNamSinh": "15/01/1990",
    "GioiTinh": "Nữ",
    "LoaiTaiKhoan": 1,
    "IAL": 2,
}
VIET = {
    "SoDinhDanh": "079080009999",
    "HoVaTen": "Hoàng Quốc Việt",
    "NgayThangNamSinh": "20/09/1980",
    "GioiTinh": "Nam",
    "LoaiTaiKhoan": 2,
    "IAL": 2,
}
SAI = {
    "SoDinhDanh": "079095001111",
    "HoVaTen": "Võ Văn Sai",
    "NgayThangNamSinh": "05/05/1998",
    "GioiTinh": "Nam",
    "LoaiTaiKhoan": 1,
    "IAL": 2,
}
DEMO_CITIZENS = [AN, BICH, KHOA, HA, VIET, SAI]


@dataclass
class Sandbox:
    url: str
    env: dict[str, str]
    var: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/vneid"

    def manage(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return manage({**self.env, **env}, *args, timeout=120)

    def discovery(self) -> dict:
        response = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5)
        response.raise_for_status()
        return response.json()

    def jwks(self) -> dict:
        response = requests.get(self.discovery()["jwks_uri"], timeout=5)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> Sandbox:
    """A migrated, seeded sandbox served by ``runserver`` on a free port for the whole session."""
    var = tmp_path_factory.mktemp("sandbox-vneid-var")
    url = f"http://127.0.0.1:{free_port()}"
    box = Sandbox(url=url, env=sandbox_env(var, url, portal_url=f"{PORTAL_URL}/"), var=var)
    for command in (["migrate", "--noinput"], ["seed_sandbox"]):
        done = box.manage(*command)
        assert done.returncode == 0, done.stdout + done.stderr
    with serving(box.env, var, url):
        yield box


# --- a minimal relying party ---------------------------------------------------------------


class _Forms(HTMLParser):
    """Collects each form's action, hidden inputs and submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action", ""), "fields": {}, "buttons": []})
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""
        elif tag == "button" and self.forms:
            self.forms[-1]["buttons"].append(attributes)


def _forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class Authorization:
    code: str
    verifier: str
    nonce: str
    callback: dict[str, str]
    state: str


def _authorize(
    sandbox: Sandbox,
    id_number: str,
    *,
    session: requests.Session | None = None,
    redirect_uri: str = REDIRECT_URI,
) -> Authorization:
    """Browser side of the code flow: authorize → login page → chosen citizen → callback URL."""
    session = session or requests.Session()
    verifier, challenge = _pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": "openid profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = session.get(sandbox.discovery()["authorization_endpoint"], params=params, timeout=10)
    assert page.status_code == 200, page.text
    assert urlsplit(page.url).path == "/vneid/login/"

    chosen = [
        form
        for form in _forms(page.text)
        if any(button.get("data-id-number") == id_number for button in form["buttons"])
    ]
    assert len(chosen) == 1, f"no single form for {id_number} on the login page"
    form = chosen[0]
    button = next(b for b in form["buttons"] if b.get("data-id-number") == id_number)
    data = {**form["fields"], button["name"]: button["value"]}
    assert data["csrfmiddlewaretoken"]
    response = session.post(
        urljoin(page.url, form["action"]), data=data, allow_redirects=False, timeout=10
    )

    for _ in range(5):  # login → authorize → redirect URI; the last hop is never followed
        assert response.status_code == 302, response.text
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(redirect_uri):
            break
        response = session.get(location, allow_redirects=False, timeout=10)
    else:
        pytest.fail("the provider never redirected to the redirect URI")

    assert location.split("?")[0] == redirect_uri
    callback = {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
    assert callback["state"] == state
    return Authorization(callback["code"], verifier, nonce, callback, state)


def _token_request(sandbox: Sandbox, **fields: str) -> requests.Response:
    data = {"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI, **fields}
    return requests.post(
        sandbox.discovery()["token_endpoint"],
        data=data,
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=15,
    )


def _exchange(sandbox: Sandbox, authorization: Authorization) -> dict:
    response = _token_request(
        sandbox, code=authorization.code, code_verifier=authorization.verifier
    )
    assert response.status_code == 200, response.text
    return response.json()


def _verify_id_token(sandbox: Sandbox, tokens: dict, nonce: str) -> tuple[dict, dict]:
    """Check the ID token as a relying party must: RS256 key by kid, iss, aud, at_hash, nonce."""
    id_token = tokens["id_token"]
    header = jwt.get_unverified_header(id_token)
    keys = {key["kid"]: key for key in sandbox.jwks()["keys"]}
    assert header["alg"] == "RS256"
    assert header["kid"] in keys
    claims = jwt.decode(
        id_token,
        keys[header["kid"]],
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=sandbox.issuer,
        access_token=tokens["access_token"],
    )
    assert claims["nonce"] == nonce
    return header, claims


def _citizen_claims(claims: dict) -> dict:
    return {name: claims[name] for name in AN}


# --- discovery and keys --------------------------------------------------------------------


def test_discovery_announces_the_issuer_and_endpoints(sandbox):
    document = sandbox.discovery()

    assert document["issuer"] == sandbox.issuer
    assert document["authorization_endpoint"] == f"{sandbox.issuer}/authorize/"
    assert document["token_endpoint"] == f"{sandbox.issuer}/token/"
    assert document["userinfo_endpoint"] == f"{sandbox.issuer}/userinfo/"
    assert document["jwks_uri"] == f"{sandbox.issuer}/.well-known/jwks.json"
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]
    assert {"openid", "profile"} <= set(document["scopes_supported"])
    assert {"sub", *AN} <= set(document["claims_supported"])


def test_jwks_publishes_the_rsa_key_kept_in_the_var_folder(sandbox):
    keys = sandbox.jwks()["keys"]

    assert len(keys) == 1
    (key,) = keys
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"]
    assert {"n", "e"} <= set(key) and "d" not in key
    assert (sandbox.var / "sandbox-vneid" / "active.pem").read_text().startswith("-----BEGIN")


def test_the_login_page_lists_the_demo_citizens_as_csrf_protected_forms(sandbox):
    page = requests.get(f"{sandbox.issuer}/login/", timeout=5)

    assert page.status_code == 200
    forms = _forms(page.text)
    ids = [button.get("data-id-number") for form in forms for button in form["buttons"]]
    assert ids == [citizen["SoDinhDanh"] for citizen in DEMO_CITIZENS]
    assert all(form["fields"].get("csrfmiddlewaretoken") for form in forms)
    assert "0790850•••34" in page.text
    assert "Công ty TNHH Sài Gòn Xanh" in page.text
    assert page.text.count("Mức 2") >= 5 and "Mức 1" in page.text
    assert 'name="viewport"' in page.text
    assert ">079085001234<" not in page.text  # the full number is never shown as text


def test_posting_without_the_csrf_token_is_refused(sandbox):
    response = requests.post(
        f"{sandbox.issuer}/login/", data={"id_number": AN["SoDinhDanh"]}, timeout=5
    )

    assert response.status_code == 403


def test_choosing_a_citizen_never_redirects_off_the_sandbox(sandbox):
    session = requests.Session()
    page = session.get(f"{sandbox.issuer}/login/", timeout=5)
    token = _forms(page.text)[0]["fields"]["csrfmiddlewaretoken"]

    unknown = session.post(
        f"{sandbox.issuer}/login/",
        data={"csrfmiddlewaretoken": token, "id_number": "000000000000"},
        allow_redirects=False,
        timeout=5,
    )
    chosen = session.post(
        f"{sandbox.issuer}/login/",
        data={
            "csrfmiddlewaretoken": token,
            "id_number": AN["SoDinhDanh"],
            "next": "https://evil.example/",
        },
        allow_redirects=False,
        timeout=5,
    )

    assert unknown.status_code == 400
    assert chosen.status_code == 302
    assert chosen.headers["Location"] == "/vneid/login/"
    signed_in = session.get(f"{sandbox.issuer}/login/", timeout=5).text
    assert "Đang đăng nhập: <strong>Nguyễn Văn An</strong>" in signed_in


# --- the code flow -------------------------------------------------------------------------


@pytest.mark.parametrize("citizen", DEMO_CITIZENS, ids=lambda c: c["SoDinhDanh"])
def test_code_flow_issues_a_signed_id_token_with_the_citizens_claims(sandbox, citizen):
    authorization = _authorize(sandbox, citizen["SoDinhDanh"])
    tokens = _exchange(sandbox, authorization)

    assert authorization.callback["iss"] == sandbox.issuer  # RFC 9207
    assert tokens["token_type"] == "Bearer"
    header, claims = _verify_id_token(sandbox, tokens, authorization.nonce)
    assert claims["iss"] == sandbox.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["exp"] > claims["iat"]
    assert _citizen_claims(claims) == citizen
    assert isinstance(claims["LoaiTaiKhoan"], int) and isinstance(claims["IAL"], int)


def test_sub_is_stable_per_citizen_and_differs_between_citizens(sandbox):
    first = _verify_id_token(
        sandbox, _exchange(sandbox, auth := _authorize(sandbox, AN["SoDinhDanh"])), auth.nonce
    )[1]
    again = _verify_id_token(
        sandbox, _exchange(sandbox, auth := _authorize(sandbox, AN["SoDinhDanh"])), auth.nonce
    )[1]
    other = _verify_id_token(
        sandbox, _exchange(sandbox, auth := _authorize(sandbox, BICH["SoDinhDanh"])), auth.nonce
    )[1]

    assert first["sub"] == again["sub"]
    assert first["sub"] != other["sub"]


def test_userinfo_returns_the_same_claims_as_the_id_token(sandbox):
    authorization = _authorize(sandbox, VIET["SoDinhDanh"])
    tokens = _exchange(sandbox, authorization)
    _, id_claims = _verify_id_token(sandbox, tokens, authorization.nonce)

    response = requests.get(
        sandbox.discovery()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    )

    assert response.status_code == 200, response.text
    userinfo = response.json()
    assert userinfo["sub"] == id_claims["sub"]
    assert _citizen_claims(userinfo) == VIET


def test_userinfo_refuses_a_made_up_access_token(sandbox):
    response = requests.get(
        sandbox.discovery()["userinfo_endpoint"],
        headers={"Authorization": "Bearer not-a-real-token"},
        timeout=5,
    )

    assert response.status_code == 401


def test_a_citizen_already_signed_in_is_sent_straight_back_with_a_code(sandbox):
    session = requests.Session()
    _authorize(sandbox, AN["SoDinhDanh"], session=session)
    verifier, challenge = _pkce_pair()

    response = session.get(
        sandbox.discovery()["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile",
            "state": "s2",
            "nonce": "n2",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 302
    callback = parse_qs(urlsplit(response.headers["Location"]).query)
    tokens = _exchange(
        sandbox, Authorization(callback["code"][0], verifier, "n2", {}, callback["state"][0])
    )
    assert _verify_id_token(sandbox, tokens, "n2")[1]["SoDinhDanh"] == AN["SoDinhDanh"]


# --- what the provider refuses ---------------------------------------------------------------


def test_token_request_without_code_verifier_is_refused(sandbox):
    authorization = _authorize(sandbox, AN["SoDinhDanh"])

    response = _token_request(sandbox, code=authorization.code)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "id_token" not in response.json()


def test_token_request_with_a_wrong_code_verifier_is_refused(sandbox):
    authorization = _authorize(sandbox, AN["SoDinhDanh"])
    wrong_verifier, _ = _pkce_pair()

    response = _token_request(sandbox, code=authorization.code, code_verifier=wrong_verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_used_twice_is_refused(sandbox):
    authorization = _authorize(sandbox, AN["SoDinhDanh"])
    assert "id_token" in _exchange(sandbox, authorization)

    replay = _token_request(sandbox, code=authorization.code, code_verifier=authorization.verifier)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_token_request_with_a_wrong_client_secret_is_refused(sandbox):
    authorization = _authorize(sandbox, AN["SoDinhDanh"])

    response = requests.post(
        sandbox.discovery()["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT_URI,
            "code": authorization.code,
            "code_verifier": authorization.verifier,
        },
        auth=(CLIENT_ID, "not-the-secret"),
        timeout=15,
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "pkce",
    [{}, {"code_challenge": "x" * 43, "code_challenge_method": "plain"}],
    ids=["no-pkce", "plain-pkce"],
)
def test_authorization_without_s256_pkce_is_refused(sandbox, pkce):
    session = requests.Session()
    _authorize(sandbox, AN["SoDinhDanh"], session=session)  # signed in: only PKCE can stop it

    response = session.get(
        sandbox.discovery()["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile",
            "state": "s",
            "nonce": "n",
            **pkce,
        },
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 302
    callback = parse_qs(urlsplit(response.headers["Location"]).query)
    assert "code" not in callback
    assert callback["error"] == ["invalid_request"]


def test_an_unregistered_redirect_uri_gets_no_code(sandbox):
    session = requests.Session()
    _authorize(sandbox, AN["SoDinhDanh"], session=session)
    _, challenge = _pkce_pair()

    response = session.get(
        sandbox.discovery()["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": "http://127.0.0.1:9/elsewhere/",
            "scope": "openid profile",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_rp_initiated_logout_ends_the_session_and_returns_to_the_portal(sandbox):
    session = requests.Session()
    authorization = _authorize(sandbox, AN["SoDinhDanh"], session=session)
    tokens = _exchange(sandbox, authorization)
    end_session = sandbox.discovery()["end_session_endpoint"]

    response = session.get(
        end_session,
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": f"{PORTAL_URL}/",
            "state": "bye",
        },
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"{PORTAL_URL}/?state=bye"
    again = session.get(
        sandbox.discovery()["authorization_endpoint"],
        params={"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI},
        allow_redirects=False,
        timeout=10,
    )
    assert urlsplit(again.headers["Location"]).path == "/vneid/login/"


def test_logout_refuses_an_unregistered_post_logout_redirect(sandbox):
    session = requests.Session()
    authorization = _authorize(sandbox, AN["SoDinhDanh"], session=session)
    tokens = _exchange(sandbox, authorization)

    response = session.get(
        sandbox.discovery()["end_session_endpoint"],
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "http://evil.example/",
        },
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 400
    assert "evil.example" not in response.headers.get("Location", "")


# --- seeding and key rotation (they change the shared sandbox, so they run last) ------------


def test_seed_sandbox_is_idempotent_and_follows_the_portal_url(sandbox):
    elsewhere = "http://localhost:9"
    moved = sandbox.manage("seed_sandbox", SANDBOX_PORTAL_URL=elsewhere)
    assert moved.returncode == 0, moved.stderr
    assert f"{elsewhere}/auth/vneid/callback/" in moved.stdout
    for citizen in DEMO_CITIZENS:
        assert citizen["SoDinhDanh"] in moved.stdout and citizen["HoVaTen"] in moved.stdout
    try:
        page = requests.get(f"{sandbox.issuer}/login/", timeout=5)
        assert page.text.count("data-id-number=") == len(DEMO_CITIZENS)

        new_uri = f"{elsewhere}/auth/vneid/callback/"
        authorization = _authorize(sandbox, HA["SoDinhDanh"], redirect_uri=new_uri)
        assert authorization.code
        with pytest.raises(AssertionError):
            _authorize(sandbox, HA["SoDinhDanh"])  # the old redirect URI is no longer accepted
    finally:
        restored = sandbox.manage("seed_sandbox")
        assert restored.returncode == 0, restored.stderr

    assert _authorize(sandbox, HA["SoDinhDanh"]).code


def test_a_key_from_the_environment_is_used_instead_of_the_key_folder(sandbox, tmp_path):
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    show_kid = (
        "from jwcrypto.jwk import JWK; from oauth2_provider.settings import oauth2_settings as s; "
        "print(JWK.from_pem(s.OIDC_RSA_PRIVATE_KEY.encode()).thumbprint())"
    )

    done = sandbox.manage(
        "shell",
        "-c",
        show_kid,
        SANDBOX_VAR_DIR=str(tmp_path),
        SANDBOX_VNEID_RSA_PRIVATE_KEY=pem.decode().replace("\n", "\\n"),  # one-line form
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == JWK.from_pem(pem).thumbprint()
    assert not (tmp_path / "sandbox-vneid" / "active.pem").exists()


def test_rotate_key_refuses_when_the_key_comes_from_the_environment(sandbox):
    done = sandbox.manage(
        "vneid_rotate_key",
        SANDBOX_VNEID_RSA_PRIVATE_KEY=(sandbox.var / "sandbox-vneid" / "active.pem").read_text(),
    )

    assert done.returncode != 0
    assert "SANDBOX_VNEID_RSA_PRIVATE_KEY" in done.stderr


def test_rotation_publishes_both_keys_and_signs_with_the_new_one(sandbox):
    before = _authorize(sandbox, BICH["SoDinhDanh"])
    old_tokens = _exchange(sandbox, before)
    old_header, _ = _verify_id_token(sandbox, old_tokens, before.nonce)

    rotated = sandbox.manage("vneid_rotate_key")
    assert rotated.returncode == 0, rotated.stderr

    kids = [key["kid"] for key in sandbox.jwks()["keys"]]
    assert len(kids) == 2
    assert old_header["kid"] in kids
    after = _authorize(sandbox, BICH["SoDinhDanh"])
    new_header, new_claims = _verify_id_token(sandbox, _exchange(sandbox, after), after.nonce)
    assert new_header["kid"] != old_header["kid"]
    assert new_header["kid"] == kids[0]
    assert _citizen_claims(new_claims) == BICH
    # A token signed before the rotation still verifies against the JWKS published after it.
    assert (
        _verify_id_token(sandbox, old_tokens, before.nonce)[1]["SoDinhDanh"] == BICH["SoDinhDanh"]
    )
    assert f"kid {new_header['kid']}" in rotated.stdout
