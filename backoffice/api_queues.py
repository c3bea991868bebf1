"""Back-office API of the work queues: the inbox with its queues, filters and counts, and taking
or giving back a dossier's open workflow step (claim / release).

The queues are :mod:`workflow.queues`' (the inbox page reads the same), claiming is
:mod:`workflow.routing`'s; these views validate the query or the path and answer.

The inbox's rows are written as plain dicts (:func:`queue_rows`), the shape
:class:`QueueRowSerializer` documents (the schema is still generated from it): a DRF
serializer costs its fields' lookups and checks on every row, and the status label's
``get_status_display`` a translation per choice of the field.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers.api.errors import error_response
from dossiers.api.schema import ERROR_400
from dossiers.lifecycle import inbox
from dossiers.lifecycle.table import available
from dossiers.models import Dossier, Status
from dossiers.serializers import STATUS_HELP
from portal.api import ErrorSerializer
from portal.pagination import CheckedPageNumberPagination
from workflow import queues, routing
from workflow.models import ProcessStep

from .api import (
    DOSSIER_ERRORS,
    BackofficeAPIView,
    DossierRowSerializer,
    backoffice_exception_handler,
)
from .views_inbox import CountedPaginator


class ProcessStepSerializer(serializers.ModelSerializer):
    """One row of the process-control record (Mẫu 06): a hand-off of the dossier to a step."""

    handed_over_by = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="Code of the unit handing over."
    )
    handed_to = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="Code of the unit receiving (its queue)."
    )
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="The official handling the step; null: in the unit's shared queue.",
    )

    class Meta:
        model = ProcessStep
        fields = [
            "order",
            "name",
            "role",
            "handed_over_by",
            "handed_to",
            "handed_over_at",
            "deadline",
            "finished_at",
            "result",
            "assignee",
            "note",
        ]
        read_only_fields = fields


class QueueRowSerializer(DossierRowSerializer):
    """A dossier of a queue, with its open workflow step (null before routing or after it)."""

    step = serializers.SerializerMethodField(help_text="The dossier's open workflow step.")

    class Meta(DossierRowSerializer.Meta):
        fields = [*DossierRowSerializer.Meta.fields, "step"]
        read_only_fields = fields

    @extend_schema_field(ProcessStepSerializer(allow_null=True))
    def get_step(self, dossier) -> dict | None:
        """The schema's description of the step; the inbox writes its rows itself
        (:func:`queue_rows`)."""
        step = self.context.get("steps", {}).get(dossier.pk)
        return ProcessStepSerializer(step).data if step is not None else None


class InboxQuerySerializer(serializers.Serializer):
    queue = serializers.ChoiceField(
        choices=[queues.ALL, *queues.QUEUES],
        required=False,
        default=queues.ALL,
        help_text="`all` (default): every dossier your roles act on and your steps; `mine`: "
        "the steps assigned to you and, at the desk, the desk's work; `department`: the "
        "shared queue of your units for your roles; `agency`: every unfinished dossier of "
        "the agencies you lead (empty for other roles).",
    )
    status = serializers.ChoiceField(
        choices=[s for s in Status.values if s], required=False, help_text=STATUS_HELP
    )
    procedure = serializers.CharField(
        required=False, max_length=20, help_text="National procedure code, e.g. 1.000894."
    )
    step = serializers.CharField(
        required=False, max_length=255, help_text="The open workflow step's name."
    )
    due = serializers.ChoiceField(
        choices=list(queues.DUE_CHOICES),
        required=False,
        help_text="`overdue` (past the due date), `soon` (due within one working day of the "
        "agency's calendar) or `in_time`; dossiers without a due date match none.",
    )


class QueueCountsSerializer(serializers.Serializer):
    all = serializers.IntegerField()
    mine = serializers.IntegerField()
    department = serializers.IntegerField()
    agency = serializers.IntegerField()


class InboxPagination(CheckedPageNumberPagination):
    """Pages of a queue, with the counts of every queue under the same filters."""

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        response.data["counts"] = self.counts
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["counts"] = {
            "type": "object",
            "description": "How many dossiers each queue holds with the same filters.",
            "properties": {key: {"type": "integer"} for key in (queues.ALL, *queues.QUEUES)},
            "required": [queues.ALL, *queues.QUEUES],
        }
        answer["required"] = [*answer.get("required", []), "counts"]
        return answer


@extend_schema(
    summary="List my inbox (back office)",
    description=(
        "One of the official's work queues, most urgent first (overdue, then the nearest due "
        "dates, then those without one), each dossier with its open workflow step and the "
        "actions the official may take now; `counts` says how many each queue holds with the "
        "same filters. A filter value outside its list is 400."
    ),
    parameters=[InboxQuerySerializer],
    responses={200: QueueRowSerializer(many=True), 400: ERROR_400, **DOSSIER_ERRORS},
    tags=["backoffice"],
)
class DossierInboxView(BackofficeAPIView, ListAPIView):
    serializer_class = QueueRowSerializer
    pagination_class = InboxPagination

    def list(self, request, *args, **kwargs) -> Response:
        given = InboxQuerySerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        asked = given.validated_data
        queue = asked["queue"]
        filters = queues.Filters(
            asked.get("procedure"), asked.get("status"), asked.get("step"), asked.get("due")
        )
        self.scope = queues.scope_of(request.user)
        now = timezone.now()
        counts = queues.counts(self.scope, filters, now)
        per_queue = counts.per_queue(filters.procedure, filters.status)
        self.paginator.counts = per_queue
        self.paginator.django_paginator_class = functools.partial(
            CountedPaginator, total=per_queue[queue]
        )
        page = self.paginate_queryset(queues.dossiers(self.scope, queue, filters, now, counts))
        in_workflow = [d.pk for d in page if d.status in queues.IN_WORKFLOW]
        steps = queues.open_steps(in_workflow) if in_workflow else {}
        return self.get_paginated_response(queue_rows(page, steps, self.scope.held))


def queue_rows(
    page: list[Dossier], steps: dict[int, ProcessStep], held: dict[int, frozenset[str]]
) -> list[dict[str, Any]]:
    """The page's rows as :class:`QueueRowSerializer` writes them (``held``: the official's
    roles by agency, for the actions), each date and label converted once per page."""
    moment = serializers.DateTimeField()
    dates: dict[datetime.datetime, str] = {}

    def when(value: datetime.datetime | None) -> str | None:
        if value is None:
            return None
        if value not in dates:
            dates[value] = moment.to_representation(value)
        return dates[value]

    labels: dict[int, str] = {}
    rows = []
    for d in page:
        if d.status not in labels:
            labels[d.status] = str(Status(d.status).label)
        step = steps.get(d.pk)
        rows.append(
            {
                "code": d.code,
                "status": d.status,
                "status_label": labels[d.status],
                "procedure": {"code": d.procedure.national_code, "name": d.procedure.name},
                "receiving_agency": d.receiving_agency.code if d.receiving_agency_id else None,
                "applicant_name": d.applicant.full_name,
                "summary": d.summary,
                "submitted_at": when(d.submitted_at),
                "accepted_at": when(d.accepted_at),
                "due_at": when(d.due_at),
                "original_due_at": when(d.original_due_at),
                "extended": d.extended,
                "supplement_count": d.supplement_count,
                "revision": d.revision,
                "actions": available(d, held.get(d.receiving_agency_id, frozenset())),
                "step": _step_row(step, when) if step is not None else None,
            }
        )
    return rows


def _step_row(step: ProcessStep, when) -> dict[str, Any]:
    """An open step as :class:`ProcessStepSerializer` writes it."""
    return {
        "order": step.order,
        "name": step.name,
        "role": step.role,
        "handed_over_by": step.handed_over_by.code if step.handed_over_by_id else None,
        "handed_to": step.handed_to.code if step.handed_to_id else None,
        "handed_over_at": when(step.handed_over_at),
        "deadline": when(step.deadline),
        "finished_at": when(step.finished_at),
        "result": step.result,
        "assignee": step.assignee.username if step.assignee_id else None,
        "note": step.note,
    }


def steps_exception_handler(exc: Exception, context: dict):
    """As the transitions: another unit's step is "not found", like another agency's dossier."""
    if isinstance(exc, ProcessStep.DoesNotExist):
        return error_response(404, _("No such dossier in your agencies."))
    return backoffice_exception_handler(exc, context)


STEP_RESPONSES = {
    200: ProcessStepSerializer,
    409: OpenApiResponse(
        ErrorSerializer,
        description="Another official holds the step, it is finished, or the dossier has no "
        "open step (not routed yet, or past its workflow).",
    ),
    **DOSSIER_ERRORS,
}


class StepView(BackofficeAPIView, APIView):
    service = staticmethod(routing.claim_current)

    def get_exception_handler(self):
        return steps_exception_handler

    def post(self, request, code: str) -> Response:
        dossier = inbox.get_for_official(request.user, code)
        return Response(ProcessStepSerializer(self.service(dossier, request.user)).data)


CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)


@extend_schema(
    summary="Take the dossier's open step (back office)",
    description=(
        "Takes the dossier's open workflow step out of the unit's shared queue: it becomes "
        "yours (taking your own step again changes nothing). Only an official of the step's "
        "unit holding the step's role may (403); another agency's dossier or another unit's "
        "step is 404; a step held by someone else or finished is 409."
    ),
    parameters=[CODE],
    request=None,
    responses=STEP_RESPONSES,
    tags=["backoffice"],
)
class ClaimStepView(StepView):
    service = staticmethod(routing.claim_current)


@extend_schema(
    summary="Give the dossier's open step back (back office)",
    description=(
        "Puts your open step back in the unit's shared queue. A step held by someone else "
        "is 409; the other answers as for taking it."
    ),
    parameters=[CODE],
    request=None,
    responses=STEP_RESPONSES,
    tags=["backoffice"],
)
class ReleaseStepView(StepView):
    service = staticmethod(routing.release_current)
