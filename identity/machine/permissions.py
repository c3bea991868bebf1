"""What a machine token allows: each API view that machines may call declares the scopes it
needs in ``required_scopes`` and uses :class:`HasScopes`.

A missing scope is audited once, as ``PERMISSION_DENIED``: ``portal.api.exception_handler``
sends the ``api_request_refused`` signal and ``identity/signals.py`` writes the row.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from .authentication import REALM, machine_principal


class InsufficientScope(exceptions.PermissionDenied):
    """403 for a valid token that lacks a scope the view needs (RFC 6750 §3.1)."""

    default_detail = _("The access token does not grant the scope this resource requires.")
    default_code = "insufficient_scope"

    def __init__(self, missing: list[str]):
        super().__init__()
        self.missing_scopes = missing
        self.auth_header = (
            f'Bearer realm="{REALM}", error="insufficient_scope", scope="{" ".join(missing)}"'
        )


class HasScopes(BasePermission):
    """Machine tokens must carry every scope in the view's ``required_scopes``.

    A request that was not made with a machine token is not allowed by this class (combine with
    ``|`` to let people in too). A token that lacks a scope gets 403 ``insufficient_scope``; the
    refusal is audited once, with the missing scopes, by ``identity/signals.py`` when
    ``portal.api.exception_handler`` sends the ``api_request_refused`` signal.
    """

    def has_permission(self, request, view) -> bool:
        principal = machine_principal(request)
        if principal is None:
            return False
        required = getattr(view, "required_scopes", None)
        if required is None:
            raise ImproperlyConfigured(f"{view.__class__.__name__} declares no required_scopes")
        missing = sorted(set(required) - principal.scopes)
        if missing:
            raise InsufficientScope(missing)
        return True


class IsMachineClient(BasePermission):
    """Any valid machine token, whatever its scopes."""

    def has_permission(self, request, view) -> bool:
        return machine_principal(request) is not None
