"""``POST /api/v1/backoffice/dossiers/{code}/result/``: the leader attaches the result before
approving (an uploaded PDF, multipart, or ``{"render": true}``); then ``approve`` on the
transitions endpoint needs nothing more. The service is :func:`dossiers.results.attach`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers import results
from dossiers.api.schema import ERROR_400, ERROR_413
from dossiers.documents import limits as upload_limits
from dossiers.documents.checks import MB
from dossiers.lifecycle import inbox
from dossiers.models import DossierResult
from portal.api import ErrorSerializer
from portal.input import JSONParser, MultiPartParser

from .api import DOSSIER_ERRORS, BackofficeAPIView, backoffice_exception_handler


class ResultUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The result as a PDF (at most 20 MB), e.g. signed.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)


class ResultRenderSerializer(serializers.Serializer):
    render = serializers.BooleanField(help_text="true: render the result from the template.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)


class DossierResultSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DossierResult
        fields = ["id", "title", "number", "source", "size", "sha256", "created_at",
                  "download_url"]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, result: DossierResult) -> str:
        url = f"/dossiers/{result.dossier.code}/result.pdf"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


@extend_schema(
    summary="Attach the result of a dossier (back office)",
    description=(
        "The agency's leader attaches the result before approving a dossier being processed "
        "(status 4): a PDF (multipart/form-data: `file`, optional `title`), checked like every "
        'upload, or `{"render": true}` to render it from the template with the agency\'s '
        "header. A result attached earlier is replaced. `approve` (POST …/transitions/) is "
        "refused with 400 (`fields.result`) while no result is attached."
    ),
    parameters=[OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)],
    request={
        "multipart/form-data": ResultUploadSerializer,
        "application/json": ResultRenderSerializer,
    },
    responses={
        201: DossierResultSerializer,
        400: ERROR_400,
        409: OpenApiResponse(ErrorSerializer, description="The dossier is not being processed."),
        413: ERROR_413,
        **DOSSIER_ERRORS,
    },
    tags=["backoffice"],
)
class DossierResultView(BackofficeAPIView, APIView):
    parser_classes = [MultiPartParser, JSONParser]

    def get_exception_handler(self):
        return backoffice_exception_handler

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            limit = results.RESULT_MAX_SIZE_MB * MB
            if upload_limits.declared_too_large(request._request, limit):
                raise upload_limits.UploadTooLarge(
                    upload_limits.declared_message(str(results.RESULT_MAX_SIZE_MB))
                )
            upload_limits.guard(request._request, limit, str(results.RESULT_MAX_SIZE_MB))
        super().initial(request, *args, **kwargs)

    def post(self, request, code: str) -> Response:
        dossier = inbox.get_for_official(request.user, code)
        if request.content_type.startswith("multipart/"):
            upload_limits.refuse_if_stopped(request._request)
            given = ResultUploadSerializer(data=request.data)
        else:
            given = ResultRenderSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        choice = results.ResultChoice(
            file=data.get("file"), render=bool(data.get("render")), title=data.get("title", "")
        )
        try:
            result = results.attach(dossier, request.user, choice)
        except results.DossierError as refused:
            if "result_file" in refused.errors:
                refused.errors["file"] = refused.errors.pop("result_file")
            raise
        body = DossierResultSerializer(result, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)
