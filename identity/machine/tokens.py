"""The token endpoint (``POST /api/v1/auth/token``, OAuth 2.0 client credentials): a machine
client exchanges its id and secret for a short-lived signed token naming the scopes granted.

Every outcome is audited. Failures count towards a rate limit per client id *and* address
together (:mod:`portal.ratelimit`), so wrong secrets sent for the national portal's id from
elsewhere never lock the portal itself out; a refusal says in ``Retry-After`` how long.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpRequest
from rest_framework import status
from rest_framework.authentication import get_authorization_header

from portal import ratelimit

from .. import audit
from ..jwt import issue_machine_token
from ..models import MachineClient
from .clients import parse_scopes


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_failures() -> int:
    """Failed token requests allowed for one client id from one address within the window."""
    return _setting("MACHINE_TOKEN_MAX_FAILURES", 10)


def max_failures_per_address() -> int:
    """Failed token requests allowed from one address, whatever the client ids tried."""
    return _setting("MACHINE_TOKEN_MAX_FAILURES_PER_ADDRESS", 30)


def failure_window() -> int:
    return _setting("MACHINE_TOKEN_FAILURE_WINDOW_SECONDS", 300)


# --- the token endpoint -----------------------------------------------------------------------


class TokenRequestError(Exception):
    """A refused token request, in RFC 6749 §5.2 terms."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        reason: str,
        status_code: int = status.HTTP_400_BAD_REQUEST,
        client: MachineClient | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(description)
        self.error = error
        self.description = description
        self.reason = reason  # for the audit log
        self.status_code = status_code
        self.client = client
        self.retry_after = retry_after  # seconds until a rate limit ends (429 only)


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scopes: list[str]
    client: MachineClient

    def as_response(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": " ".join(self.scopes),
        }


def _malformed_basic() -> TokenRequestError:
    return TokenRequestError(
        "invalid_client",
        "Malformed Basic authorization header.",
        reason="malformed_basic",
        status_code=status.HTTP_401_UNAUTHORIZED,
    )


