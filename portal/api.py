"""Shared REST helpers: one error shape for every API error, with translated messages."""

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Wrap DRF's handler so clients always get ``{"error": {"status", "detail", "fields"}}``."""
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


def _flatten(errors: Any):
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _flatten(value)
    elif isinstance(errors, list):
        for value in errors:
            yield from _flatten(value)
    else:
        yield str(errors)
