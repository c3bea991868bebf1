"""The portal as an OpenID Connect relying party of VNeID (authorization code flow + PKCE).

``begin_login`` prepares a flow in the browser session and gives the provider's authorization
URL; ``finish_login`` checks the provider's answer against that session, exchanges the code,
verifies the ID token (through :mod:`identity.jwt`, the one module that touches JWTs), refuses a
replayed nonce, reads userinfo and returns the claims. Nothing here logs anybody in: the view
does that once every check has passed.

The provider's configuration (issuer, client, scopes, timing) comes from the identity provider
that ``CITIZEN_IDENTITY_PROVIDER`` selects in :mod:`identity.providers` (today VNeID).

Shared state lives in Django's cache (Redis in production) so that every web process agrees:
the discovery document, the provider's key set, consumed nonces and the key-refetch throttle.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import jwt as tokens
from .providers.base import IdentityProvider
from .providers.registry import active_provider

logger = logging.getLogger("identity.oidc")

SESSION_KEY = "vneid_flows"
MAX_PENDING_FLOWS = 5  # logins started in other tabs of the same browser
DISCOVERY_CACHE_SECONDS = 60 * 60
JWKS_CACHE_SECONDS = 60 * 60
# An ID token naming a key we do not know makes us fetch the key set again, but never more
# often than this: otherwise anyone could make the portal hammer the provider.
JWKS_REFETCH_INTERVAL_SECONDS = 60
CALLBACK_PATH = "/auth/vneid/callback/"
DEFAULT_NEXT = "/account/"


class LoginFailed(Exception):
    """The login cannot go on. ``message`` is translated and safe to show to the citizen;
    ``code`` is a short reason for the audit log; ``status`` is the HTTP status of the page."""

    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(code)
        self.message = message
        self.code = code
        self.status = status


def _not_completed() -> str:
    return _("VNeID could not confirm your identity, so you are not logged in. Please try again.")


def _provider_unreachable() -> str:
    return _("VNeID is not answering right now. Please try again in a few minutes.")


def provider() -> IdentityProvider:
    """The configured identity provider (its settings are read at each use)."""
    return active_provider()


def _cache_key(kind: str) -> str:
    chosen = provider()
    issuer = hashlib.sha256(chosen.issuer.encode()).hexdigest()[:16]
    return f"{chosen.identifier}:{kind}:{issuer}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _timeout() -> float:
    return provider().http_timeout_seconds


def flow_lifetime() -> int:
    """How long (seconds) a started login may take: an old state, nonce and PKCE verifier kept
    in the session must not complete a login long after (VNEID_LOGIN_FLOW_SECONDS)."""
    return settings.VNEID_LOGIN_FLOW_SECONDS


def _get_json(url: str, *, what: str, headers: dict[str, str] | None = None) -> Any:
    try:
        response = requests.get(url, headers=headers, timeout=_timeout())
    except requests.RequestException as exc:
        logger.warning("VNeID %s unreachable: %s", what, exc)
        raise LoginFailed(_provider_unreachable(), f"{what}_unreachable", 502) from None
    if response.status_code != 200:
        logger.warning("VNeID %s answered HTTP %s", what, response.status_code)
        code = "userinfo_refused" if what == "userinfo" else f"{what}_http_error"
        raise LoginFailed(_provider_unreachable(), code, 502)
    try:
        return response.json()
    except ValueError:
        raise LoginFailed(_provider_unreachable(), f"{what}_not_json", 502) from None


# --- Provider metadata ----------------------------------------------------------------------


def discovery() -> dict[str, Any]:
    """The provider's metadata, cached; its issuer must be exactly the configured one."""
    key = _cache_key("discovery")
    document = cache.get(key)
    if document is not None:
        return document
    issuer = provider().issuer
    document = _get_json(f"{issuer}/.well-known/openid-configuration", what="discovery")
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(document, dict) or not all(
        isinstance(document.get(name), str) for name in needed
    ):
        raise LoginFailed(_provider_unreachable(), "discovery_incomplete", 502)
    if document["issuer"] != issuer:
        logger.error("VNeID discovery names issuer %r, expected %r", document["issuer"], issuer)
        raise LoginFailed(_provider_unreachable(), "discovery_issuer_mismatch", 502)
    cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def _fetch_jwks() -> dict[str, dict[str, Any]]:
    document = _get_json(discovery()["jwks_uri"], what="jwks")
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise LoginFailed(_provider_unreachable(), "jwks_invalid", 502)
    by_kid = {
        key["kid"]: key
        for key in keys
        if isinstance(key, dict)
        and isinstance(key.get("kid"), str)
        and key.get("kty") == "RSA"
        and key.get("use", "sig") == "sig"
    }
    cache.set(_cache_key("jwks"), by_kid, JWKS_CACHE_SECONDS)
    return by_kid