def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """client_id and secret from ``Authorization: Basic`` (RFC 6749 §2.3.1), else None."""
    header = get_authorization_header(request).split()
    if not header or header[0].lower() != b"basic":
        return None
    if len(header) != 2:
        raise _malformed_basic()
    try:
        decoded = base64.b64decode(header[1], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _malformed_basic() from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _malformed_basic()
    # The RFC form-encodes both parts before base64; generated secrets never need it.
    return unquote_plus(client_id), unquote_plus(secret)


def client_credentials(request: HttpRequest, data: Any) -> tuple[str, str]:
    """The (client_id, secret) a token request presents, by Basic header or form fields."""
    basic = _basic_credentials(request)
    form_id, form_secret = data.get("client_id"), data.get("client_secret")
    if basic is not None:
        if form_secret:
            raise TokenRequestError(
                "invalid_request",
                "Use one client authentication method, not both.",
                reason="two_auth_methods",
            )
        if form_id and form_id != basic[0]:
            raise TokenRequestError(
                "invalid_request",
                "client_id does not match the authenticated client.",
                reason="client_id_mismatch",
            )
        return basic
    if not form_id or not form_secret:
        raise TokenRequestError(
            "invalid_client",
            "Client authentication is required.",
            reason="no_credentials",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    return str(form_id), str(form_secret)


# Failures are counted per client id *and* address together, so wrong secrets sent for the
# national portal's id from anywhere else never lock the portal itself out; a second, looser
# count per address stops one address from trying id after id.


def _ip_key(ip: str | None) -> str:
    return ratelimit.key("machine-token-fail:ip", ip or "-")


def _pair_key(client_id: str, ip: str | None) -> str:
    return ratelimit.key("machine-token-fail:pair", client_id, ip or "-")


def _locked_for(key: str, limit: int) -> int | None:
    """Seconds until the window of ``key`` ends when its failures reached ``limit``, else None."""
    return ratelimit.retry_after(key, limit, failure_window())


def count_failure(client_id: str | None, ip: str | None) -> None:
    """One more failed attempt from this address, and for this client id from it (fixed
    window: the first failure opens it, and its end is kept for ``Retry-After``)."""
    keys = [_ip_key(ip)] + ([_pair_key(client_id, ip)] if client_id else [])
    for key in keys:
        ratelimit.hit(key, failure_window())


def _rate_limited(retry_after: int) -> TokenRequestError:
    return TokenRequestError(
        "too_many_requests",
        "Too many failed attempts; try again later.",
        reason="rate_limited",
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        retry_after=retry_after,
    )


def _authenticate_client(client_id: str, secret: str) -> MachineClient:
    # PostgreSQL refuses NUL in text parameters; no client id contains one anyway.
    client = (
        MachineClient.objects.filter(client_id=client_id[:64]).first()
        if "\x00" not in client_id
        else None
    )
    if client is None:
        # Spend the same hashing time as for a real client, so timing does not reveal ids.
        MachineClient().set_secret(secret)
        raise TokenRequestError(
            "invalid_client",
            "Client authentication failed.",
            reason="unknown_client",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    if not client.check_secret(secret):
        raise TokenRequestError(
            "invalid_client",
            "Client authentication failed.",
            reason="wrong_secret",
            status_code=status.HTTP_401_UNAUTHORIZED,
            client=client,
        )
    if not client.is_active:
        raise TokenRequestError(
            "invalid_client",
            "Client authentication failed.",
            reason="inactive_client",
            status_code=status.HTTP_401_UNAUTHORIZED,
            client=client,
        )
    return client


def issue_token(request: HttpRequest, data: Any) -> IssuedToken:
    """Authenticate the client of a client-credentials request and sign its token.

    Audits the outcome either way. Raises :class:`TokenRequestError` (the view renders it in
    the OAuth error shape); failures count towards the rate limit per client id and address.
    """
    ip = audit.client_ip(request)
    client_id: str | None = None
    try:
        locked = _locked_for(_ip_key(ip), max_failures_per_address())
        if locked:
            raise _rate_limited(locked)
        client_id, secret = client_credentials(request, data)
        locked = _locked_for(_pair_key(client_id, ip), max_failures())
        if locked:
            raise _rate_limited(locked)
        grant_type = data.get("grant_type")
        if not grant_type:
            raise TokenRequestError(
                "invalid_request", "grant_type is required.", reason="no_grant_type"
            )
        if grant_type != "client_credentials":
            raise TokenRequestError(
                "unsupported_grant_type",
                "Only the client_credentials grant is supported.",
                reason="unsupported_grant_type",
            )
        client = _authenticate_client(client_id, secret)
        scopes = _granted_scopes(client, data.get("scope"))
    except TokenRequestError as exc:
        if exc.reason != "rate_limited":
            count_failure(client_id, ip)
        _audit_refusal(request, exc, client_id)
        raise
    token, expires_in = issue_machine_token(
        client.client_id, scopes, settings.MACHINE_TOKEN_TTL_SECONDS
    )
    audit.record(
        audit.Action.TOKEN_ISSUED,
        request=request,
        actor_type=audit.ActorType.MACHINE,
        actor=client.client_id,
        detail={"scope": " ".join(scopes), "expires_in": expires_in},
    )
    return IssuedToken(token, expires_in, scopes, client)


def _granted_scopes(client: MachineClient, requested: Any) -> list[str]:
    held = set(client.scopes or [])
    if requested is None or not str(requested).strip():
        return sorted(held)
    try:
        wanted = parse_scopes(str(requested))
    except ValueError:
        wanted = None
    if wanted is None or not set(wanted) <= held:
        raise TokenRequestError(
            "invalid_scope",
            "The requested scope is invalid or exceeds the scopes granted to the client.",
            reason="invalid_scope",
            client=client,
        )
    return wanted


def _audit_refusal(request: HttpRequest, exc: TokenRequestError, client_id: str | None) -> None:
    detail: dict[str, Any] = {"reason": exc.reason, "error": exc.error}
    if exc.client is not None:
        actor_type, actor = audit.ActorType.MACHINE, exc.client.client_id
    else:
        # An id we cannot vouch for goes in the detail, never in the actor column.
        actor_type, actor = audit.ActorType.ANONYMOUS, ""
        if client_id:
            detail["client_id"] = client_id.replace("\x00", "")[:64]
    audit.record(
        audit.Action.TOKEN_REFUSED,
        request=request,
        actor_type=actor_type,
        actor=actor,
        detail=detail,
    )
