"""The applicant's answer to a supplement or completion request, for citizens' apps:

- ``GET  /api/v1/dossiers/{ref}/supplement/``: what the agency asks (numbered items, reason,
  who, when) and the documents attached to the answer so far;
- ``POST /api/v1/dossiers/{ref}/supplement/documents/``: attach a document to one item (an
  upload, multipart, or a document of the store, JSON), as a draft's documents are attached;
- ``DELETE /api/v1/dossiers/{ref}/supplement/documents/{id}/``: take one back before sending;
- ``POST /api/v1/dossiers/{ref}/supplement/``: send the answer (the table's
  ``answer_supplement`` 5 → 4, or ``answer_completion`` in status 1).

The views call :mod:`dossiers.lifecycle.answer` only; refusals come back in the error shape.
"""

from __future__ import annotations

import contextlib

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from identity.citizens import citizen_of
from portal.input import JSONParser, MultiPartParser

from .. import services
from ..documents import limits as upload_limits
from ..lifecycle import answer, asked
from ..lifecycle.transitions import NOTE_LIMIT
from ..models import Dossier, SupplementRequest
from ..serializers import DossierDetailSerializer, DossierDocumentSerializer
from .base import CitizenAPIView
from .schema import ERROR_400, ERROR_401, ERROR_403, ERROR_404, ERROR_409, ERROR_413, REF, TAGS

ITEM_HELP = "The number of the item asked for (1, 2, …), as listed in `items`."


class AskedItemSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    documents = DossierDocumentSerializer(many=True, help_text="Attached to this item so far.")


class SupplementAskedSerializer(serializers.ModelSerializer):
    """What the agency asks the applicant for (Mẫu 02), with the answer attached so far."""

    requested_by = serializers.SerializerMethodField(help_text="The official who asked.")
    items = serializers.SerializerMethodField()

    class Meta:
        model = SupplementRequest
        fields = ["kind", "reason", "requested_at", "requested_by", "items"]
        read_only_fields = fields

    def get_requested_by(self, request: SupplementRequest) -> str:
        by = request.requested_by
        return (by.get_full_name() or by.get_username()) if by else ""

    @extend_schema_field(AskedItemSerializer(many=True))
    def get_items(self, request: SupplementRequest) -> list[dict]:
        documents = list(asked.answer_documents(request))
        return [
            {
                "number": slot["number"],
                "text": slot["name"],
                "documents": DossierDocumentSerializer(
                    [d for d in documents if d.slot_id == slot["id"]],
                    many=True,
                    context=self.context,
                ).data,
            }
            for slot in asked.slots_of(request)
        ]


class AnswerUploadSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, help_text=ITEM_HELP)
    file = serializers.FileField(help_text="The file: PDF, JPEG or PNG, at most 10 MB.")


class AnswerReuseSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, help_text=ITEM_HELP)
    stored_document = serializers.UUIDField(
        help_text="public_id of a document in the citizen's document store."
    )


class AnswerSendSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_LIMIT,
        help_text="A message to the agency; required when no document is attached.",
    )


def _open_or_409(dossier: Dossier) -> SupplementRequest:
    request = asked.open_request(dossier)
    if request is None:
        raise services.Conflict(_("This dossier is not waiting for documents from you."))
    return request


