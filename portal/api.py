"""Shared REST helpers: one error shape for every API error, with translated messages.

The exception handler is also where refusals are audited: a ``PermissionDenied`` or
``NotAuthenticated`` on a view that is not public becomes one ``PERMISSION_DENIED`` row (with the
missing scopes when a machine token lacked some). ``HasScopes`` therefore writes no row itself;
a permission class that does audit its own refusal is not doubled here (see
``identity.signals.refusal_recorded_in_this_request``).
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Wrap DRF's handler so clients always get ``{"error": {"status", "detail", "fields"}}``."""
    _audit_refusal(exc, context)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    fields: dict[str, Any] = {}
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
    elif isinstance(data, dict):
        fields = data
        detail = next(iter(_flatten(data)), "")
    else:
        detail = " ".join(str(item) for item in data) if isinstance(data, list) else str(data)
    response.data = {
        "error": {"status": response.status_code, "detail": str(detail), "fields": fields}
    }
    return response


def _is_public(view: Any) -> bool:
    """A view anyone may call (only ``AllowAny``): refusals there are not security events."""
    if view is None:
        return True
    try:
        permissions = view.get_permissions()
    except Exception:  # a broken view must not hide the original error
        return False
    return all(isinstance(permission, AllowAny) for permission in permissions)


def _audit_refusal(exc: Exception, context: dict[str, Any]) -> None:
    refused = (exceptions.PermissionDenied, exceptions.NotAuthenticated, DjangoPermissionDenied)
    if not isinstance(exc, refused) or _is_public(context.get("view")):
        return
    # Here, not at import time: DRF's settings import this module early.
    from identity import audit
    from identity.signals import refusal_recorded_in_this_request

    if refusal_recorded_in_this_request():
        return  # a permission class already audited this refusal with its own reason

    request = context.get("request")
    view = context.get("view")
    detail: dict[str, Any] = {
        "reason": getattr(exc, "default_code", "permission_denied"),
        "view": f"{view.__class__.__module__}.{view.__class__.__name__}",
        "method": getattr(request, "method", ""),
    }
    missing = getattr(exc, "missing_scopes", None)
    if missing:
        detail["missing_scopes"] = list(missing)
    # The Django request: its user and machine_client are already set by authentication.
    audit.record(
        audit.Action.PERMISSION_DENIED,
        request=getattr(request, "_request", request),
        detail=detail,
    )


def _flatten(errors: Any):
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _flatten(value)
    elif isinstance(errors, list):
        for value in errors:
            yield from _flatten(value)
    else:
        yield str(errors)


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="A message for people, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per query parameter or field; empty when the error is not about one.",
    )


class ErrorSerializer(serializers.Serializer):
    """The error shape shared by every endpoint (see ``portal.api.exception_handler``)."""

    error = ErrorBodySerializer()
