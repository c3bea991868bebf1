"""Representations of a citizen's dossiers (hồ sơ) for the REST API (``/api/v1/dossiers/``).

Read serializers build the list item and the detail from a :class:`Dossier` whose procedure,
version and receiving agency the view has joined; the detail adds the documents, the timeline
and, for drafts, the form schema and the documents still missing. Input serializers only check
the shape of a request: the rules themselves live in :mod:`dossiers.services`.

Status codes are documented as integers with their meaning in the description, not as enums:
drf-spectacular turns every enum into a component named after the field, and the catalogue
already has a ``status`` enum with other values.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procedures.eforms import IDENTIFIER
from procedures.serializers import AGENCY_CODE, PROCEDURE_CODE, AgencySerializer

from . import services
from .models import (
    Channel,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierFile,
    Status,
    StoredDocument,
)

STATUS_HELP = (
    "National status code (TrangThaiHoSo): 0 draft (ours, never sent anywhere), 1 newly "
    "registered, 2 accepted, 3 not accepted, 4 being processed, 5 supplement requested, "
    "6 financial obligation requested, 7 withdrawn by the applicant, 8 processing stopped, "
    "9 processed with a result ready, 10 result delivered. ``status_label`` says it in words."
)
DOWNLOAD_HELP = (
    "Where the owner downloads the file (a signed-in session is required). The answer's "
    "Content-Disposition gives the name twice (RFC 6266): filename*=UTF-8''… with the exact "
    'Vietnamese name (RFC 5987) and filename="…" without accents.'
)
CHANNEL_HELP = "How the dossier is filed: 1 at the desk, 2 online, 3 by post."


FIELD_ID = re.compile(IDENTIFIER["pattern"])
# A group inside a group inside a section is as deep as an e-form goes.
MAX_NESTING = 3
SCALAR = [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]
SECTION_SCHEMA = {
    "type": "object",
    "description": (
        "Values by field id: text, a number, true/false or null; a group field takes a list "
        "of objects of the same kind."
    ),
    "additionalProperties": {
        "nullable": True,
        "oneOf": [
            *SCALAR,
            {"type": "array", "items": {"type": "object", "additionalProperties": {}}},
        ],
    },
}


STATUS_SCHEMA = {"type": "integer", "minimum": min(Status.values), "maximum": max(Status.values)}


@extend_schema_field(STATUS_SCHEMA)
class StatusField(serializers.IntegerField):
    """A dossier status code (see the module docstring for why it is not an enum)."""


@extend_schema_field(
    {"type": "integer", "minimum": min(Channel.values), "maximum": max(Channel.values)}
)
class ChannelField(serializers.IntegerField):
    pass


def _absolute(context: dict, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def dossier_ref(dossier: Dossier) -> str:
    """What identifies the dossier in API paths: its code once submitted, else the draft id."""
    return dossier.code or str(dossier.public_id)


# --- reading ------------------------------------------------------------------------------------


class DossierProcedureSerializer(serializers.Serializer):
    code = serializers.CharField(source="national_code", help_text="National procedure code.")
    name = serializers.CharField()


class DossierDocumentSerializer(serializers.ModelSerializer):
    """A file attached to one of the dossier's document slots (thành phần hồ sơ)."""

    stored_document = serializers.UUIDField(
        source="stored.public_id",
        help_text="Id of the file in the document store: send it to reuse the file elsewhere.",
    )
    name = serializers.CharField(source="stored.title", help_text="Title in the document store.")
    original_name = serializers.CharField(
        source="stored.original_name", help_text="File name as uploaded."
    )
    size = serializers.IntegerField(source="stored.size", help_text="Size in bytes.")
    content_type = serializers.CharField(source="stored.content_type")
    reused = serializers.BooleanField(
        help_text="Taken from the citizen's document store rather than uploaded for this dossier."
    )
    download_url = serializers.SerializerMethodField(help_text=DOWNLOAD_HELP)

    class Meta:
        model = DossierDocument
        fields = [
            "id",
            "slot_id",
            "stored_document",
            "name",
            "original_name",
            "size",
            "content_type",
            "reused",
            "added_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document: DossierDocument) -> str:
        path = reverse("documents:download", args=[document.stored.public_id])
        return _absolute(self.context, path)


class StoredDocumentSerializer(serializers.ModelSerializer):
    """A file in the citizen's document store (kho dữ liệu), reusable in any dossier."""

    id = serializers.UUIDField(source="public_id", help_text="Send as `stored_document` to reuse.")
    download_url = serializers.SerializerMethodField(help_text=DOWNLOAD_HELP)

    class Meta:
        model = StoredDocument
        fields = [
            "id",
            "title",
            "original_name",
            "content_type",
            "size",
            "source",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, stored: StoredDocument) -> str:
        return _absolute(self.context, reverse("documents:download", args=[stored.public_id]))


class DossierMissingDocumentSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Slot id, as in ``form_schema.documents``.")
    name = serializers.CharField()


class DossierEventSerializer(serializers.ModelSerializer):
    """One line of the timeline (quá trình xử lý)."""

    from_status = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Status before; see ``status``."
    )
    to_status = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Status after; see ``status``."
    )

    class Meta:
        model = DossierEvent
        fields = ["at", "action", "from_status", "to_status", "note"]
        read_only_fields = fields


