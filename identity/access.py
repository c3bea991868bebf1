"""Who may do what in the back office: the single place for officials' authorization.

Rules (phân quyền theo đơn vị):

- An official is a user with at least one :class:`~identity.models.StaffRole` (or a superuser)
  who signed in with password **and** a TOTP code. A citizen (a user with a ``Citizen`` profile)
  is never an official, whatever roles someone gave the account.
- An official sees the agencies of their roles and the divisions of those agencies. A city
  administrator (role ``city_admin``) and a superuser see every agency.
- An agency the official may not see answers 404, exactly like one that does not exist, so the
  back office never confirms that another agency's objects exist. Refusals are audited.

Later features (dossiers) reuse :func:`agency_ids_for` to filter their querysets, the
:func:`official_required` decorator for pages, and :class:`IsVerifiedOfficial` with
:class:`AgencyScopedMixin` for the API.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from procedures.models import Agency

from . import audit
from .models import Role, StaffRole

logger = logging.getLogger("portal.audit")

# Roles that see every agency of the city.
CITYWIDE_ROLES: frozenset[str] = frozenset({Role.CITY_ADMIN})

# The staff roles read during the current request, by user id (None outside a request: every
# call reads them again). One request asks "official? city administrator? which roles?" several
# times (the permission, the dossier lookup, the transition, the answer's actions); they are
# read once. Set by :class:`identity.middleware.AccessMemoMiddleware`; a role granted or removed
# in the request forgets the user's entry.
_roles_read: ContextVar[dict[int, tuple] | None] = ContextVar("staff_roles_read", default=None)

StaffRow = tuple[int, int | None, str]  # agency id, division id, role


def remembering_roles() -> Callable[[], None]:
    """Start remembering staff roles for the current request; call the answer to stop."""
    token = _roles_read.set({})
    return lambda: _roles_read.reset(token)


def staff_rows(user: Any) -> tuple[StaffRow, ...]:
    """``(agency id, division id, role)`` of each staff role of ``user`` (one query per
    request at most; none for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return ()
    read = _roles_read.get()
    if read is not None and user.pk in read:
        return read[user.pk]
    rows = tuple(
        StaffRole.objects.filter(user_id=user.pk).values_list("agency_id", "division_id", "role")
    )
    if read is not None:
        read[user.pk] = rows
    return rows


def _forget(user_id: int) -> None:
    read = _roles_read.get()
    if read is not None:
        read.pop(user_id, None)


# --- Who is an official ----------------------------------------------------------------------


def is_citizen(user: Any) -> bool:
    """The account belongs to a citizen (it has a VNeID profile)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return hasattr(user, "citizen")


def citizen_login_redirect(request: HttpRequest) -> HttpResponse:
    """Send an anonymous visitor of a citizen's page to the VNeID login, coming back here after.

    Every citizen page uses this one answer, so they all come back to the same place (the full
    path, query included); the login view checks that ``next`` stays on this site.
    """
    query = urlencode({"next": request.get_full_path()})
    return redirect(f"{reverse('citizen:vneid-login')}?{query}")


def is_verified(user: Any) -> bool:
    """The user passed the second factor in this session (django-otp's ``is_verified``)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def roles_of(user: Any) -> QuerySet[StaffRole]:
    """The user's staff roles with their agency and division (none for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return StaffRole.objects.none()
    return (
        StaffRole.objects.filter(user_id=user.pk)
        .select_related("agency", "agency__parent", "division")
        .order_by("agency__code", "role")
    )


def is_official(user: Any) -> bool:
    """May use the back office (before the second factor is checked)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_citizen(user):
        return False
    return bool(user.is_superuser or staff_rows(user))


def is_city_admin(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or is_citizen(user):
        return False
    return bool(user.is_superuser or any(r in CITYWIDE_ROLES for _a, _d, r in staff_rows(user)))


# --- Which agencies --------------------------------------------------------------------------


def agency_ids_for(user: Any, roles: Iterable[str] | None = None) -> QuerySet:
    """Ids of the agencies ``user`` may work in, as a lazy queryset usable in ``__in`` filters.

    ``roles`` limits the answer to agencies where the user holds one of those roles (e.g. only
    ``agency_admin`` for staff management). A city administrator or superuser gets every agency
    whatever ``roles`` says. An agency brings its divisions along: an official of Sở Tư pháp
    also works in its Phòng Hành chính tư pháp.
    """
    if not getattr(user, "is_authenticated", False) or is_citizen(user):
        return Agency.objects.none().values_list("id", flat=True)
    if is_city_admin(user):
        return Agency.objects.values_list("id", flat=True)
    held = StaffRole.objects.filter(user_id=user.pk)
    if roles is not None:
        held = held.filter(role__in=list(roles))
    own = held.values("agency_id")
    return Agency.objects.filter(
        Q(id__in=own) | Q(parent_id__in=own, level=Agency.Level.DIVISION)
    ).values_list("id", flat=True)


def roles_by_agency(user: Any) -> dict[int, frozenset[str]]:
    """``{agency id: roles}`` the user holds, for the dossier state machine's role check.

    Seeing an agency (:func:`agency_ids_for`) is not acting in it: a city administrator sees
    every agency but holds only the roles given to them. Citizens and anonymous users hold none.
    """
    if not getattr(user, "is_authenticated", False) or is_citizen(user) or not user.is_active:
        return {}
    held: dict[int, set[str]] = {}
    for agency_id, _division_id, role in staff_rows(user):
        held.setdefault(agency_id, set()).add(role)
    return {agency_id: frozenset(roles) for agency_id, roles in held.items()}


def roles_in(user: Any, agency: Agency) -> frozenset[str]:
    """The roles ``user`` holds in ``agency``; a division counts as its parent agency, as in
    :func:`agency_ids_for`."""
    held = roles_by_agency(user)
    roles = held.get(agency.pk, frozenset())
    if agency.level == Agency.Level.DIVISION and agency.parent_id:
        roles |= held.get(agency.parent_id, frozenset())
    return roles


def can_access_agency(user: Any, agency: Agency, roles: Iterable[str] | None = None) -> bool:
    """``agency`` is one of :func:`agency_ids_for` (the same rule, read from the staff roles
    without another query)."""
    if not getattr(user, "is_authenticated", False) or is_citizen(user):
        return False
    if is_city_admin(user):
        return True
    wanted = None if roles is None else frozenset(roles)
    own = {a for a, _division, role in staff_rows(user) if wanted is None or role in wanted}
    if agency.pk in own:
        return True
    return agency.level == Agency.Level.DIVISION and agency.parent_id in own


def can_manage_staff(user: Any, agency: Agency) -> bool:
    """Agency administrators manage their agency's roles; city administrators any agency's."""
    return can_access_agency(user, agency, roles=[Role.AGENCY_ADMIN])


def may_revoke_result(user: Any, agency: Agency) -> bool:
    """Revoke a signed result of ``agency`` (thu hồi kết quả): its leader or administrator, or a
    city administrator."""
    return can_access_agency(user, agency, roles=[Role.LEADER, Role.AGENCY_ADMIN])


def may_read_agency_reports(user: Any, agency: Agency) -> bool:
    """The agency's registers and ratings (Mẫu 07, satisfaction): any of its officials, or a
    city administrator."""
    return can_access_agency(user, agency)


def staff_of(agency: Agency) -> QuerySet[StaffRole]:
    """The roles held in ``agency`` or in one of its divisions, with user and division."""
    return (
        StaffRole.objects.filter(Q(agency=agency) | Q(division=agency))
        .select_related("user", "agency", "division")
        .order_by("user__username", "role")
    )


def scope_to_agencies(
    queryset: QuerySet, user: Any, field: str = "agency", roles: Iterable[str] | None = None
) -> QuerySet:
    """Keep only the rows whose ``field`` (an Agency foreign key path) the user may see."""
    return queryset.filter(**{f"{field}__in": agency_ids_for(user, roles)})


# --- Refusing ----------------------------------------------------------------------------------


def deny(request: HttpRequest, reason: str, **detail: Any) -> None:
    """Write the audit row of a refused back-office request."""
    audit.record(
        audit.Action.PERMISSION_DENIED,
        request=request,
        detail={"reason": reason, **{key: str(value)[:100] for key, value in detail.items()}},
    )


def forbidden_page(request: HttpRequest, reason: str, **detail: Any) -> HttpResponse:
    """Audit the refusal and answer with the back office's 403 page."""
    deny(request, reason, **detail)
    return render(request, "backoffice/forbidden.html", status=403)


def get_agency_or_404_for(
    user: Any,
    code: str,
    *,
    request: HttpRequest | None = None,
    roles: Iterable[str] | None = None,
) -> Agency:
    """The agency with ``code`` if ``user`` may see it; otherwise 404 (audited when a request
    is given), whether or not the agency exists."""
    agency = (
        Agency.objects.filter(code=code, id__in=agency_ids_for(user, roles))
        .select_related("parent")
        .first()
        if "\x00" not in code
        else None
    )
    if agency is None:
        if request is not None:
            deny(request, "agency", agency=code)
        raise Http404(_("No such agency."))
    return agency


def official_required(
    view: Callable | None = None, *, roles: Iterable[str] | None = None
) -> Callable:
    """Decorate a back-office page.

    Anonymous → the login page (with ``next``). Citizen, or a user without a staff role (or
    without one of ``roles`` when given) → 403 page and an audit row. Password but no second
    factor in this session → the login page.
    """
    wanted = frozenset(roles) if roles is not None else None

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if is_citizen(user):
                return forbidden_page(request, "citizen")
            if not is_official(user):
                return forbidden_page(request, "not_official")
            if not is_verified(user):
                return redirect_to_login(request.get_full_path())
            if (
                wanted is not None
                and not user.is_superuser
                and not any(r in wanted | CITYWIDE_ROLES for _a, _d, r in staff_rows(user))
            ):
                return forbidden_page(request, "role", roles=",".join(sorted(wanted)))
            return func(request, *args, **kwargs)

        return wrapper

    if view is not None:
        return decorator(view)
    return decorator


# --- REST API ----------------------------------------------------------------------------------


class IsVerifiedOfficial(BasePermission):
    """An official who passed the second factor. Anonymous → 401/403 by DRF; a citizen or a
    user without a staff role → 403, audited."""

    message = "Only officials signed in with a one-time code may use this endpoint."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if is_citizen(user):
            deny(request._request, "citizen")
            return False
        if not is_official(user):
            deny(request._request, "not_official")
            return False
        if not is_verified(user):
            deny(request._request, "not_verified")
            return False
        return True


class AgencyScopedMixin:
    """For DRF generic views over agency-scoped objects: rows of other agencies are filtered
    out of the queryset, so lists never show them and a detail answers 404.

    Set ``agency_field`` to the path of the Agency foreign key on the model (``"pk"``-like
    paths such as ``"id"`` work for the Agency model itself).
    """

    agency_field = "agency"
    agency_roles: Iterable[str] | None = None

    def get_queryset(self):
        queryset = super().get_queryset()  # type: ignore[misc]
        user = self.request.user  # type: ignore[attr-defined]
        return scope_to_agencies(queryset, user, self.agency_field, self.agency_roles)

    def get_object(self):
        try:
            return super().get_object()  # type: ignore[misc]
        except Http404:
            lookup = self.lookup_url_kwarg or self.lookup_field  # type: ignore[attr-defined]
            request = self.request._request  # type: ignore[attr-defined]
            value = self.kwargs.get(lookup, "")  # type: ignore[attr-defined]
            model = self.get_queryset().model._meta.label  # type: ignore[misc]
            deny(request, "agency_scope", model=model, **{lookup: value})
            raise


# --- Staff management (services) ----------------------------------------------------------------


class StaffChangeRefused(Exception):
    """A role change the acting official may not make; the message is for the user."""


@transaction.atomic
def grant_role(
    actor: Any,
    *,
    agency: Agency,
    user: Any,
    role: str,
    division: Agency | None = None,
    title: str = "",
) -> StaffRole:
    """Give ``user`` a role in ``agency`` on behalf of ``actor``.

    An agency administrator gives roles only to officials who already work in the agency
    (accounts and first roles come from city administrators); the city administrator role is
    given only by city administrators; a citizen's account never becomes an official's.
    """
    if not can_manage_staff(actor, agency):
        raise StaffChangeRefused(_("You may not manage the staff of this agency."))
    if not is_city_admin(actor) and not StaffRole.objects.filter(user=user, agency=agency).exists():
        raise StaffChangeRefused(_("This person is not an official of this agency."))
    if role == Role.CITY_ADMIN and not is_city_admin(actor):
        raise StaffChangeRefused(_("Only a city administrator may give this role."))
    if is_citizen(user):
        raise StaffChangeRefused(_("A citizen account cannot be given a staff role."))
    if division is not None and division.parent_id != agency.pk:
        raise StaffChangeRefused(_("The division must belong to the agency."))
    staff_role, created = StaffRole.objects.get_or_create(
        user=user, role=role, agency=agency, defaults={"division": division, "title": title}
    )
    if not created:
        raise StaffChangeRefused(_("This official already has this role in this agency."))
    _forget(user.pk)
    logger.info("staff role granted by %s: %s", actor.get_username(), staff_role)
    _record_role_change(audit.Action.ROLE_GRANTED, actor, staff_role)
    return staff_role


@transaction.atomic
def revoke_role(actor: Any, staff_role: StaffRole) -> None:
    """Remove one role on behalf of ``actor``. Nobody removes their own administrator role
    (that is how an agency would lose its last administrator by mistake)."""
    staff_role = (
        StaffRole.objects.select_for_update().select_related("agency").get(pk=staff_role.pk)
    )
    if not can_manage_staff(actor, staff_role.agency):
        raise StaffChangeRefused(_("You may not manage the staff of this agency."))
    if staff_role.role == Role.CITY_ADMIN and not is_city_admin(actor):
        raise StaffChangeRefused(_("Only a city administrator may remove this role."))
    if staff_role.user_id == actor.pk and staff_role.role in {Role.AGENCY_ADMIN, Role.CITY_ADMIN}:
        raise StaffChangeRefused(_("You cannot remove your own administrator role."))
    _forget(staff_role.user_id)
    logger.info("staff role removed by %s: %s", actor.get_username(), staff_role)
    _record_role_change(audit.Action.ROLE_REVOKED, actor, staff_role)
    staff_role.delete()


def _record_role_change(action: str, actor: Any, staff_role: StaffRole) -> None:
    audit.record(
        action,
        actor=actor.get_username(),
        actor_type=audit.ActorType.OFFICIAL,
        detail={
            "official": staff_role.user.get_username(),
            "role": staff_role.role,
            "agency": staff_role.agency.code,
        },
    )
