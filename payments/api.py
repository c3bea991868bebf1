"""The gateway's server-to-server notification (IPN): ``/api/v1/payments/<gateway>/ipn``.

No user signs in here: the gateway's signature is the proof (checked first, ``97`` otherwise).
The answer is always HTTP 200 with the gateway's own JSON (``{"RspCode": …, "Message": …}``),
as the protocol requires; the code says what happened (:mod:`payments.services`).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import registry, services

IpnAnswer = inline_serializer(
    "PaymentNotificationAnswer",
    fields={
        "RspCode": serializers.CharField(
            help_text="00 recorded; 02 already confirmed; 04 wrong amount; 01 unknown order; "
            "97 bad signature; 99 other error"
        ),
        "Message": serializers.CharField(),
    },
)


class PaymentNotification(APIView):
    """IPN of a payment gateway (VNPay protocol 2.1.0 for ``vnpay``)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="payments_ipn",
        summary="Payment gateway notification (IPN)",
        description=(
            "Called by the payment gateway, server to server, with the signed result of a "
            "payment as query parameters (vnp_TxnRef, vnp_Amount in VND×100, vnp_ResponseCode, "
            "vnp_TransactionStatus, vnp_TransactionNo, vnp_PayDate, vnp_SecureHash, …). Checks "
            "in order: signature (97), order (01), amount (04), already confirmed (02), then "
            "records the payment (00); 99 for anything else. Always HTTP 200."
        ),
        parameters=[
            OpenApiParameter("gateway", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["vnpay"]),
        ],
        responses={200: IpnAnswer},
        tags=["payments"],
    )
    def get(self, request: Request, gateway: str) -> Response:
        if gateway not in registry.gateways:
            raise Http404
        plugin = registry.gateways[gateway]
        outcome = services.record_notification(request.query_params.dict(), plugin.identifier)
        return Response(plugin.answer_notification(outcome))
