"""Machine clients (hệ thống kết nối): short-lived scoped tokens and how the API checks them.

A machine client (e.g. the National Public Service Portal) exchanges its id and secret for a
signed token at ``POST /api/v1/auth/token`` (OAuth 2.0 client credentials), then calls the API
with ``Authorization: Bearer <token>``. The token names the scopes granted; each API view that
machines may call declares the scopes it needs in ``required_scopes`` and uses
:class:`HasScopes`.

The token is only trusted while its client still exists and is active, so switching a client off
takes effect at once, not when its last token expires. Its scopes are likewise cut down to what
the client holds now.

Refusals are audited in one place each: a bad bearer token here (``TOKEN_REFUSED``), a missing
scope or permission in ``portal.api.exception_handler`` (``PERMISSION_DENIED``).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from portal import ratelimit

from .. import audit
from ..jwt import TokenError, TokenExpired, issue_machine_token, verify_machine_token
from ..models import MachineClient

logger = logging.getLogger("portal.machine")

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")

# Scopes the portal's APIs check today (for help texts; a client may hold others).
KNOWN_SCOPES = {
    "sync:read": _("Read the national-portal change feed"),
    "audit:read": _("Read the audit log"),
}

REALM = "hcmc-portal"


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


# --- scopes and clients -----------------------------------------------------------------------


def parse_scopes(value: str | Iterable[str] | None) -> list[str]:
    """Sorted, de-duplicated scope tokens from a space-separated string or an iterable.

    Raises ValueError naming the first token that is not a valid RFC 6749 scope token.
    """
    if value is None:
        return []
    items = value.split() if isinstance(value, str) else [str(item) for item in value]
    for item in items:
        if not SCOPE_TOKEN.match(item):
            raise ValueError(item)
    return sorted(set(items))


def generate_secret() -> str:
    """A random client secret (256 bits, URL-safe so it needs no escaping in Basic auth)."""
    return secrets.token_urlsafe(32)


def ensure_client(
    client_id: str,
    name: str,
    scopes: str | Iterable[str],
    secret: str | None = None,
    *,
    rotate: bool = False,
) -> tuple[MachineClient, str | None]:
    """Create the client or bring its name and scopes up to date; for seeding and the CLI.

    Returns ``(client, secret)`` where ``secret`` is the new plain-text secret when one was set
    (a new client, an explicit ``secret``, or ``rotate=True``) and ``None`` when the existing
    secret was kept. Only the hash is stored, so this is the one chance to show it.
    """
    try:
        wanted_scopes = parse_scopes(scopes)
    except ValueError as exc:
        raise ValidationError(
            _("“%(scope)s” is not a valid scope."), params={"scope": str(exc)}
        ) from exc
    if secret is not None and not secret:
        raise ValidationError(_("The secret must not be empty."))
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _ensure_client(client_id, name, wanted_scopes, secret, rotate)
        except IntegrityError:
            # Another process created the same client between our read and our insert.
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _ensure_client(
    client_id: str, name: str, scopes: list[str], secret: str | None, rotate: bool
) -> tuple[MachineClient, str | None]:
    client = MachineClient.objects.select_for_update().filter(client_id=client_id).first()
    new_secret: str | None = None
    if client is None:
        client = MachineClient(client_id=client_id, name=name, scopes=scopes)
        new_secret = secret or generate_secret()
    else:
        client.name = name
        client.scopes = scopes
        if secret is not None or rotate:
            new_secret = secret or generate_secret()
    if new_secret is not None:
        client.set_secret(new_secret)
    client.full_clean(validate_unique=False)
    client.save()
    return client, new_secret


def rotate_secret(client: MachineClient) -> str:
    """Give ``client`` a new random secret and return it (shown once, stored hashed)."""
    secret = generate_secret()
    client.set_secret(secret)
    client.save(update_fields=["secret_hash"])
    return secret


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


# --- using a token ----------------------------------------------------------------------------


class MachinePrincipal:
    """What ``request.user`` is for a call made with a machine token: not a Django user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, client: MachineClient, scopes: frozenset[str], expires_at: datetime):
        self.client = client
        self.client_id = client.client_id
        self.scopes = scopes
        self.expires_at = expires_at

    def __str__(self) -> str:
        return f"machine:{self.client_id}"

    def get_username(self) -> str:
        return self.client_id

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perm_list: Iterable[str], obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