class SupplementAnswerView(CitizenAPIView):
    @extend_schema(
        operation_id="dossier_supplement_read",
        summary="Read what the agency asks me to supply",
        description=(
            "The open supplement request (status 5) or completion request (status 1): the "
            "numbered items, the reason, who asked and when, and the documents attached to "
            "each item so far. 409 when the dossier waits for nothing from you."
        ),
        parameters=[REF],
        responses={
            200: SupplementAskedSerializer,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409,
        },
        tags=TAGS,
    )
    def get(self, request, ref: str):
        asked_now = _open_or_409(self.get_dossier(ref))
        return Response(SupplementAskedSerializer(asked_now, context={"request": request}).data)

    @extend_schema(
        operation_id="dossier_supplement_send",
        summary="Send my supplement",
        description=(
            "Sends the documents attached to the items (and the message). A supplement "
            "during processing moves the dossier from 5 back to 4: the processing time starts "
            "again by the configured rule and the dossier returns to the official who asked. "
            "A completion request is marked answered and the dossier stays 1 for the desk. "
            "400 without any document or message; 409 when nothing waits for an answer "
            "(e.g. sent already)."
        ),
        parameters=[REF],
        request=AnswerSendSerializer,
        responses={
            200: DossierDetailSerializer,
            400: ERROR_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409,
        },
        tags=TAGS,
    )
    def post(self, request, ref: str):
        dossier = self.get_dossier(ref)
        given = AnswerSendSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        answer.send(dossier, self.citizen, given.validated_data["note"])
        return Response(self.render_dossier(self.get_dossier(ref)))


class SupplementDocumentsView(CitizenAPIView):
    parser_classes = [MultiPartParser, JSONParser]

    def initial(self, request, *args, **kwargs):
        """Limit an upload's size before the body is read (dossiers.documents.limits)."""
        if request.method == "POST":
            citizen = citizen_of(request._request.user)
            dossier = None
            if citizen is not None:
                with contextlib.suppress(NotFound):
                    dossier = self.get_dossier(kwargs.get("ref", ""), citizen)
            slots = asked.open_slots(dossier) if dossier is not None else []
            upload_limits.guard_api(request._request, dossier, "", slots)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="dossier_supplement_attach",
        summary="Attach a document to my supplement",
        description=(
            "Either upload a file for one item (multipart/form-data: `item`, `file`) or reuse "
            "a file of your document store (JSON: `item`, `stored_document`). Files are checked "
            "as every upload (type, content, size); a refused one leaves nothing behind. "
            "409 when the dossier waits for nothing from you."
        ),
        parameters=[REF],
        request={
            "multipart/form-data": AnswerUploadSerializer,
            "application/json": AnswerReuseSerializer,
        },
        responses={
            201: DossierDocumentSerializer,
            400: ERROR_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409,
            413: ERROR_413,
        },
        tags=TAGS,
    )
    def post(self, request, ref: str):
        dossier = self.get_dossier(ref)
        _open_or_409(dossier)
        multipart = request.content_type.startswith("multipart/")
        if multipart and "stored_document" not in request.data:
            upload_limits.refuse_if_stopped(request._request)
            given = AnswerUploadSerializer(data=request.data)
        else:
            given = AnswerReuseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        slot = answer.slot_id(dossier, given.validated_data["item"])
        if not slot:
            message = _("There is no such item in the request.")
            raise services.DossierError(message, {"item": message})
        if "file" in given.validated_data:
            document = answer.attach_upload(
                dossier, self.citizen, slot, given.validated_data["file"]
            )
        else:
            try:
                document = answer.reuse_document(
                    dossier, self.citizen, slot, given.validated_data["stored_document"]
                )
            except services.DossierError as exc:
                if "stored" in exc.errors:
                    exc.errors["stored_document"] = exc.errors.pop("stored")
                raise
        data = DossierDocumentSerializer(document, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class SupplementDocumentView(CitizenAPIView):
    @extend_schema(
        operation_id="dossier_supplement_detach",
        summary="Take a document back from my supplement",
        description="Before sending only; the file stays in your document store.",
        parameters=[
            REF,
            OpenApiParameter("document_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={204: None, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 409: ERROR_409},
        tags=TAGS,
    )
    def delete(self, request, ref: str, document_id: int):
        dossier = self.get_dossier(ref)
        asked_now = _open_or_409(dossier)
        if not asked.answer_documents(asked_now).filter(pk=document_id).exists():
            raise NotFound(_("This dossier has no such document."))
        answer.detach(dossier, self.citizen, document_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
