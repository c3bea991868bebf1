"""Using a token: ``Authorization: Bearer <token>`` on API calls.

The token is only trusted while its client still exists and is active, so switching a client off
takes effect at once, not when its last token expires; its scopes are likewise cut down to what
the client holds now. A bad bearer token is audited here (``TOKEN_REFUSED``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .. import audit
from ..jwt import TokenError, TokenExpired, verify_machine_token
from ..models import MachineClient

logger = logging.getLogger("portal.machine")

REALM = "hcmc-portal"


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


class MachineTokenScheme(OpenApiAuthenticationExtension):
    """The bearer scheme in the OpenAPI document."""

    target_class = "identity.machine.authentication.MachineTokenAuthentication"
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
