"""Identity REST API: machine tokens (``/api/v1/auth/…``) and the audit log (``/api/v1/audit/``).

The token endpoint speaks OAuth 2.0 (RFC 6749 §4.4 and §5), so its errors use the OAuth shape
``{"error": "invalid_client", "error_description": "…"}`` that client libraries expect, not the
portal's ``{"error": {"status", "detail", "fields"}}``. Every other endpoint uses the portal's.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import ErrorSerializer
from portal.pagination import CheckedCursorPagination
from portal.privacy import PersonalDataMixin

from .machine import (
    HasScopes,
    IsMachineClient,
    MachineTokenAuthentication,
    TokenRequestError,
    failure_window,
    issue_token,
    machine_principal,
)
from .models import AuditEvent, Role, StaffRole

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# --- serializers --------------------------------------------------------------------------------


class ClientCredentialsSerializer(serializers.Serializer):
    grant_type = serializers.ChoiceField(
        choices=["client_credentials"], help_text="Always `client_credentials`."
    )
    scope = serializers.CharField(
        required=False,
        help_text=(
            "Space-separated scopes wanted, a subset of the client's (e.g. `sync:read`). "
            "Default: all the client's scopes."
        ),
    )
    client_id = serializers.CharField(
        required=False, help_text="Only when not using HTTP Basic authentication."
    )
    client_secret = serializers.CharField(
        required=False, help_text="Only when not using HTTP Basic authentication."
    )


class MachineTokenResponseSerializer(serializers.Serializer):
    access_token = serializers.CharField(help_text="A signed JWT (HS256).")
    token_type = serializers.ChoiceField(choices=["Bearer"])
    expires_in = serializers.IntegerField(help_text="Lifetime in seconds.")
    scope = serializers.CharField(help_text="Space-separated scopes granted.")


class OAuthErrorSerializer(serializers.Serializer):
    error = serializers.ChoiceField(
        choices=[
            "invalid_request",
            "invalid_client",
            "unsupported_grant_type",
            "invalid_scope",
            "too_many_requests",
        ],
        help_text="RFC 6749 §5.2 error code (`too_many_requests` with HTTP 429).",
    )
    error_description = serializers.CharField(help_text="For developers, in English.")


class WhoAmISerializer(serializers.Serializer):
    client_id = serializers.CharField()
    scopes = serializers.ListField(
        child=serializers.CharField(), help_text="Scopes the token grants now."
    )
    expires_at = serializers.DateTimeField(
        default_timezone=dt.UTC, help_text="When the token expires (UTC)."
    )


# Named ActionEnum in the schema (settings: ENUM_NAME_OVERRIDES), beside the dossier actions.
AUDIT_ACTIONS = list(AuditEvent.Action.values)


@extend_schema_field({"type": "string", "enum": AUDIT_ACTIONS})
class AuditActionField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=AuditEvent.Action.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": list(AuditEvent.ActorType.values)})
class AuditActorTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=AuditEvent.ActorType.choices, **kwargs)


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601; a time without an offset is taken as UTC (the log's own time)."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=dt.UTC, **kwargs)

    def to_internal_value(self, value):
        # An unescaped "+" in a query string arrives as a space: "…T08:00:00 07:00".
        if isinstance(value, str):
            value = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value.strip())
        return super().to_internal_value(value)


class AuditEventSerializer(serializers.ModelSerializer):
    action = AuditActionField(help_text="What happened.")
    actor_type = AuditActorTypeField()
    at = serializers.DateTimeField(default_timezone=dt.UTC, help_text="When (UTC).")
    detail = serializers.DictField(help_text="Details of the event; never a password or secret.")

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "action", "actor_type", "actor", "ip", "user_agent", "path", "detail"]
        read_only_fields = fields


class AuditFilterSerializer(serializers.Serializer):
    action = AuditActionField(required=False, help_text="Only this action.")
    actor_type = AuditActorTypeField(required=False, help_text="Only this kind of actor.")
    actor = serializers.CharField(
        required=False,
        max_length=255,
        help_text="Only this actor (a citizen's ID number, an official's username or a client id).",
    )
    since = UTCDateTimeField(
        required=False,
        help_text="ISO 8601 date-time, inclusive; without an offset it is UTC.",
    )
    until = UTCDateTimeField(
        required=False,
        help_text="ISO 8601 date-time, exclusive; without an offset it is UTC.",
    )

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since >= until:
            raise ValidationError({"until": [_("“until” must be later than “since”.")]})
        return attrs


# --- the token endpoint -------------------------------------------------------------------------


class TokenEndpointSchema(AutoSchema):
    """Documents HTTP Basic client authentication, or none when the credentials are in the form."""

    def get_auth(self):
        self.registry.register_on_missing(
            ResolvedComponent(
                name="clientBasic",
                type=ResolvedComponent.SECURITY_SCHEMA,
                object="clientBasic",
                schema={
                    "type": "http",
                    "scheme": "basic",
                    "description": (
                        "Machine client id and secret (RFC 6749 §2.3.1: each form-encoded, then "
                        "joined by a colon and base64-encoded)."
                    ),
                },
            )
        )
        return [{"clientBasic": []}, {}]


def _oauth_error(error: str, description: str, status_code: int, **headers: str) -> Response:
    return Response(
        {"error": error, "error_description": description},
        status=status_code,
        headers={**NO_STORE, **headers},
    )


def _oauth_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Errors DRF raises before our code runs (bad media type, method), in the OAuth shape."""
    if isinstance(exc, APIException):
        return _oauth_error("invalid_request", str(exc.detail), exc.status_code)
    return None


