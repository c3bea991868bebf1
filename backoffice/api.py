"""Back-office REST API for officials (``/api/v1/backoffice/…``), read-only for now.

Session-authenticated officials who passed the second factor; the same rule as the pages: a
citizen gets 403, another agency's objects 404 (see :mod:`identity.access`).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import ListAPIView, RetrieveAPIView

from identity import access
from identity.models import StaffRole
from portal.api import ErrorSerializer
from procedures.models import Agency

from .views import received_procedures


class AgencyLevelField(serializers.CharField):
    """The agency level. A plain string in the schema: the catalogue already names a ``Level``
    enum for procedures, and two enums called ``level`` would collide (see the report about
    ENUM_NAME_OVERRIDES)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Agency level: city, department, division or commune.")
        super().__init__(read_only=True, **kwargs)


class AgencyRefSerializer(serializers.ModelSerializer):
    level = AgencyLevelField()

    class Meta:
        model = Agency
        fields = ["code", "name", "level"]
        read_only_fields = fields


class BackofficeAgencySerializer(serializers.ModelSerializer):
    """An agency (cơ quan, đơn vị) as its officials see it."""

    level = AgencyLevelField()
    parent = AgencyRefSerializer(read_only=True, allow_null=True)
    divisions = serializers.SerializerMethodField(help_text="Divisions (phòng) of the agency.")
    procedure_count = serializers.SerializerMethodField(
        help_text="Number of procedures in force whose dossiers this agency receives."
    )
    html_url = serializers.SerializerMethodField(help_text="The agency's back-office page.")

    class Meta:
        model = Agency
        fields = [
            "code",
            "name",
            "short_name",
            "level",
            "parent",
            "divisions",
            "procedure_count",
            "html_url",
        ]
        read_only_fields = fields

    @extend_schema_field(AgencyRefSerializer(many=True))
    def get_divisions(self, agency: Agency) -> list[dict]:
        divisions = agency.children.filter(level=Agency.Level.DIVISION).order_by("code")
        return AgencyRefSerializer(divisions, many=True).data

    def get_procedure_count(self, agency: Agency) -> int:
        return received_procedures(agency).count()

    def get_html_url(self, agency: Agency) -> str:
        url = reverse("backoffice:agency", kwargs={"code": agency.code})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class StaffRoleSerializer(serializers.ModelSerializer):
    """One role of one official in an agency."""

    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.SerializerMethodField(help_text="The official's name.")
    role_label = serializers.CharField(
        source="get_role_display", read_only=True, help_text="The role, in the request's language."
    )
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    division = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Division code, if any."
    )

    class Meta:
        model = StaffRole
        fields = [
            "id",
            "username",
            "full_name",
            "role",
            "role_label",
            "agency",
            "division",
            "title",
        ]
        read_only_fields = fields

    def get_full_name(self, staff_role: StaffRole) -> str:
        return staff_role.user.get_full_name()


CODE_PARAMETER = OpenApiParameter(
    "code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Agency code, e.g. H29.03 (Sở Tư pháp) or H29.26743 (Phường Bến Thành).",
)
ERRORS = {
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not signed in, or not an official signed in with a one-time code "
        "(e.g. a citizen).",
    ),
    404: OpenApiResponse(
        ErrorSerializer, description="No such agency, or one the official may not see."
    ),
}


class BackofficeAPIView:
    """Common settings: browser session of an official, second factor checked."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [access.IsVerifiedOfficial]


@extend_schema(
    summary="Read an agency (back office)",
    description=(
        "An agency the signed-in official works in: its parent, divisions and how many "
        "procedures it receives. Officials see their agencies and their divisions; city "
        "administrators see all. Any other agency answers 404."
    ),
    parameters=[CODE_PARAMETER],
    responses={200: BackofficeAgencySerializer, **ERRORS},
    tags=["backoffice"],
)
class AgencyDetailView(BackofficeAPIView, access.AgencyScopedMixin, RetrieveAPIView):
    serializer_class = BackofficeAgencySerializer
    queryset = Agency.objects.select_related("parent")
    lookup_field = "code"
    agency_field = "id"


@extend_schema(
    summary="List the staff roles of an agency (back office)",
    description=(
        "Every role held in the agency or one of its divisions: who, which role, which "
        "division. Same access rule as the agency itself."
    ),
    parameters=[CODE_PARAMETER],
    responses={200: StaffRoleSerializer(many=True), **ERRORS},
    tags=["backoffice"],
)
class AgencyStaffView(BackofficeAPIView, ListAPIView):
    serializer_class = StaffRoleSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[StaffRole]:
        agency = access.get_agency_or_404_for(
            self.request.user, self.kwargs["code"], request=self.request._request
        )
        return access.staff_of(agency)