class InvalidToken(exceptions.APIException):
    """401 for a bearer token we do not accept (RFC 6750 ``invalid_token``).

    Deliberately not an AuthenticationFailed: DRF would replace its WWW-Authenticate header with
    that of the view's first authentication class, or turn it into a 403.
    """

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("The access token is invalid or has expired.")
    default_code = "invalid_token"

    def __init__(self, description: str, detail: Any = None):
        super().__init__(detail)
        # The header stays in English (ASCII); the body's detail follows the request language.
        safe = description.replace('"', "'")
        self.auth_header = (
            f'Bearer realm="{REALM}", error="invalid_token", error_description="{safe}"'
        )


class InsufficientScope(exceptions.PermissionDenied):
    """403 for a valid token that lacks a scope the view needs (RFC 6750 §3.1)."""

    default_detail = _("The access token does not grant the scope this resource requires.")
    default_code = "insufficient_scope"

    def __init__(self, missing: list[str]):
        super().__init__()
        self.missing_scopes = missing
        self.auth_header = (
            f'Bearer realm="{REALM}", error="insufficient_scope", scope="{" ".join(missing)}"'
        )


class MachineTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` issued by ``/api/v1/auth/token``.

    No bearer header: returns None so that other classes (the session) may authenticate.
    On success ``request.machine_client`` is the client, ``request.user`` a
    :class:`MachinePrincipal` and ``request.auth`` the token's claims.
    """

    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        # Audit with the Django request: reading ``request.user`` on the DRF request from here
        # would start authentication again.
        django_request = getattr(request, "_request", request)
        if len(header) != 2:
            raise self._refuse(django_request, "malformed_header", "Malformed bearer header.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise self._refuse(
                django_request, "malformed_header", "Malformed bearer header."
            ) from None
        try:
            claims = verify_machine_token(token)
        except TokenExpired:
            # A normal part of a client's life: logged, not audited.
            logger.info("machine token expired")
            raise InvalidToken(
                "The access token has expired.", _("The access token has expired.")
            ) from None
        except TokenError as exc:
            logger.warning("machine token refused: %s", exc)
            raise self._refuse(
                django_request, "invalid_token", "The access token is invalid."
            ) from None
        client = MachineClient.objects.filter(client_id=claims["sub"], is_active=True).first()
        if client is None:
            raise self._refuse(
                django_request,
                "client_inactive",
                "The client of this token is unknown or inactive.",
                client_id=str(claims["sub"]),
            )
        token_scopes = set(str(claims.get("scope", "")).split())
        scopes = frozenset(token_scopes & set(client.scopes or []))
        expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
        django_request.machine_client = client
        return MachinePrincipal(client, scopes, expires_at), claims

    def authenticate_header(self, request) -> str:
        return f'Bearer realm="{REALM}"'

    @staticmethod
    def _refuse(
        request: HttpRequest, reason: str, message: str, client_id: str = ""
    ) -> InvalidToken:
        audit.record(
            audit.Action.TOKEN_REFUSED,
            request=request,
            actor_type=audit.ActorType.MACHINE if client_id else audit.ActorType.ANONYMOUS,
            actor=client_id,
            detail={"reason": reason, "where": "bearer"},
        )
        return InvalidToken(message)


def machine_principal(request) -> MachinePrincipal | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, MachinePrincipal) else None


class HasScopes(BasePermission):
    """Machine tokens must carry every scope in the view's ``required_scopes``.

    A request that was not made with a machine token is not allowed by this class (combine with
    ``|`` to let people in too). A token that lacks a scope gets 403 ``insufficient_scope``; the
    refusal is audited once, by ``portal.api.exception_handler``, with the missing scopes.
    """

    def has_permission(self, request, view) -> bool:
        principal = machine_principal(request)
        if principal is None:
            return False
        required = getattr(view, "required_scopes", None)
        if required is None:
            raise ImproperlyConfigured(f"{view.__class__.__name__} declares no required_scopes")
        missing = sorted(set(required) - principal.scopes)
        if missing:
            raise InsufficientScope(missing)
        return True


class IsMachineClient(BasePermission):
    """Any valid machine token, whatever its scopes."""

    def has_permission(self, request, view) -> bool:
        return machine_principal(request) is not None


class MachineTokenScheme(OpenApiAuthenticationExtension):
    """The bearer scheme in the OpenAPI document."""

    target_class = "identity.machine.MachineTokenAuthentication"
    name = "machineToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": (
                "A machine client's access token from POST /api/v1/auth/token (client "
                "credentials). It lives MACHINE_TOKEN_TTL_SECONDS (5 minutes by default) and "
                "carries the scopes granted; each operation says which scope it needs."
            ),
        }
