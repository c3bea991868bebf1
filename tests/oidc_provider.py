"""A test double of the VNeID OpenID provider: a real HTTP server in a thread.

It serves discovery, the key set (JWKS), the token endpoint and userinfo, with RSA keys made for
the test. The test decides what each login gets: :meth:`FakeVNeID.grant` takes the parameters
the portal sent to the authorization endpoint and returns a one-time code whose token response
is built from them (or given verbatim, for hostile answers). The token endpoint checks the
client's credentials, the redirect URI and the PKCE verifier, and answers ``invalid_grant`` to a
code used twice, as a real provider does.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk
from jose import jwt as jose_jwt

CLIENT_ID = "hcmc-portal"
CLIENT_SECRET = "test-client-secret"

AN = {  # Nguyễn Văn An, the sandbox's demo citizen
    "SoDinhDanh": "079085001234",
    "HoVaTen": "Nguyễn Văn An",
    "NgayThangNamSinh": "12/03/1985",
    "GioiTinh": "Nam",
    "LoaiTaiKhoan": 1,
    "IAL": 2,
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def unsigned_token(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A token put together by hand: for algorithms a library refuses to produce."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(signature)}"


def hs256_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


def at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


@dataclass
class Grant:
    response: dict[str, Any]
    status: int
    code_challenge: str
    redirect_uri: str
    used: bool = False


@dataclass
class FakeVNeID:
    host: str = "127.0.0.1"
    port: int = 0
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    userinfo: dict[str, dict[str, Any]] = field(default_factory=dict)
    jwks_requests: int = 0
    discovery_requests: int = 0
    token_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    advertised_issuer: str | None = None  # to play a provider that names another issuer

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/vneid"

    # --- keys --------------------------------------------------------------------------

    def add_key(self, kid: str | None = None, *, publish: bool = True) -> str:
        kid = kid or f"key-{len(self.keys) + 1}"
        self.keys[kid] = new_rsa_key()
        if publish:
            self.published.append(kid)
        return kid

    def rotate(self) -> str:
        """A new signing key replaces the published ones."""
        kid = self.add_key(publish=False)
        self.published = [kid]
        return kid

    @property
    def current_kid(self) -> str:
        return self.published[-1]

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in self.published:
            public = jwk.construct(public_pem(self.keys[kid]).decode(), "RS256").to_dict()
            keys.append({**public, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    # --- tokens ------------------------------------------------------------------------

    def id_claims(self, nonce: str, sub: str = "vneid-sub-an", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "auth_time": now,
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def sign(
        self,
        claims: dict[str, Any],
        *,
        kid: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        kid = kid or self.current_kid
        signing = key or self.keys[kid]
        return jose_jwt.encode(
            claims, private_pem(signing).decode(), algorithm="RS256", headers={"kid": kid}
        )

    def grant(
        self,
        auth: dict[str, str],
        *,
        person: dict[str, Any] | None = None,
        sub: str = "vneid-sub-an",
        id_token: str | None = None,
        claims: dict[str, Any] | None = None,
        userinfo: dict[str, Any] | None = None,
        response: dict[str, Any] | None = None,
        status: int = 200,
    ) -> str:
        """A code for the authorization request ``auth`` (the portal's query parameters).

        By default the ID token is signed with the current key and carries the request's nonce
        and the person's claims; ``claims`` overrides ID token claims, ``id_token`` replaces the
        token, ``response`` replaces the whole token response.
        """
        person = AN if person is None else person
        access_token = secrets.token_urlsafe(24)
        if response is None:
            if id_token is None:
                token_claims = self.id_claims(auth["nonce"], sub=sub, **person)
                token_claims["at_hash"] = at_hash(access_token)
                token_claims.update(claims or {})
                token_claims = {k: v for k, v in token_claims.items() if v is not None}
                id_token = self.sign(token_claims)
            response = {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        self.userinfo[response.get("access_token", access_token)] = (
            userinfo if userinfo is not None else {"sub": sub, **person}
        )
        code = uuid.uuid4().hex
        self.grants[code] = Grant(
            response=response,
            status=status,
            code_challenge=auth["code_challenge"],
            redirect_uri=auth["redirect_uri"],
        )
        return code

    # --- HTTP --------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": self.advertised_issuer or base,
            "authorization_endpoint": f"{base}/authorize/",
            "token_endpoint": f"{base}/token/",
            "userinfo_endpoint": f"{base}/userinfo/",
            "jwks_uri": f"{base}/jwks/",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = decoded.partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        grant = self.grants.get(form.get("code", ""))
        if grant is None or grant.used:
            return 400, {"error": "invalid_grant", "error_description": "code unknown or used"}
        grant.used = True
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != grant.code_challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE check failed"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        return grant.status, grant.response

    @contextlib.contextmanager
    def running(self) -> Iterator[FakeVNeID]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = urlsplit(self.path).path
                if path == "/vneid/.well-known/openid-configuration":
                    provider.discovery_requests += 1
                    self._send(200, provider.discovery())
                elif path == "/vneid/jwks/":
                    provider.jwks_requests += 1
                    self._send(200, provider.jwks())
                elif path == "/vneid/userinfo/":
                    auth = self.headers.get("Authorization", "")
                    info = provider.userinfo.get(auth.removeprefix("Bearer "))
                    if not auth.startswith("Bearer ") or info is None:
                        self._send(401, {"error": "invalid_token"})
                    else:
                        self._send(200, info)
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                if urlsplit(self.path).path != "/vneid/token/":
                    self._send(404, {"error": "not_found"})
                    return
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode()
                form = {key: values[0] for key, values in parse_qs(raw).items()}
                status, body = provider.token(form, self.headers.get("Authorization"))
                provider.token_answers.append((status, body))
                self._send(status, body)

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = server.server_address[1]
        if not self.published:
            self.add_key()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def isolate_cache(settings) -> None:
    """Give the test a cache of its own: the Redis database of this run, emptied, or a private
    in-memory cache. Changing ``settings.CACHES`` makes Django rebuild its cache handles."""
    from django.core.cache import cache

    if settings.REDIS_URL:
        cache.clear()
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"vneid-test-{uuid.uuid4().hex}",
            }
        }


@contextlib.contextmanager
def vneid_provider(settings) -> Iterator[FakeVNeID]:
    """A running double with the portal's settings pointed at it and a clean cache."""
    from django.core.cache import cache

    isolate_cache(settings)
    with FakeVNeID().running() as provider:
        settings.VNEID_ISSUER = provider.issuer
        settings.VNEID_CLIENT_ID = CLIENT_ID
        settings.VNEID_CLIENT_SECRET = CLIENT_SECRET
        settings.VNEID_REDIRECT_URI = ""
        settings.VNEID_CLOCK_SKEW_SECONDS = 60
        try:
            yield provider
        finally:
            if settings.REDIS_URL:
                cache.clear()
