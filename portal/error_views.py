"""Error pages of the citizens' site: 400, 403, the CSRF failure and 429.

Django's own 400 and CSRF pages are English and bare (the 400 one is even rendered without the
request, so the layout loses its menu and language); citizens get translated pages in the
site's layout instead. Under /api/ clients get the JSON error shape of ``portal.api``. This
module imports no app, so any app's views may answer with these pages.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import csrf
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"status": status, "detail": detail, "fields": {}}}, status=status
    )


def _back_url(request: HttpRequest) -> str:
    """The page the citizen came from, when it is one of ours: going back there and reloading
    gives the form a fresh token."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400 (handler400). Django's default renders the template without the request, so the
    layout would lose its menu and language; this one keeps them."""
    if _is_api(request):
        return _api_error(400, gettext("The request could not be understood."))
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 (handler403)."""
    if _is_api(request):
        return _api_error(403, gettext("You do not have permission to perform this action."))
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form's security token expired or is missing.

    Nothing was changed by the refused request, so nothing saved before is lost; the page says
    so and leads back to the form, which a reload gives a fresh token.
    """
    if _is_api(request):
        return _api_error(403, gettext("CSRF check failed: reload the page and try again."))
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
