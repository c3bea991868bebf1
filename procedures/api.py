"""Catalogue REST API: search the procedures and read one (``/api/v1/procedures/``).

Both views are public and read-only. The list validates its query with
:class:`~procedures.forms.ProcedureSearchForm`, the same form the HTML catalogue uses, so the
page and the API accept and reject exactly the same input with the same translated messages.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Prefetch, QuerySet, Window
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny

from portal.api import ErrorSerializer
from portal.pagination import CheckedPageNumberPagination

from .forms import FEE_CHOICES, ProcedureSearchForm
from .models import Channel, Level, OnlineLevel, Procedure
from .search import MAX_QUERY_LENGTH, search
from .search_cache import CachedAnswerMixin
from .serializers import (
    AGENCY_CODE,
    PROCEDURE_CODE,
    SECTOR_CODE,
    ProcedureDetailSerializer,
    ProcedureListSerializer,
)
from .services import find_procedure


class PageWithTotalPaginator(Paginator):
    """Reads a page and the total number of matches in one query (``COUNT(*) OVER ()``).

    Django's paginator runs the search twice, once for ``count()`` and once for the page; the
    ranked search is the expensive part of a request, so the total rides along with the page.
    An empty page needs no count either: page 1 empty means no match, a later one is past the
    end.
    """

    def page(self, number):
        if not isinstance(self.object_list, QuerySet):
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(total_matches=Window(Count("*")))[
                bottom : bottom + self.per_page
            ]
        )
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        self.count = rows[0].total_matches if rows else 0  # shadows the cached property
        return self._get_page(rows, number, self)


class CataloguePagination(CheckedPageNumberPagination):
    django_paginator_class = PageWithTotalPaginator


ERROR_400 = OpenApiResponse(ErrorSerializer, description="A query parameter is not valid.")
ERROR_404 = OpenApiResponse(ErrorSerializer, description="No such procedure or page.")

SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description=(
            f"Search text, at most {MAX_QUERY_LENGTH} characters. Accents are optional; words "
            "match by prefix and all must match. A national code (1.004222), a local code "
            "(1.004222.000.00.00.H29) or the start of one finds procedures by code."
        ),
    ),
    OpenApiParameter(
        "sector",
        SECTOR_CODE,
        description=(
            "Sector code (lĩnh vực): the `code` of a procedure's `sector` in these results, "
            "e.g. ho-tich. An unknown code is 400."
        ),
    ),
    OpenApiParameter(
        "level",
        OpenApiTypes.STR,
        enum=list(Level.values),
        description="Authority level (cấp thực hiện).",
    ),
    OpenApiParameter(
        "agency",
        AGENCY_CODE,
        description=(
            "Agency code, e.g. H29.26743 (a commune). A commune gives the procedures that can be "
            "filed at any commune; another agency gives what it or its divisions receive."
        ),
    ),
    OpenApiParameter(
        "online",
        OpenApiTypes.STR,
        enum=list(OnlineLevel.values),
        description="Online service level (Decree 42/2022).",
    ),
    OpenApiParameter(
        "fee",
        OpenApiTypes.STR,
        enum=[value for value, _label in FEE_CHOICES if value],
        description="true: free of charge only; false: with fees only.",
    ),
]


@extend_schema(
    summary="Search the procedure catalogue",
    description=(
        "Procedures in force that match the search text and filters, best match first. An "
        "unknown filter value or too long a text gives 400 with a message per parameter."
    ),
    parameters=SEARCH_PARAMETERS,
    responses={200: ProcedureListSerializer(many=True), 400: ERROR_400, 404: ERROR_404},
    tags=["procedures"],
)
class ProcedureListView(CachedAnswerMixin, ListAPIView):
    """Catalogue search (tra cứu thủ tục hành chính); successful answers are cached."""

    serializer_class = ProcedureListSerializer
    pagination_class = CataloguePagination
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_queryset(self) -> QuerySet[Procedure]:
        form = ProcedureSearchForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {
                    name: [ErrorDetail(error["message"], code=error["code"]) for error in errors]
                    for name, errors in form.errors.get_json_data().items()
                }
            )
        return search(form.params())


@extend_schema(
    summary="Read one procedure",
    description=(
        "The full content of the version in force of a procedure, by national code (1.004222) "
        "or local code (1.004222.000.00.00.H29)."
    ),
    parameters=[
        OpenApiParameter(
            "code",
            PROCEDURE_CODE,
            OpenApiParameter.PATH,
            description="National or local procedure code.",
        )
    ],
    responses={200: ProcedureDetailSerializer, 404: ERROR_404},
    tags=["procedures"],
)
class ProcedureDetailView(RetrieveAPIView):
    """One procedure (thủ tục hành chính) with the content of its version in force."""

    serializer_class = ProcedureDetailSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_object(self) -> Procedure:
        procedure = find_procedure(
            self.kwargs["code"],
            Procedure.objects.select_related(
                "sector", "receiving_agency", "current_version"
            ).prefetch_related(
                Prefetch(
                    "current_version__channels",
                    queryset=Channel.objects.prefetch_related("fees"),
                ),
                "current_version__documents",
                "current_version__results",
                "current_version__legal_basis",
            ),
        )
        if procedure is None:
            raise NotFound()
        return procedure
