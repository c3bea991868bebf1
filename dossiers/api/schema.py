"""What the OpenAPI document says about the dossier API: its tag, the ``ref`` parameter, the
error answers it documents, and the schema class that documents the session only."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from portal.api import ErrorSerializer


class CitizenSchema(AutoSchema):
    """Documents the session only: machine tokens are recognised here just to be refused."""

    def get_auth(self):
        return [item for item in super().get_auth() if "machineToken" not in item]


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
