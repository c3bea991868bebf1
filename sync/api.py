"""``GET /api/sync/v1/changes``: the change feed for the national portal (machine clients with
the ``sync:read`` scope). The logic is :mod:`sync.feed`; this view checks the caller and the
query, and writes the page (already JSON text) as it is."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from identity.machine import HasScopes, MachineTokenAuthentication, machine_principal
from portal.api import ErrorSerializer

from . import feed


class ChangesQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=feed.MAX_LIMIT, default=feed.DEFAULT_LIMIT
    )


class ChangeSerializer(serializers.Serializer):
    """One change record (the envelope of NATPORTAL_PROTOCOL.md)."""

    dossier_code = serializers.CharField(help_text="The dossier code (MaHoSo).")
    version = serializers.IntegerField(
        help_text="1, 2, 3… per dossier over both kinds, without gaps: the idempotency key with "
        "the dossier code."
    )
    kind = serializers.ChoiceField(choices=["dossier", "progress"])
    recorded_at = serializers.DateTimeField(help_text="When the change happened (+07:00).")
    payload = serializers.DictField(
        help_text="`dossier`: DongBoHoSoMC (docs/schemas/dong-bo-ho-so-mc.json); `progress`: "
        "CapNhatTienDoHoSoMC (docs/schemas/cap-nhat-tien-do-ho-so-mc.json)."
    )


class ChangesPageSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True)
    next_cursor = serializers.CharField(
        help_text="Send it back as `cursor` next time, even when `changes` is empty."
    )
    has_more = serializers.BooleanField(help_text="More changes are ready: ask again at once.")


@extend_schema(
    summary="Read the change feed",
    description=(
        "Every change of every dossier (submissions, status changes, hand-offs, moved due dates, "
        "results) in one total order. Start without `cursor`, then send the `next_cursor` of the "
        "previous answer. A change committed late by a transaction that started early is never "
        "skipped: the feed holds back changes of transactions still running. Needs a machine "
        "token with the `sync:read` scope."
    ),
    parameters=[
        OpenApiParameter(
            "cursor", str, description="The `next_cursor` of the previous page; empty: start."
        ),
        OpenApiParameter(
            "limit",
            int,
            description=f"Changes per page, 1 to {feed.MAX_LIMIT} (default {feed.DEFAULT_LIMIT}).",
        ),
    ],
    responses={
        200: ChangesPageSerializer,
        400: OpenApiResponse(ErrorSerializer, description="Malformed `cursor` or `limit`."),
        401: OpenApiResponse(
            ErrorSerializer, description="No token, or an invalid or expired one."
        ),
        403: OpenApiResponse(ErrorSerializer, description="The token lacks the `sync:read` scope."),
    },
    tags=["sync"],
)
class ChangesView(APIView):
    """Danh sách thay đổi hồ sơ (the change feed)."""

    authentication_classes = [MachineTokenAuthentication]
    permission_classes = [HasScopes]
    required_scopes = ["sync:read"]

    def get(self, request):
        query = ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            after = feed.parse_cursor(query.validated_data.get("cursor"))
        except feed.BadCursor:
            raise ValidationError({"cursor": [feed.BadCursor.message]}) from None
        page = feed.read(after, query.validated_data["limit"])
        feed.remember(machine_principal(request).client, page)
        response = HttpResponse(page.json(), content_type="application/json")
        response["Cache-Control"] = "no-store"
        return response
