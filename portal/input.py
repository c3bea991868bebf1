"""NUL characters are refused once, where API input enters, before any view sees it.

PostgreSQL cannot store ``\\u0000`` in a text or JSON column: a NUL that reached one made the
save fail with a 500, and each view used to guard its own parameters. Instead, the API's parsers
(JSON, form, multipart) and one middleware for query strings refuse any NUL with 400 in the
shared error shape, naming where it was (``form_data.applicant.full_name``, ``q``). This module
imports no app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ValidationError

from .errors import api_error, is_api

NUL = "\x00"


def nul_message() -> str:
    return _("The text contains a NUL character (\\u0000), which is not allowed.")


def paths_with_nul(value: Any, path: str = "") -> Iterator[str]:
    """Dotted paths of the strings (keys included) in decoded JSON that hold a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield where.replace(NUL, "\\u0000")
            else:
                yield from paths_with_nul(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths_with_nul(item, f"{path}.{index}" if path else str(index))


def _refuse(where: str) -> ValidationError:
    return ValidationError({where or "non_field_errors": [nul_message()]})


def check_query_dict(data: Any) -> None:
    """Raise 400 naming the first parameter of a QueryDict whose name or value has a NUL."""
    for key, values in data.lists():
        if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
            raise _refuse(key.replace(NUL, "\\u0000"))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        for where in paths_with_nul(data):
            raise _refuse(where)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_query_dict(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        check_query_dict(parsed.data)
        return parsed


class RefuseNulInApiQueryMiddleware:
    """A NUL in the query string of an ``/api/`` request: 400 before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api(request) and "%00" in request.META.get("QUERY_STRING", ""):
            try:
                check_query_dict(request.GET)
            except ValidationError as exc:
                where = next(iter(exc.detail))
                return api_error(400, nul_message(), {where: [nul_message()]})
        return self.get_response(request)
