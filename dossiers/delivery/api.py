"""``POST /api/v1/delivery/postal/reports``: the postal service reports a shipment delivered or
returned. No session or token: the report is authenticated by its HMAC signature (the postal
transport plugin checks it); a forged or replayed report is refused with 403."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import ErrorSerializer

from . import services
from .models import Delivery
from .postal.base import ForgedReport
from .postal.registry import active_transport


class RawJSONParser(BaseParser):
    """The body as bytes: the signature covers the exact bytes sent."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


ReportSerializer = inline_serializer(
    "PostalReport",
    {
        "event_id": serializers.CharField(help_text="Unique per report; a repeat is ignored."),
        "tracking_number": serializers.CharField(),
        "status": serializers.CharField(help_text='"delivered" or "returned".'),
        "at": serializers.DateTimeField(),
        "reason": serializers.CharField(required=False, help_text="Why it was returned."),
    },
)


class PostalReportView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]  # authenticated by the report's signature, below
    parser_classes = [RawJSONParser]

    @extend_schema(
        operation_id="delivery_postal_report",
        summary="A postal service reports a shipment delivered or returned",
        request=ReportSerializer,
        parameters=[
            OpenApiParameter(
                "X-Post-Timestamp",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Unix time of the report, in seconds.",
            ),
            OpenApiParameter(
                "X-Post-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Hex HMAC-SHA256 of '<timestamp>.<body>' under the shared secret.",
            ),
        ],  # fmt: skip
        responses={
            200: inline_serializer("PostalReportAnswer", {"state": serializers.CharField()}),
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
        tags=["delivery"],
    )
    def post(self, request):
        body = request.data if isinstance(request.data, bytes) else b""
        try:
            report = active_transport().read_report(body, request.headers)
        except ForgedReport:
            raise exceptions.PermissionDenied(
                _("The report's signature is not valid: it is refused.")
            ) from None
        try:
            delivery = services.record_report(report)
        except Delivery.DoesNotExist:
            raise exceptions.NotFound(_("No shipment has this tracking number.")) from None
        return Response({"state": delivery.state})
