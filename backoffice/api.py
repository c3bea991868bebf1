"""Back-office REST API for officials (``/api/v1/backoffice/…``): agencies, staff, the
dossier transitions (the inbox and the steps: :mod:`.api_queues`).

Session-authenticated officials who passed the second factor; the same rule as the pages: a
citizen gets 403, another agency's objects 404 (see :mod:`identity.access`).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
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
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers.api.errors import dossier_exception_handler, error_response
from dossiers.api.schema import ERROR_400
from dossiers.errors import ActionForbidden
from dossiers.lifecycle import inbox, transitions
from dossiers.lifecycle.table import ACTIONS, TABLE
from dossiers.models import Dossier
from dossiers.serializers import STATUS_HELP, DossierProcedureSerializer, StatusField
from identity import access
from identity.models import StaffRole
from portal.api import ErrorSerializer
from portal.privacy import PersonalDataMixin
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


class BackofficeAPIView(PersonalDataMixin):
    """Common settings: browser session of an official, second factor checked; every answer
    holds personal or internal data, so none is stored by a cache (portal.privacy)."""

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


# --- dossiers: the inbox and the transitions ------------------------------------------------------

DOSSIER_ERRORS = {
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not an official signed in with a one-time code, or a role that may not "
        "take this action.",
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description="No such dossier, or one of an agency the official may not see.",
    ),
}
ACTION_HELP = "One action of the transition table: " + ", ".join(
    f"`{action}` ({TABLE[action].label})" for action in ACTIONS
)


def backoffice_exception_handler(exc: Exception, context: dict):
    """The dossier services' refusals in the error shape: a role the table does not list is
    403 (audited), a dossier of another agency 404 like an unknown code, the rest as the
    citizens' dossier API answers them (400, 409)."""
    request = context["request"]
    if isinstance(exc, ActionForbidden):
        access.deny(request._request, "role", dossier=context["view"].kwargs.get("code", ""))
        return error_response(403, exc.message)
    if isinstance(exc, Dossier.DoesNotExist):
        return error_response(404, _("No such dossier in your agencies."))
    return dossier_exception_handler(exc, context)


class DossierRowSerializer(serializers.ModelSerializer):
    """A dossier in an official's inbox, with what this official may do with it now."""

    status = StatusField(read_only=True, help_text=STATUS_HELP)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    procedure = DossierProcedureSerializer(read_only=True)
    receiving_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    applicant_name = serializers.CharField(source="applicant.full_name", read_only=True)
    actions = serializers.SerializerMethodField(
        help_text="The actions this official may take now (see the transitions endpoint)."
    )

    class Meta:
        model = Dossier
        fields = [
            "code",
            "status",
            "status_label",
            "procedure",
            "receiving_agency",
            "applicant_name",
            "summary",
            "submitted_at",
            "accepted_at",
            "due_at",
            "original_due_at",
            "extended",
            "supplement_count",
            "revision",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, dossier: Dossier) -> list[str]:
        return inbox.actions_for(self.context["request"].user, dossier, self.context.get("held"))


class TransitionSerializer(serializers.Serializer):
    """What the official asks: the action, the reason and the action's own fields."""

    # Named TransitionActionEnum in the schema (settings: ENUM_NAME_OVERRIDES).
    action = serializers.ChoiceField(choices=list(ACTIONS), help_text=ACTION_HELP)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=transitions.NOTE_LIMIT,
        help_text="The reason, written on the timeline; required by refuse, "
        "return_for_completion, request_supplement, stop and apologise_and_extend.",
    )
    items = serializers.ListField(
        child=serializers.CharField(max_length=transitions.ITEM_LIMIT),
        required=False,
        default=list,
        max_length=50,
        help_text="What the applicant must supply (Mẫu 02): return_for_completion and "
        "request_supplement.",
    )
    new_due_at = serializers.DateTimeField(
        required=False, help_text="The new due date of apologise_and_extend (Mẫu 04)."
    )
    revision = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The dossier's revision the official saw; another one answers 409.",
    )


@extend_schema(
    summary="Take an action on a dossier (back office)",
    description=(
        "Moves the dossier along the transition table (DOMAIN.md §3) and answers its new "
        "state. 400: unknown action, or a reason, list or date missing or refused by the "
        "rules (a second supplement request, a second extension); 403: the official's role "
        "may not take this action; 404: unknown code or another agency's dossier; 409: the "
        "dossier is no longer in a status that allows the action (someone acted first), or "
        "its revision is not the one given."
    ),
    parameters=[OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)],
    request=TransitionSerializer,
    responses={
        200: DossierRowSerializer,
        400: ERROR_400,
        409: OpenApiResponse(ErrorSerializer, description="The dossier moved meanwhile."),
        **DOSSIER_ERRORS,
    },
    tags=["backoffice"],
)
class DossierTransitionView(BackofficeAPIView, APIView):
    def get_exception_handler(self):
        return backoffice_exception_handler

    def post(self, request, code: str) -> Response:
        given = TransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        action = fields.pop("action")
        # Approving checks and writes the result file from the dossier before the lock; every
        # other action reads the row only under the lock.
        find = inbox.get_for_official if action == "approve" else inbox.key_for_official
        dossier = transitions.perform(find(request.user, code), request.user, action, **fields)
        return Response(DossierRowSerializer(dossier, context={"request": request}).data)