def signing_key(kid: str) -> dict[str, Any] | None:
    """The provider's public key ``kid`` from the cached key set.

    An unknown id may mean the provider rotated its keys, so the set is fetched again, at most
    once per :data:`JWKS_REFETCH_INTERVAL_SECONDS` for the whole site.
    """
    known = cache.get(_cache_key("jwks"))
    throttle = _cache_key("jwks-refetch")
    stale = known is not None and kid not in known
    if known is None or (stale and cache.add(throttle, 1, JWKS_REFETCH_INTERVAL_SECONDS)):
        known = _fetch_jwks()
    return known.get(kid)


# --- Starting a login ---------------------------------------------------------------------


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it is a path on this site, else the account page."""
    if (
        candidate
        and candidate.startswith("/")
        and not candidate.startswith("/auth/")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return DEFAULT_NEXT


def redirect_uri(request: HttpRequest) -> str:
    return provider().redirect_uri or request.build_absolute_uri(CALLBACK_PATH)


def begin_login(request: HttpRequest, next_url: str | None) -> str:
    """Remember a fresh flow in the session and return the provider's authorization URL."""
    endpoint = discovery()["authorization_endpoint"]
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43–128
    challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    flows = dict(request.session.get(SESSION_KEY) or {})
    now = int(time.time())
    flows = {
        key: flow
        for key, flow in flows.items()
        if isinstance(flow, dict) and now - flow.get("started", 0) < flow_lifetime()
    }
    while len(flows) >= MAX_PENDING_FLOWS:
        flows.pop(min(flows, key=lambda key: flows[key]["started"]))
    flows[state] = {
        "nonce": nonce,
        "verifier": verifier,
        "next": safe_next(request, next_url),
        "started": now,
    }
    request.session[SESSION_KEY] = flows
    chosen = provider()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": chosen.client_id,
            "redirect_uri": redirect_uri(request),
            "scope": chosen.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{query}"


# --- Finishing a login --------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    claims: dict[str, Any]  # ID token claims overlaid with userinfo
    next_url: str


def take_flow(request: HttpRequest, state: str | None) -> dict[str, Any]:
    """The flow this browser started with ``state``, removed from the session (single use)."""
    flows = dict(request.session.get(SESSION_KEY) or {})
    flow = flows.pop(state, None) if isinstance(state, str) and state else None
    request.session[SESSION_KEY] = flows
    if not isinstance(flow, dict):
        raise LoginFailed(
            _(
                "This login was not started in this browser, or it was already used. "
                "Please start again from the portal."
            ),
            "state_mismatch",
        )
    started = flow.get("started")
    if not isinstance(started, int) or int(time.time()) - started >= flow_lifetime():
        raise LoginFailed(_("The login took too long. Please start again."), "flow_expired")
    return flow


def _client_auth(document: dict[str, Any], form: dict[str, str]) -> dict[str, str]:
    """Authenticate the portal at the token endpoint (client_secret_basic unless the provider
    only supports client_secret_post); returns the request headers."""
    chosen = provider()
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" not in methods and "client_secret_post" in methods:
        form["client_id"] = chosen.client_id
        form["client_secret"] = chosen.client_secret
        return {}
    # RFC 6749 §2.3.1: both parts are form-encoded before base64.
    pair = f"{quote(chosen.client_id, safe='')}:{quote(chosen.client_secret, safe='')}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}


