"""Shared REST helpers: one error shape for every API error, with translated messages.

This is plumbing under every app, so it imports none of them. A refusal (``PermissionDenied``
or ``NotAuthenticated``) is announced with the :data:`api_request_refused` signal before the
error body is built; ``identity`` listens and writes the audit row
(``identity.signals.on_api_request_refused``: one ``PERMISSION_DENIED`` row per refusal on a
view that is not public, with the missing scopes when a machine token lacked some).
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.dispatch import Signal
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

REFUSALS = (exceptions.PermissionDenied, exceptions.NotAuthenticated, DjangoPermissionDenied)

#: Sent for every refusal that reaches the API's exception handler, with ``exc``, ``request``
#: (DRF's request) and ``view`` (``None`` when unknown). Receivers run inside the handler, so
#: the audit row is written before the client gets its answer.
api_request_refused = Signal()


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Wrap DRF's handler so clients always get ``{"error": {"status", "detail", "fields"}}``."""
    _announce_refusal(exc, context)
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


def _announce_refusal(exc: Exception, context: dict[str, Any]) -> None:
    if isinstance(exc, REFUSALS):
        api_request_refused.send(
            sender=exception_handler,
            exc=exc,
            request=context.get("request"),
            view=context.get("view"),
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