OAUTH_ERRORS = {
    400: OpenApiResponse(
        OAuthErrorSerializer,
        description="invalid_request, unsupported_grant_type or invalid_scope.",
    ),
    401: OpenApiResponse(
        OAuthErrorSerializer,
        description="invalid_client: unknown or inactive client, or wrong secret.",
    ),
    429: OpenApiResponse(
        OAuthErrorSerializer,
        description=(
            "too_many_requests: too many failed attempts for this client id from this address "
            "(10 in 5 minutes by default), or from this address for any client id (30); "
            "Retry-After gives the seconds until the limit ends."
        ),
    ),
}


@extend_schema(
    summary="Get an access token for a machine client",
    description=(
        "OAuth 2.0 client credentials grant (RFC 6749 §4.4). Authenticate with HTTP Basic "
        "(preferred) or with `client_id` and `client_secret` in the form, not both. The token "
        "is a short-lived JWT to send as `Authorization: Bearer <token>`; ask for a new one when "
        "it expires. Errors use the OAuth shape `{error, error_description}`."
    ),
    request={"application/x-www-form-urlencoded": ClientCredentialsSerializer},
    responses={200: MachineTokenResponseSerializer, **OAUTH_ERRORS},
    examples=[
        OpenApiExample(
            "Token",
            value={
                "access_token": "eyJhbGciOiJIUzI1NiIs…",
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "sync:read",
            },
            response_only=True,
            status_codes=["200"],
        ),
        OpenApiExample(
            "Wrong secret",
            value={"error": "invalid_client", "error_description": "Client authentication failed."},
            response_only=True,
            status_codes=["401"],
        ),
    ],
    tags=["auth"],
)
class TokenView(APIView):
    """Token endpoint for machine clients (cấp mã truy cập cho hệ thống kết nối)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser]
    schema = TokenEndpointSchema()

    def get_exception_handler(self):
        return _oauth_exception_handler

    def post(self, request):
        data = request.data
        try:
            issued = issue_token(request._request, data)
        except TokenRequestError as exc:
            headers = {}
            if exc.status_code == status.HTTP_401_UNAUTHORIZED:
                headers["WWW-Authenticate"] = 'Basic realm="hcmc-portal"'
            elif exc.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
                headers["Retry-After"] = str(exc.retry_after or failure_window())
            return _oauth_error(exc.error, exc.description, exc.status_code, **headers)
        return Response(issued.as_response(), headers=NO_STORE)


# --- whoami -------------------------------------------------------------------------------------

ERROR_401 = OpenApiResponse(ErrorSerializer, description="No token, or an invalid or expired one.")
ERROR_403 = OpenApiResponse(ErrorSerializer, description="The caller may not use this resource.")


@extend_schema(
    summary="Check a machine token",
    description="The client, scopes and expiry of the bearer token sent (for integrators).",
    responses={200: WhoAmISerializer, 401: ERROR_401, 403: ERROR_403},
    tags=["auth"],
)
class WhoAmIView(PersonalDataMixin, APIView):
    authentication_classes = [MachineTokenAuthentication]
    permission_classes = [IsMachineClient]

    def get(self, request):
        principal = machine_principal(request)
        data = WhoAmISerializer(
            {
                "client_id": principal.client_id,
                "scopes": sorted(principal.scopes),
                "expires_at": principal.expires_at,
            }
        ).data
        return Response(data)


# --- the audit log ------------------------------------------------------------------------------


class IsCityAdministrator(BasePermission):
    """A superuser or an official holding the city administrator role, who passed the second
    factor (OTP) in this session, as the back office requires of officials. A password alone
    (e.g. a login at /admin/) is not enough to read the audit log through the API.

    Kept here rather than shared with the back office's access rules so that this API does not
    depend on them; the rule is small. A citizen account never qualifies.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if machine_principal(request) is not None or not user or not user.is_authenticated:
            return False
        if hasattr(user, "citizen"):
            return False
        verified = getattr(user, "is_verified", None)
        if not (verified and verified()):
            return False
        return (
            user.is_superuser or StaffRole.objects.filter(user=user, role=Role.CITY_ADMIN).exists()
        )


