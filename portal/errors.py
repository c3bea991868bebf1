"""Error answers: JSON under ``/api/``, translated pages in the site's layout everywhere else.

DRF views answer their own errors in the shared shape (``portal.api.exception_handler``), but a
path no view matches (404), an exception no handler caught (500), a request Django itself
refuses (400, 403) and a failed CSRF check reach Django's handlers, which render English or bare
HTML. An API client then gets a page it cannot read, and a citizen a page without the menu or
language. These handlers give every path under ``/api/`` (``/api/v1/``, ``/api/sync/`` …) the
documented JSON shape ``{"error": {"status", "detail", "fields"}}`` and everyone else the
translated templates (400, 403, 403_csrf, 404, 429, 500), rendered with the request so the
layout keeps its menu, language and CSP nonce. This module imports no app, so any layer may use
it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import csrf
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
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


def _api_detail(status: int) -> str:
    """The generic detail of an API error answered outside DRF, by status."""
    details = {
        400: _("The request is not valid."),
        403: _("You do not have permission to perform this action."),
        404: _("There is nothing at this address of the API."),
        500: _("The server could not answer this request. Try again later."),
    }
    return str(details.get(status) or HTTPStatus(status).phrase)


class ApiErrorsAsJsonMiddleware:
    """Under ``/api/``, an error that reached the client as an HTML page becomes JSON.

    The handlers above cover production; with ``DEBUG`` on (the demo) Django answers 404 and
    500 with its technical pages before any handler runs, and an integrator trying the demo
    would get HTML where the schema promises the error shape. This catches every such page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api(request)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            replaced = api_error(response.status_code, _api_detail(response.status_code))
            for header in ("Retry-After", "WWW-Authenticate", "Allow"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response


def bad_request(request: HttpRequest, exception: Exception | None = None, **kwargs: Any):
    """handler400. Django's default renders its template without the request, so the layout
    would lose its menu and language; this one keeps them."""
    if is_api(request):
        return api_error(400, _api_detail(400))
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None, **kwargs: Any):
    """handler403."""
    if is_api(request):
        return api_error(403, _api_detail(403))
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return api_error(404, _api_detail(404))
    return defaults.page_not_found(request, exception, **kwargs)


def server_error(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        # Nothing about the failure itself: it is logged, and may hold personal data.
        return api_error(500, _api_detail(500))
    return defaults.server_error(request, **kwargs)


def _back_url(request: HttpRequest) -> str:
    """The page the citizen came from, when it is one of ours: going back there and reloading
    gives the form a fresh token."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form's security token expired or is missing.

    Nothing was changed by the refused request, so nothing saved before is lost; the page says
    so and leads back to the form, which a reload gives a fresh token.
    """
    if is_api(request):
        return api_error(403, _("CSRF check failed: reload the page and try again."))
    no_cookie = reason == csrf.REASON_NO_CSRF_COOKIE
    context = {"back_url": _back_url(request), "no_cookie": no_cookie}
    return render(request, "403_csrf.html", context, status=403)


def too_many_requests(
    request: HttpRequest,
    retry_after_seconds: int,
    template_name: str = "429.html",
    context: dict | None = None,
) -> HttpResponse:
    """429 for the rate-limited pages, with ``Retry-After`` so clients know when to return."""
    minutes = max(1, -(-retry_after_seconds // 60))
    response = render(request, template_name, {"minutes": minutes, **(context or {})}, status=429)
    response["Retry-After"] = str(max(1, retry_after_seconds))
    return response
