"""Read-only representations of the catalogue for the public REST API (``/api/v1/procedures/``).

The list item is built from the listing columns of :class:`Procedure` (one row, sector and
receiving agency joined); the detail adds the content of the version in force, whose parts the
view prefetches so a detail costs a fixed number of queries.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .links import code_linker
from .models import (
    Agency,
    Channel,
    DocumentSlot,
    DurationUnit,
    FeeLine,
    LegalBasis,
    Level,
    Procedure,
    ProcedureVersion,
    ResultDocument,
    Sector,
)

# The shapes of the catalogue's codes, as the OpenAPI schema states them for filters and paths.
PROCEDURE_CODE = {
    "type": "string",
    "pattern": r"^[0-9]\.[0-9]{6}(\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9A-Z]*)?$",
    "maxLength": 40,
    "example": "1.004222",
}
AGENCY_CODE = {
    "type": "string",
    "pattern": r"^[A-Z][0-9A-Z]*(\.[0-9A-Z]+)*$",
    "maxLength": 35,
    "example": "H29.26743",
}
SECTOR_CODE = {
    "type": "string",
    "pattern": r"^[-a-z0-9_]+$",
    "maxLength": 120,
    "example": "ho-tich",
}


class SectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["code", "name"]
        read_only_fields = fields


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["code", "name"]
        read_only_fields = fields


class ProcedureListSerializer(serializers.ModelSerializer):
    """One search hit (thủ tục hành chính) as listed in the catalogue."""

    sector = SectorSerializer(read_only=True)
    receiving_agency = AgencySerializer(
        read_only=True,
        allow_null=True,
        help_text="Agency that receives dossiers, or null when none is assigned.",
    )
    receives_at_commune = serializers.BooleanField(
        read_only=True, help_text="Dossiers may be filed at any commune of the city."
    )
    url = serializers.SerializerMethodField(help_text="Absolute URL of this procedure in the API.")
    html_url = serializers.SerializerMethodField(
        help_text="Absolute URL of the procedure's page on the portal."
    )

    class Meta:
        model = Procedure
        fields = [
            "national_code",
            "local_code",
            "name",
            "sector",
            "level",
            "online_level",
            "is_fee_free",
            "receiving_agency",
            "receives_at_commune",
            "url",
            "html_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, procedure: Procedure) -> str:
        return self._link("api-procedure-detail", procedure)

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, procedure: Procedure) -> str:
        return self._link("procedures:detail", procedure)

    def _link(self, view_name: str, procedure: Procedure) -> str:
        # Resolved once per serializer (a page of rows), formatted per row.
        linkers = self.__dict__.setdefault("_linkers", {})
        if view_name not in linkers:
            linkers[view_name] = code_linker(view_name, self.context.get("request"))
        return linkers[view_name](procedure.national_code)


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcedureVersion
        fields = ["number", "status", "valid_from"]
        read_only_fields = fields


class FeeLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeLine
        fields = ["amount_vnd", "text"]
        read_only_fields = fields


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice stored as "" when unknown, given to clients as null."""

    def to_representation(self, value):
        return super().to_representation(value) or None


class ChannelSerializer(serializers.ModelSerializer):
    duration = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Processing time in ``unit``; null if unknown."
    )
    unit = BlankAsNullChoiceField(
        choices=DurationUnit.choices,
        read_only=True,
        allow_null=True,
        help_text="Unit of ``duration``; null if unknown. ``same_day``: the result comes the "
        "same working day.",
    )
    unit_assumed = serializers.BooleanField(
        read_only=True,
        help_text="True when the catalogue gave a bare number and working days were assumed.",
    )
    fees = FeeLineSerializer(many=True, read_only=True)

    class Meta:
        model = Channel
        fields = [
            "kind", "duration", "unit", "unit_assumed", "fee_free", "fee_text", "note", "fees",
        ]  # fmt: skip
        read_only_fields = fields


class DocumentSlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentSlot
        fields = ["name", "form_ref", "originals", "copies", "group"]
        read_only_fields = fields


class ResultDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResultDocument
        fields = ["name", "code"]
        read_only_fields = fields


class LegalBasisSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalBasis
        fields = ["title", "number"]
        read_only_fields = fields


def _version_text(name: str, help_text: str) -> serializers.CharField:
    return serializers.CharField(
        source=f"current_version.{name}", read_only=True, help_text=help_text
    )


class ProcedureDetailSerializer(ProcedureListSerializer):
    """A procedure with the full content of its version in force."""

    version = VersionSerializer(source="current_version", read_only=True)
    decision = _version_text("decision", "Decision that announced the procedure.")
    kind = _version_text("kind", "Kind of procedure as classified nationally.")
    authority_levels = extend_schema_field(
        # An inline enum: a second component for the same choices as ``level`` would be a
        # duplicate that drf-spectacular warns about.
        {"type": "array", "items": {"type": "string", "enum": list(Level.values)}}
    )(
        serializers.ListField(
            source="current_version.authority_levels",
            child=serializers.CharField(),
            read_only=True,
            help_text="Every level at which the procedure is carried out.",
        )
    )
    applicant_types = serializers.ListField(
        source="current_version.applicant_types", child=serializers.CharField(), read_only=True
    )
    implementing_agency = _version_text("implementing_agency_text", "Implementing agency.")
    competent_authority = _version_text("competent_authority_text", "Competent authority.")
    coordinating_agency = _version_text("coordinating_agency_text", "Coordinating agency.")
    conditions = _version_text("conditions", "Conditions the applicant must meet.")
    steps = _version_text("steps", "Steps of the procedure.")
    channels = ChannelSerializer(source="current_version.channels", many=True, read_only=True)
    documents = DocumentSlotSerializer(
        source="current_version.documents", many=True, read_only=True
    )
    results = ResultDocumentSerializer(source="current_version.results", many=True, read_only=True)
    legal_basis = LegalBasisSerializer(
        source="current_version.legal_basis", many=True, read_only=True
    )

    class Meta(ProcedureListSerializer.Meta):
        fields = [
            *ProcedureListSerializer.Meta.fields,
            "version",
            "decision",
            "kind",
            "authority_levels",
            "applicant_types",
            "implementing_agency",
            "competent_authority",
            "coordinating_agency",
            "conditions",
            "steps",
            "channels",
            "documents",
            "results",
            "legal_basis",
        ]
        read_only_fields = fields