def exchange_code(request: HttpRequest, code: str, verifier: str) -> dict[str, Any]:
    document = discovery()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(request),
        "code_verifier": verifier,
    }
    headers = {"Accept": "application/json", **_client_auth(document, form)}
    try:
        response = requests.post(
            document["token_endpoint"], data=form, headers=headers, timeout=_timeout()
        )
    except requests.RequestException as exc:
        logger.warning("VNeID token endpoint unreachable: %s", exc)
        raise LoginFailed(_provider_unreachable(), "token_unreachable", 502) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 500 or not isinstance(body, dict):
        raise LoginFailed(_provider_unreachable(), "token_http_error", 502)
    if response.status_code != 200 or "error" in body:
        error = str(body.get("error", "http_error"))[:40]
        logger.info("VNeID refused the code: %s", error)
        raise LoginFailed(_not_completed(), f"token_refused:{error}")
    if not isinstance(body.get("id_token"), str) or not isinstance(body.get("access_token"), str):
        raise LoginFailed(_not_completed(), "token_response_incomplete")
    if str(body.get("token_type", "Bearer")).lower() != "bearer":
        raise LoginFailed(_not_completed(), "token_type_unsupported")
    return body


def consume_nonce(nonce: str, expires_at: Any) -> None:
    """Remember ``nonce`` as used until its token expires; refuse it if it already was."""
    lifetime = int(expires_at) - int(time.time()) if isinstance(expires_at, int | float) else 0
    timeout = max(lifetime, 0) + provider().clock_skew_seconds + 1
    digest = hashlib.sha256(nonce.encode()).hexdigest()
    if not cache.add(_cache_key(f"nonce:{digest}"), 1, timeout):
        raise LoginFailed(_not_completed(), "nonce_replayed")


def finish_login(request: HttpRequest) -> LoginResult:
    """Check the provider's answer in ``request`` and return the verified claims."""
    params = request.GET
    if params.get("error"):
        # The provider said no (the citizen cancelled, or a problem on its side). The flow is
        # dropped whatever the state says: nothing is logged in either way.
        with contextlib.suppress(LoginFailed):
            take_flow(request, params.get("state"))
        if params.get("error") == "access_denied":
            raise LoginFailed(
                _("You cancelled the login at VNeID. You are not logged in."), "access_denied"
            )
        raise LoginFailed(_not_completed(), "provider_error")
    flow = take_flow(request, params.get("state"))
    code = params.get("code")
    if not code:
        raise LoginFailed(_not_completed(), "no_code")
    answer = exchange_code(request, code, flow["verifier"])
    chosen = provider()
    issuer = discovery()["issuer"]
    if issuer != chosen.issuer:  # discovery() checks it too; the cache may be older
        raise LoginFailed(_provider_unreachable(), "discovery_issuer_mismatch", 502)
    try:
        claims = tokens.verify_id_token(
            answer["id_token"],
            key_for=signing_key,
            issuer=chosen.issuer,
            audience=chosen.client_id,
            nonce=flow["nonce"],
            access_token=answer["access_token"],
            leeway=chosen.clock_skew_seconds,
        )
    except tokens.TokenExpired:
        raise LoginFailed(_not_completed(), "id_token_expired") from None
    except tokens.TokenError as exc:
        logger.warning("VNeID ID token refused: %s", exc)
        raise LoginFailed(_not_completed(), "id_token_invalid") from None
    consume_nonce(flow["nonce"], claims.get("exp"))
    userinfo = fetch_userinfo(answer["access_token"])
    if not isinstance(userinfo.get("sub"), str) or not userinfo["sub"]:
        # OIDC Core §5.3.2: the sub claim MUST be in the answer; without it nothing ties these
        # claims to the person the ID token names.
        logger.warning("VNeID userinfo names no subject")
        raise LoginFailed(_not_completed(), "userinfo_without_sub")
    if userinfo["sub"] != claims["sub"]:
        logger.warning("VNeID userinfo is about another subject than the ID token")
        raise LoginFailed(_not_completed(), "userinfo_sub_mismatch")
    return LoginResult(claims={**claims, **userinfo}, next_url=flow["next"])


def fetch_userinfo(access_token: str) -> dict[str, Any]:
    endpoint = discovery().get("userinfo_endpoint")
    if not isinstance(endpoint, str):
        raise LoginFailed(_provider_unreachable(), "no_userinfo_endpoint", 502)
    body = _get_json(
        endpoint,
        what="userinfo",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )
    if not isinstance(body, dict):
        raise LoginFailed(_provider_unreachable(), "userinfo_not_object", 502)
    return body
