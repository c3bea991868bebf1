"""Reading an official's staff roles once per request (see :func:`identity.access.staff_rows`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import access


class AccessMemoMiddleware:
    """While a request is answered, :mod:`identity.access` reads each user's staff roles once;
    the next request reads them again (a role given or taken meanwhile counts at once)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        stop = access.remembering_roles()
        try:
            return self.get_response(request)
        finally:
            stop()
