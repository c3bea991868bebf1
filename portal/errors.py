"""Error pages that speak JSON under ``/api/`` and HTML everywhere else.

DRF views answer their own errors in the shared shape (``portal.api.exception_handler``), but a
path no view matches (404) and an exception no handler caught (500) reach Django's handlers,
which render HTML pages. An API client then gets a page it cannot read. These handlers give
every path under ``/api/`` (``/api/v1/``, ``/api/sync/`` …) the documented JSON shape
``{"error": {"status", "detail", "fields"}}`` instead, and leave the HTML pages as they are.
This module imports no app, so any layer may use it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def error_body(status: int, detail: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The shared error shape of every API answer."""
    return {"error": {"status": status, "detail": str(detail), "fields": fields or {}}}


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, detail: str, fields: dict[str, Any] | None = None) -> JsonResponse:
    response = JsonResponse(error_body(status, detail, fields), status=status)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return api_error(400, _("The request is not valid."))
    return defaults.bad_request(request, exception, **kwargs)


def permission_denied(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return api_error(403, _("You do not have permission to perform this action."))
    return defaults.permission_denied(request, exception, **kwargs)


def page_not_found(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return api_error(404, _("There is nothing at this address of the API."))
    return defaults.page_not_found(request, exception, **kwargs)


def server_error(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        # Nothing about the failure itself: it is logged, and may hold personal data.
        return api_error(500, _("The server could not answer this request. Try again later."))
    return defaults.server_error(request, **kwargs)
