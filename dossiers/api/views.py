"""The endpoints of the dossier API: my dossiers, one dossier, its documents, submitting and
withdrawing, the document store.

A dossier is addressed by one ``ref``: its code once submitted, or its ``public_id`` (a UUID,
the only id a draft has, and still valid after submission). The views validate the shape of a
request, call one function of :mod:`dossiers.services` or :mod:`dossiers.uploads`, and render;
who may call them is :mod:`.base`, how refusals are answered :mod:`.errors`.
"""

from __future__ import annotations

import contextlib

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from identity.citizens import assurance_problem, citizen_of
from portal.api import ErrorSerializer
from portal.input import JSONParser, MultiPartParser
from portal.pagination import CheckedPageNumberPagination
from procedures.models import Agency, Procedure
from procedures.services import find_procedure

from .. import read_cache, services, uploads
from ..documents import limits as upload_limits
from ..models import Dossier, Status, StoredDocument
from ..serializers import (
    STATUS_SCHEMA,
    DossierAttachUploadSerializer,
    DossierDetailSerializer,
    DossierDocumentSerializer,
    DossierListItemSerializer,
    DossierReuseDocumentSerializer,
    DossierStartSerializer,
    DossierSubmitSerializer,
    DossierUpdateResultSerializer,
    DossierUpdateSerializer,
    DossierWithdrawSerializer,
    StoredDocumentSerializer,
)
from .base import CitizenAPIView
from .errors import error_response
from .schema import (
    ERROR_400,
    ERROR_401,
    ERROR_403,
    ERROR_404,
    ERROR_409,
    ERROR_413,
    PAGE_400,
    PAGE_404,
    REF,
    TAGS,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 64


# --- my dossiers --------------------------------------------------------------------------------


class DossierListView(CitizenAPIView, ListAPIView):
    """Hồ sơ của tôi: the citizen's drafts and dossiers; starting a new draft."""

    serializer_class = DossierListItemSerializer
    pagination_class = CheckedPageNumberPagination

    def get_queryset(self) -> QuerySet[Dossier]:
        dossiers = services.dossiers_of(self.citizen).order_by("-created_at", "-pk")
        wanted = self.request.query_params.get("status", "")
        if wanted != "":
            try:
                dossiers = dossiers.filter(status=Status(int(wanted)))
            except ValueError:
                raise ValidationError(
                    {"status": [_("“%(value)s” is not a dossier status.") % {"value": wanted}]}
                ) from None
        return dossiers

    @extend_schema(
        operation_id="dossier_list",
        summary="List my dossiers",
        description=(
            "Your drafts and submitted dossiers, newest first. `status` filters by national "
            "status code (0 = drafts); an unknown value gives 400."
        ),
        parameters=[
            OpenApiParameter(
                "status",
                STATUS_SCHEMA,
                description="Only dossiers with this status code (see `status` in the results).",
            ),
        ],
        responses={
            200: DossierListItemSerializer(many=True),
            400: ERROR_400,
            401: ERROR_401,
            403: ERROR_403,
            404: PAGE_404,
        },
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="dossier_start",
        summary="Start a draft",
        description=(
            "A new draft for a procedure in force, under its current version, prefilled from "
            "your VNeID profile and your last dossier for the same procedure. A procedure that "
            "needs a higher VNeID level than yours gives 403 with the way to upgrade."
        ),
        request=DossierStartSerializer,
        responses={
            201: DossierDetailSerializer,
            400: ERROR_400,
            401: ERROR_401,
            403: ERROR_403,
        },
        tags=TAGS,
    )
    def post(self, request):
        given = DossierStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        code = given.validated_data["procedure"]
        procedure = find_procedure(
            code, Procedure.objects.select_related("current_version", "receiving_agency")
        )
        if procedure is None:
            raise ValidationError({"procedure": [_("There is no procedure with this code.")]})
        try:
            dossier = services.start_draft(self.citizen, procedure)
        except services.DossierError as exc:
            too_low = procedure.current_version is not None and assurance_problem(
                self.citizen, procedure
            )
            if too_low or isinstance(exc, services.NotEligible):
                fields = {path: [message] for path, message in exc.errors.items()}
                return error_response(status.HTTP_403_FORBIDDEN, exc.message, fields)
            raise
        data = self.render_dossier(dossier)
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


# --- one dossier --------------------------------------------------------------------------------


class DossierDetailView(CitizenAPIView):
    """One of the citizen's dossiers: read it, fill in a draft, delete a draft."""

    @extend_schema(
        operation_id="dossier_read",
        summary="Read one of my dossiers",
        description=(
            "Status, procedure and version, where it is filed, the data (a draft's working "
            "copy and e-form, or what was submitted), documents, documents still missing, the "
            "timeline and the receipt."
        ),
        parameters=[REF],
        responses={200: DossierDetailSerializer, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
        tags=TAGS,
    )
    def get(self, request, ref: str):
        # A submitted dossier's answer is kept per revision and served to its owner only
        # (dossiers.read_cache); a draft, a miss or someone else's code go the usual way.
        read = read_cache.Read("api", request, ref, self.citizen.pk)
        data = read.lookup()
        if data is None:
            dossier = self.get_dossier(ref)
            data = self.render_dossier(dossier)
            if dossier.status != Status.DRAFT:
                read.keep(dossier, data)
        return Response(data)

    @extend_schema(
        operation_id="dossier_update",
        summary="Fill in a draft",
        description=(
            "Replaces the sections sent in `form_data` and/or chooses the receiving agency. "
            "The draft keeps what was sent even when it is not valid yet, so nothing typed is "
            "lost: the answer is 200 with the problems found so far in `errors` (by field "
            "path). Required fields are only enforced at submission. 400 means nothing was "
            "saved (an unknown section, an agency that cannot receive this procedure); 409 "
            "that the dossier is no longer a draft."
        ),
        parameters=[REF],
        request=DossierUpdateSerializer,
        responses={
            200: DossierUpdateResultSerializer,
            400: ERROR_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409,
        },
        tags=TAGS,
    )
    def patch(self, request, ref: str):
        dossier = self.get_dossier(ref)
        given = DossierUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        sections = given.validated_data.get("form_data", {})
        known = {section["id"] for section in dossier.form_schema["sections"]}
        unknown = sorted(set(sections) - known)
        if unknown:
            raise ValidationError(
                {
                    "form_data": [
                        _("This form has no section “%(section)s”.") % {"section": section}
                        for section in unknown
                    ]
                }
            )
        agency = None
        if "receiving_agency" in given.validated_data:
            agency = Agency.objects.filter(code=given.validated_data["receiving_agency"]).first()
            if agency is None:
                raise ValidationError(
                    {"receiving_agency": [_("There is no agency with this code.")]}
                )
        with transaction.atomic():  # all or nothing: a refused agency does not save the data
            if agency is not None:
                try:
                    services.choose_receiving_agency(dossier, self.citizen, agency)
                except services.Conflict:
                    raise
                except services.DossierError as exc:
                    raise services.DossierError(
                        exc.message, {"receiving_agency": exc.message}
                    ) from exc
            result = services.save_draft(dossier, self.citizen, sections)
        dossier = self.get_dossier(ref)
        return Response(
            self.render_dossier(dossier, DossierUpdateResultSerializer, errors=result.errors)
        )

    @extend_schema(
        operation_id="dossier_delete",
        summary="Delete a draft",
        description="Deletes a draft and its attachments (the files stay in your document store).",
        parameters=[REF],
        responses={204: None, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 409: ERROR_409},
        tags=TAGS,
    )
    def delete(self, request, ref: str):
        services.delete_draft(self.get_dossier(ref), self.citizen)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- documents ----------------------------------------------------------------------------------


class DossierDocumentsView(CitizenAPIView):
    """Attach a document to one of the draft's slots: a new upload or one from the store."""

    parser_classes = [MultiPartParser, JSONParser]

    def initial(self, request, *args, **kwargs):
        """Limit an upload's size before authentication, whose CSRF check of a session reads
        the body (:mod:`dossiers.documents.limits`); who the caller is is checked after, as ever."""
        if request.method == "POST":
            citizen = citizen_of(request._request.user)
            dossier = None
            if citizen is not None:
                with contextlib.suppress(NotFound):
                    dossier = self.get_dossier(kwargs.get("ref", ""), citizen)
            slot_id = request.query_params.get("slot_id", "")
            upload_limits.guard_api(request._request, dossier, slot_id)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="dossier_document_attach",
        summary="Attach a document",
        description=(
            "Either upload a file (multipart/form-data: `slot_id`, `file`) or reuse a file of "
            "your document store (JSON, or a form without a file: `slot_id`, "
            "`stored_document`). An upload is kept in your document store too. Its content must "
            "match its type (PDF, JPEG or PNG as the slot accepts) and respect the slot's size "
            "limit; otherwise 400 says why. A body larger than the slot's limit is refused with "
            "413 before it is read (the largest limit of the draft's slots applies unless the "
            "query names the slot: `?slot_id=`), and reading stops at that limit."
        ),
        parameters=[
            REF,
            OpenApiParameter(
                "slot_id",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="The slot of the upload, so that its own size limit applies "
                "before the body is read.",
            ),
        ],
        request={
            "multipart/form-data": DossierAttachUploadSerializer,
            "application/json": DossierReuseDocumentSerializer,
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
        multipart = request.content_type.startswith("multipart/")
        if multipart and "stored_document" not in request.data:
            upload_limits.refuse_if_stopped(request._request)
            upload = DossierAttachUploadSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            document = uploads.attach_upload(
                dossier,
                self.citizen,
                upload.validated_data["slot_id"],
                upload.validated_data["file"],
            )
        else:
            reuse = DossierReuseDocumentSerializer(data=request.data)
            reuse.is_valid(raise_exception=True)
            try:
                document = uploads.reuse_document(
                    dossier,
                    self.citizen,
                    reuse.validated_data["slot_id"],
                    reuse.validated_data["stored_document"],
                )
            except services.Conflict:
                raise
            except services.DossierError as exc:
                # The services name the store entry "stored"; this API calls it stored_document.
                if "stored" in exc.errors:
                    exc.errors["stored_document"] = exc.errors.pop("stored")
                raise
        data = DossierDocumentSerializer(document, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class DossierDocumentView(CitizenAPIView):
    @extend_schema(
        operation_id="dossier_document_detach",
        summary="Remove a document from a draft",
        description="The file stays in your document store.",
        parameters=[
            REF,
            OpenApiParameter(
                "document_id",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description="`id` of the document in the dossier's `documents`.",
            ),
        ],
        responses={204: None, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 409: ERROR_409},
        tags=TAGS,
    )
    def delete(self, request, ref: str, document_id: int):
        dossier = self.get_dossier(ref)
        if not dossier.documents.filter(pk=document_id).exists():
            raise NotFound(_("This dossier has no such document."))
        uploads.detach(dossier, self.citizen, document_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- submitting and withdrawing -----------------------------------------------------------------


class DossierSubmitView(CitizenAPIView):
    @extend_schema(
        operation_id="dossier_submit",
        summary="Submit a draft",
        description=(
            "Checks everything (form data, required documents, receiving agency, consent), "
            "gives the dossier its code and status 1, and freezes the data. Send a new random "
            "`Idempotency-Key` per submission and the same one when retrying: a retry of a "
            "submission that succeeded gives 200 with the same dossier, never a second one. "
            "The first success is 201. A key already used for another dossier gives 422. "
            "Problems give 400 with `fields` by path (`applicant.phone`, `documents.<slot>`, "
            "`receiving_agency`, `consent`)."
        ),
        parameters=[
            REF,
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
                OpenApiParameter.HEADER,
                required=True,
                description=f"A client-chosen key (e.g. a UUID), at most {IDEMPOTENCY_KEY_MAX} "
                "characters, the same for every retry of one submission.",
            ),
        ],
        request=DossierSubmitSerializer,
        responses={
            200: OpenApiResponse(
                DossierDetailSerializer,
                description="A retry: this key already submitted the dossier.",
            ),
            201: OpenApiResponse(DossierDetailSerializer, description="Submitted."),
            400: ERROR_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409,
            422: OpenApiResponse(
                ErrorSerializer, description="This key was used to submit another dossier."
            ),
        },
        tags=TAGS,
    )
    def post(self, request, ref: str):
        dossier = self.get_dossier(ref)
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key or len(key) > IDEMPOTENCY_KEY_MAX:
            message = _("Send an Idempotency-Key header of at most %(max)s characters.") % {
                "max": IDEMPOTENCY_KEY_MAX
            }
            return error_response(400, message, {IDEMPOTENCY_HEADER: [message]})
        try:
            if services.replay_of(dossier, self.citizen, key):
                return self._submitted(dossier, status.HTTP_200_OK)
            given = DossierSubmitSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            try:
                services.submit(
                    dossier,
                    self.citizen,
                    idempotency_key=key,
                    consent=given.validated_data["consent"],
                )
            except services.Conflict:
                # The same submission sent twice at once: the other request won with this key.
                if services.replay_of(dossier, self.citizen, key):
                    return self._submitted(dossier, status.HTTP_200_OK)
                raise
        except services.KeyReused:
            return error_response(
                status.HTTP_422_UNPROCESSABLE_ENTITY,
                _("This Idempotency-Key was already used to submit another dossier."),
                {IDEMPOTENCY_HEADER: [_("Use a new key for each submission.")]},
            )
        return self._submitted(dossier, status.HTTP_201_CREATED)

    def _submitted(self, dossier: Dossier, code: int) -> Response:
        return Response(self.render_dossier(self.get_dossier(str(dossier.public_id))), status=code)


class DossierWithdrawView(CitizenAPIView):
    @extend_schema(
        operation_id="dossier_withdraw",
        summary="Withdraw a dossier",
        description=(
            "The applicant withdraws a submitted dossier (status 7) while it is newly "
            "registered, accepted, being processed or waiting for a supplement; otherwise 409."
        ),
        parameters=[REF],
        request=DossierWithdrawSerializer,
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
        given = DossierWithdrawSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.withdraw(dossier, self.citizen, given.validated_data["reason"])
        return Response(self.render_dossier(self.get_dossier(ref)))


# --- the document store -------------------------------------------------------------------------


class StoredDocumentListView(CitizenAPIView, ListAPIView):
    """Kho dữ liệu: the citizen's stored documents (uploads and electronic results)."""

    serializer_class = StoredDocumentSerializer
    pagination_class = CheckedPageNumberPagination

    def get_queryset(self) -> QuerySet[StoredDocument]:
        return uploads.stored_documents_of(self.citizen)

    @extend_schema(
        operation_id="document_store_list",
        summary="List my document store",
        description=(
            "Files the citizen uploaded earlier or received as electronic results, newest "
            "first, each content once (the same file uploaded again is the same document). "
            "Reuse one in a dossier by sending its `id` as `stored_document` to "
            "POST /api/v1/dossiers/{ref}/documents/."
        ),
        responses={
            200: StoredDocumentSerializer(many=True),
            400: PAGE_400,
            401: ERROR_401,
            403: ERROR_403,
            404: PAGE_404,
        },
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
