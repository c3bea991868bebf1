"""Who may call the dossier API, and the view every endpoint extends.

Only a citizen signed in with VNeID (a session) may call it; officials and machine clients get
403. Every dossier is looked up among the caller's own, so another person's dossier is "not
found" (404), never "forbidden": the answer must not confirm that it exists.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from identity.citizens import citizen_of
from identity.machine import MachineTokenAuthentication, machine_principal
from identity.models import Citizen
from portal.privacy import PersonalDataMixin

from .. import services
from ..models import Dossier
from ..serializers import DossierDetailSerializer
from .errors import dossier_exception_handler
from .schema import CitizenSchema


class IsCitizen(BasePermission):
    """A person signed in with VNeID: not an official without a citizen profile, no machine."""

    def has_permission(self, request, view) -> bool:
        # citizen_of() expects a Django user; a machine principal is not one.
        return machine_principal(request) is None and citizen_of(request.user) is not None


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

    def get_dossier(self, ref: str, citizen: Citizen | None = None) -> Dossier:
        """The caller's dossier by code or public_id; anything else is 404."""
        citizen = citizen or self.citizen
        try:
            public_id = uuid.UUID(ref)
        except ValueError:
            public_id = None
        try:
            # PostgreSQL refuses NUL in text parameters; no code contains one.
            if public_id is None and "\x00" in ref:
                raise Dossier.DoesNotExist
            if public_id is not None:
                return services.get_for_citizen(citizen, public_id=public_id)
            return services.get_for_citizen(citizen, code=ref)
        except Dossier.DoesNotExist:
            raise NotFound(_("You have no dossier with this code.")) from None

    def render_dossier(self, dossier: Dossier, serializer=DossierDetailSerializer, **context: Any):
        return serializer(dossier, context={"request": self.request, **context}).data
