"""Pagination for every list of the REST API, refusing page numbers and cursors it cannot serve.

DRF hands the page number and the cursor's position to the database as they come. A page such as
``461168601842738792`` makes an offset that overflows PostgreSQL's bigint, and a cursor whose
position is not a date (``cursor=cD1hYmM=``, base64 of ``p=abc``) fails inside the query; both
were 500s. Here they are 400s in the portal's error shape, naming the parameter, before any
query runs. A well-formed page past the last one stays 404, as DRF answers it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

# Far beyond any list the portal serves (100 per page at most), far below an overflowing offset.
MAX_PAGE_NUMBER = 100_000


class CheckedPageNumberPagination(PageNumberPagination):
    """``?page=`` must be a whole number from 1 to :data:`MAX_PAGE_NUMBER` (or ``last``)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_number(self, request, paginator) -> Any:
        given = request.query_params.get(self.page_query_param) or "1"
        if given in self.last_page_strings:
            return paginator.num_pages
        number = int(given) if given.isascii() and given.isdigit() else 0
        if not 1 <= number <= MAX_PAGE_NUMBER:
            message = _("The page number must be a whole number from 1 to %(max)d.") % {
                "max": MAX_PAGE_NUMBER
            }
            raise ValidationError({self.page_query_param: [message]})
        return number

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Page number, from 1 to {MAX_PAGE_NUMBER}. Anything else is 400; a page "
                    "past the last one is 404."
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page: {self.page_size} by default, at most "
                    f"{self.max_page_size} (larger values are capped)."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


class CheckedCursorPagination(CursorPagination):
    """A cursor must be one this API handed out: decodable, and its position a valid value of
    the first ordering field (e.g. a date-time for ``-at``)."""

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self._invalid() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        if "\x00" in position:
            raise self._invalid()
        name = self.ordering[0].lstrip("-")
        try:
            self._model._meta.get_field(name).to_python(position)
        except FieldDoesNotExist:
            return  # an annotation: nothing to check it against
        except (DjangoValidationError, ValueError, OverflowError):
            raise self._invalid() from None

    def _invalid(self) -> ValidationError:
        message = _("This cursor is not valid: use the next or previous link of a page.")
        return ValidationError({self.cursor_query_param: [message]})

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "Opaque cursor from the `next` or `previous` link; any other value is 400."
                )
        return parameters
