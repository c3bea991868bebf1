"""Dossier REST API for citizens' apps (``/api/v1/dossiers/``).

Only a citizen signed in with VNeID (a session) may call it; officials and machine clients get
403. Every dossier is looked up among the caller's own, so another person's dossier is "not
found" (404), never "forbidden": the answer must not confirm that it exists.

A dossier is addressed by one ``ref``: its code once submitted, or its ``public_id`` (a UUID,
the only id a draft has, and still valid after submission). The views validate the shape of a
request, call one function of :mod:`dossiers.services` or :mod:`dossiers.uploads`, and render;
a refusal of the rules (:class:`~dossiers.services.DossierError`) becomes 400, a dossier no
longer in the expected state (:class:`~dossiers.services.Conflict`) 409, both in the portal's
error shape ``{"error": {"status", "detail", "fields"}}`` with the services' messages.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.citizens import assurance_problem, citizen_of
from identity.machine import MachineTokenAuthentication, machine_principal
from identity.models import Citizen
from portal.api import ErrorSerializer
from portal.api import exception_handler as portal_exception_handler
from portal.errors import error_body
from portal.input import JSONParser, MultiPartParser
from portal.pagination import CheckedPageNumberPagination
from portal.privacy import PersonalDataMixin
from procedures.models import Agency, Procedure
from procedures.services import find_procedure

from .. import services, uploads
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

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 64


# --- errors and access --------------------------------------------------------------------------


def error_response(status_code: int, detail: str, fields: dict[str, Any] | None = None):
    """A response in the shared error shape (``portal.api.exception_handler``)."""
    return Response(error_body(status_code, detail, fields), status=status_code)


def dossier_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The services' refusals in the shared shape; everything else as every API does it.

    ``fields`` holds the services' errors by path (``applicant.phone``, ``documents.doc-1``,
    ``consent``), each as a one-message list like every other field error of the API.
    """
    if isinstance(exc, services.DraftNotFound):  # deleted by another request meanwhile
        return error_response(status.HTTP_404_NOT_FOUND, exc.message)
    if isinstance(exc, services.DossierError):
        code = status.HTTP_409_CONFLICT if isinstance(exc, services.Conflict) else 400
        fields = {path: [message] for path, message in exc.errors.items()}
        return error_response(code, exc.message, fields)
    if isinstance(exc, Dossier.DoesNotExist):  # deleted by another request meanwhile
        return error_response(status.HTTP_404_NOT_FOUND, _("You have no dossier with this code."))
    return portal_exception_handler(exc, context)


class IsCitizen(BasePermission):
    """A person signed in with VNeID: not an official without a citizen profile, no machine."""

    def has_permission(self, request, view) -> bool:
        # citizen_of() expects a Django user; a machine principal is not one.
        return machine_principal(request) is None and citizen_of(request.user) is not None


class CitizenSchema(AutoSchema):
    """Documents the session only: machine tokens are recognised here just to be refused."""

    def get_auth(self):
        return [item for item in super().get_auth() if "machineToken" not in item]


class CitizenAPIView(PersonalDataMixin, APIView):
    # Session first: an anonymous caller gets DRF's 403. The bearer class is listed so that a
    # machine token is recognised (and refused by IsCitizen) rather than ignored.
    authentication_classes = [SessionAuthentication, MachineTokenAuthentication]
    permission_classes = [IsCitizen]
    schema = CitizenSchema()

    def get_exception_handler(self):
        return dossier_exception_handler

    @property
    def citizen(self) -> Citizen:
        citizen = citizen_of(self.request.user)
        if citizen is None:  # IsCitizen refuses such requests before any handler runs
            raise PermissionDenied()
        return citizen

    def get_dossier(self, ref: str) -> Dossier:
        """The caller's dossier by code or public_id; anything else is 404."""
        try:
            public_id = uuid.UUID(ref)
        except ValueError:
            public_id = None
        try:
            # PostgreSQL refuses NUL in text parameters; no code contains one.
            if public_id is None and "\x00" in ref:
                raise Dossier.DoesNotExist
            if public_id is not None:
                return services.get_for_citizen(self.citizen, public_id=public_id)
            return services.get_for_citizen(self.citizen, code=ref)
        except Dossier.DoesNotExist:
            raise NotFound(_("You have no dossier with this code.")) from None

    def render_dossier(self, dossier: Dossier, serializer=DossierDetailSerializer, **context: Any):
        return serializer(dossier, context={"request": self.request, **context}).data


# --- documentation helpers ----------------------------------------------------------------------

TAGS = ["dossiers"]
REF = OpenApiParameter(
    "ref",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=(
        "The dossier code (H29.26743-250301-0001) of a submitted dossier, or the public_id "
        "(UUID) of any of your dossiers, drafts included."
    ),
)
ERROR_400 = OpenApiResponse(
    ErrorSerializer,
    description="The request is not valid; `fields` names the problems by field or path.",
)
ERROR_403 = OpenApiResponse(
    ErrorSerializer,
    description=(
        "Not signed in as a citizen: anonymous callers, officials and machine clients. "
        "Unsafe methods also need the session's CSRF token (X-CSRFToken header)."
    ),
)
ERROR_401 = OpenApiResponse(
    ErrorSerializer,
    description="A bearer token was sent and is invalid or expired (machine tokens are refused "
    "here in any case: see 403).",
)
ERROR_404 = OpenApiResponse(
    ErrorSerializer,
    description="You have no dossier with this code or id (another person's dossier included).",
)
ERROR_413 = OpenApiResponse(
    ErrorSerializer, description="The request body is larger than the upload limit."
)
PAGE_400 = OpenApiResponse(ErrorSerializer, description="`page` is not a number from 1 to 100000.")
PAGE_404 = OpenApiResponse(ErrorSerializer, description="No such page (past the last one).")
ERROR_409 = OpenApiResponse(
    ErrorSerializer,
    description="The dossier is no longer in a state that allows this (e.g. already submitted).",
)


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
        return Response(self.render_dossier(self.get_dossier(ref)))

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

    @extend_schema(
        operation_id="dossier_document_attach",
        summary="Attach a document",
        description=(
            "Either upload a file (multipart/form-data: `slot_id`, `file`) or reuse a file of "
            "your document store (JSON, or a form without a file: `slot_id`, "
            "`stored_document`). An upload is kept in your document store too. Its content must "
            "match its type (PDF, JPEG or PNG as the slot accepts) and respect the slot's size "
            "limit; otherwise 400 says why."
        ),
        parameters=[REF],
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
            "first. Reuse one in a dossier by sending its `id` as `stored_document` to "
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