class AuditPagination(CheckedCursorPagination):
    ordering = ("-at", "-pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema(
    summary="Read the audit log",
    description=(
        "Security events, newest first: logins, logouts, failed logins, lockouts, tokens "
        "issued and refused, permission refusals. For a machine token with scope `audit:read`, "
        "or a signed-in superuser or city administrator. Bad filter values give 400 with a "
        "message per parameter."
    ),
    parameters=[AuditFilterSerializer],
    responses={
        200: AuditEventSerializer(many=True),
        400: OpenApiResponse(
            ErrorSerializer,
            description="A filter, `cursor` (not one from a `next`/`previous` link) or NUL is "
            "not valid.",
        ),
        401: ERROR_401,
        403: ERROR_403,
    },
    tags=["audit"],
)
class AuditLogView(PersonalDataMixin, ListAPIView):
    """Nhật ký hệ thống (the audit log), read-only."""

    # The bearer class first: an anonymous caller gets 401 with a Bearer challenge.
    authentication_classes = [MachineTokenAuthentication, SessionAuthentication]
    permission_classes = [HasScopes | IsCityAdministrator]
    required_scopes = ["audit:read"]
    serializer_class = AuditEventSerializer
    pagination_class = AuditPagination

    def get_queryset(self) -> QuerySet[AuditEvent]:
        given = {key: value for key, value in self.request.query_params.items() if value != ""}
        filters = AuditFilterSerializer(data=given)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        events = AuditEvent.objects.all()
        if "action" in wanted:
            events = events.filter(action=wanted["action"])
        if "actor_type" in wanted:
            events = events.filter(actor_type=wanted["actor_type"])
        if "actor" in wanted:
            events = events.filter(actor=wanted["actor"])
        if "since" in wanted:
            events = events.filter(at__gte=wanted["since"])
        if "until" in wanted:
            events = events.filter(at__lt=wanted["until"])
        return events.order_by("-at", "-pk")