class DossierUrlsSerializer(serializers.Serializer):
    api = serializers.URLField(help_text="This dossier in the API.")
    documents = serializers.URLField(help_text="Attach documents here (drafts).")
    html = serializers.URLField(
        help_text="The dossier's page on the portal; for a draft, where to go on filling it in."
    )


class DossierListItemSerializer(serializers.ModelSerializer):
    """A dossier as listed under "my dossiers" (hồ sơ của tôi)."""

    public_id = serializers.UUIDField(
        read_only=True, help_text="Stable id; also accepted in place of the code in paths."
    )
    code = serializers.CharField(
        read_only=True, allow_null=True, help_text="Dossier code; null while a draft."
    )
    status = StatusField(read_only=True, help_text=STATUS_HELP)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    procedure = DossierProcedureSerializer(read_only=True)
    receiving_agency = AgencySerializer(
        read_only=True, allow_null=True, help_text="Where it is filed; null until chosen."
    )
    url = serializers.SerializerMethodField(help_text="This dossier in the API.")

    class Meta:
        model = Dossier
        fields = [
            "public_id",
            "code",
            "status",
            "status_label",
            "procedure",
            "receiving_agency",
            "summary",
            "created_at",
            "submitted_at",
            "due_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, dossier: Dossier) -> str:
        return _absolute(self.context, reverse("api-dossier-detail", args=[dossier_ref(dossier)]))


class DossierDetailSerializer(DossierListItemSerializer):
    """One dossier with its data, documents and timeline.

    A draft carries its ``form_schema`` and working ``form_data``; a submitted dossier carries
    the ``submitted_data`` frozen at submission instead.
    """

    version = serializers.IntegerField(
        source="procedure_version.number",
        read_only=True,
        help_text="Number of the procedure version the dossier is filed under.",
    )
    channel = ChannelField(read_only=True, help_text=CHANNEL_HELP)
    form_schema = serializers.SerializerMethodField(
        help_text="The e-form (sections, fields, document slots); drafts only, else null."
    )
    form_data = serializers.SerializerMethodField(
        help_text="Working copy of the data by section id; drafts only, else null."
    )
    submitted_data = serializers.SerializerMethodField(
        help_text="The data as submitted, by section id; null for a draft."
    )
    documents = serializers.SerializerMethodField()
    missing_documents = serializers.SerializerMethodField(
        help_text="Required document slots that have no file yet (drafts; empty otherwise)."
    )
    timeline = serializers.SerializerMethodField()
    receipt_url = serializers.SerializerMethodField(
        help_text=(
            "The receipt (Mẫu 01) as PDF once it has been produced, else null; shown inline, "
            "with filename*=UTF-8''… and filename=\"…\" in Content-Disposition."
        )
    )
    urls = serializers.SerializerMethodField()

    class Meta(DossierListItemSerializer.Meta):
        fields = [
            *DossierListItemSerializer.Meta.fields,
            "version",
            "channel",
            "form_schema",
            "form_data",
            "submitted_data",
            "documents",
            "missing_documents",
            "timeline",
            "receipt_url",
            "urls",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": {}, "nullable": True})
    def get_form_schema(self, dossier: Dossier) -> dict | None:
        return dossier.form_schema if dossier.status == Status.DRAFT else None

    @extend_schema_field(
        {"type": "object", "additionalProperties": SECTION_SCHEMA, "nullable": True}
    )
    def get_form_data(self, dossier: Dossier) -> dict | None:
        return dossier.form_data if dossier.status == Status.DRAFT else None

    @extend_schema_field(
        {"type": "object", "additionalProperties": SECTION_SCHEMA, "nullable": True}
    )
    def get_submitted_data(self, dossier: Dossier) -> dict | None:
        return dossier.submitted_data

    @extend_schema_field(DossierDocumentSerializer(many=True))
    def get_documents(self, dossier: Dossier) -> list[dict]:
        return DossierDocumentSerializer(
            services.attached(dossier), many=True, context=self.context
        ).data

    @extend_schema_field(DossierMissingDocumentSerializer(many=True))
    def get_missing_documents(self, dossier: Dossier) -> list[dict]:
        if dossier.status != Status.DRAFT:
            return []
        return [
            {"id": slot["id"], "name": slot["name"]} for slot in services.missing_documents(dossier)
        ]

    @extend_schema_field(DossierEventSerializer(many=True))
    def get_timeline(self, dossier: Dossier) -> list[dict]:
        return DossierEventSerializer(services.timeline(dossier), many=True).data

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_receipt_url(self, dossier: Dossier) -> str | None:
        if not dossier.code:
            return None
        if not dossier.files.filter(kind=DossierFile.Kind.RECEIPT).exists():
            return None
        return _absolute(self.context, reverse("tracking:receipt", args=[dossier.code]))

    @extend_schema_field(DossierUrlsSerializer)
    def get_urls(self, dossier: Dossier) -> dict:
        ref = dossier_ref(dossier)
        if dossier.code:
            html = reverse("tracking:detail", args=[dossier.code])
        else:
            html = reverse("apply:resume", args=[dossier.public_id])
        return {
            "api": _absolute(self.context, reverse("api-dossier-detail", args=[ref])),
            "documents": _absolute(self.context, reverse("api-dossier-documents", args=[ref])),
            "html": _absolute(self.context, html),
        }


class DossierUpdateResultSerializer(DossierDetailSerializer):
    """The draft after a change, with what is still wrong in it."""

    errors = serializers.SerializerMethodField(
        help_text=(
            "Problems in the data so far, by field path (``applicant.phone``): a message each. "
            "The draft keeps the data even when it is not valid yet."
        )
    )

    class Meta(DossierDetailSerializer.Meta):
        fields = [*DossierDetailSerializer.Meta.fields, "errors"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_errors(self, dossier: Dossier) -> dict[str, str]:
        return self.context.get("errors", {})


# --- input --------------------------------------------------------------------------------------


class DossierStartSerializer(serializers.Serializer):
    procedure = serializers.RegexField(
        PROCEDURE_CODE["pattern"],
        max_length=PROCEDURE_CODE["maxLength"],
        help_text="National (1.000894) or local (1.000894.000.00.00.H29) procedure code.",
        error_messages={
            "invalid": _("Enter a national (1.000894) or local (1.000894.000.00.00.H29) code.")
        },
    )


def check_section_values(values: dict[str, Any], depth: int = 1) -> None:
    """The shape an e-form section has: field ids (as the form schema writes them) mapped to
    scalars, or to lists of such objects for group fields. Anything else (``[null, null]``
    where text belongs, an object as a value) is refused rather than stored in the draft,
    whose ``form_data`` the API documents with this shape."""
    for key, value in values.items():
        if not FIELD_ID.fullmatch(key):
            raise serializers.ValidationError(
                _("Use field ids of the form (lowercase letters, digits and _), not “%(key)s”.")
                % {"key": key}
            )
        if value is None or isinstance(value, str | int | float | bool):
            continue
        if not isinstance(value, list):
            raise serializers.ValidationError(
                _(
                    "A value must be text, a number, true/false, null, or a list of entries "
                    "(objects)."
                )
            )
        if depth >= MAX_NESTING:
            raise serializers.ValidationError(_("The lists are nested too deeply."))
        for entry in value:
            if not isinstance(entry, dict):
                raise serializers.ValidationError(
                    _("Each entry of a list must be an object of field values.")
                )
            check_section_values(entry, depth + 1)


@extend_schema_field(SECTION_SCHEMA)
class FormSectionField(serializers.DictField):
    """One section's data, checked by :func:`check_section_values`."""

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        check_section_values(values)
        return values


class DossierUpdateSerializer(serializers.Serializer):
    form_data = serializers.DictField(
        child=FormSectionField(),
        required=False,
        help_text=(
            "Sections to replace, by section id: each value is the whole section's data "
            '(``{"applicant": {"phone": "0912345678", …}}``). Sections not sent are kept.'
        ),
    )
    receiving_agency = serializers.RegexField(
        AGENCY_CODE["pattern"],
        required=False,
        max_length=AGENCY_CODE["maxLength"],
        error_messages={"invalid": _("Enter an agency code such as H29.26743.")},
        help_text="Code of the agency where to file (any ward or commune for commune procedures).",
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError(_("Send form_data, receiving_agency or both."))
        return attrs


class DossierAttachUploadSerializer(serializers.Serializer):
    slot_id = serializers.CharField(max_length=40, help_text="Document slot id.")
    file = serializers.FileField(help_text="The file: PDF, JPEG or PNG as the slot accepts.")


class DossierReuseDocumentSerializer(serializers.Serializer):
    slot_id = serializers.CharField(max_length=40, help_text="Document slot id.")
    stored_document = serializers.UUIDField(
        help_text="public_id of a document in the citizen's document store."
    )


class DossierSubmitSerializer(serializers.Serializer):
    consent = serializers.BooleanField(
        default=False,
        help_text=(
            "The applicant confirms the information is true and agrees to submit; "
            "without it (false or absent) the submission is refused with `fields.consent`."
        ),
    )


class DossierWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why the applicant withdraws.")
