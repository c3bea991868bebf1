"""Authentication events into the audit log (nhật ký hệ thống).

Django's login, logout and failed-login signals and django-axes' lockout signal each become one
:class:`~identity.models.AuditEvent`. A failed login records the username that was tried and
nothing else from the credentials (never the password, nor an OTP code).

API refusals announced by ``portal.api.api_request_refused`` become one ``PERMISSION_DENIED``
row each. The module remembers whether a permission refusal was already written during the
current request, so that a refusal a permission class (e.g. the back office's) audited itself
is not written twice.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.signals import request_started
from django.db.models.signals import post_save
from rest_framework.permissions import AllowAny

from portal.api import api_request_refused

from . import audit
from .models import AuditEvent

# A fresh mutable holder per request (None outside requests, e.g. in Celery tasks).
_refusals: ContextVar[list[int] | None] = ContextVar("identity_refusals", default=None)


def _actor_of_user(user: Any) -> tuple[str, str]:
    """(actor type, actor) for a user: a citizen by ID number, an official by username."""
    citizen = getattr(user, "citizen", None) if hasattr(user, "citizen") else None
    if citizen is not None:
        return audit.ActorType.CITIZEN, citizen.id_number
    return audit.ActorType.OFFICIAL, user.get_username()


def _attempted_username(credentials: dict[str, Any] | None) -> str:
    if not credentials:
        return ""
    field = get_user_model().USERNAME_FIELD
    value = credentials.get(field, credentials.get("username", ""))
    return str(value or "").replace("\x00", "")[:150]


def on_logged_in(sender, request, user, **kwargs) -> None:
    actor_type, actor = _actor_of_user(user)
    audit.record(audit.Action.LOGIN, request=request, actor_type=actor_type, actor=actor)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:  # logging out without being logged in
        return
    actor_type, actor = _actor_of_user(user)
    audit.record(audit.Action.LOGOUT, request=request, actor_type=actor_type, actor=actor)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    audit.record(
        audit.Action.LOGIN_FAILED,
        request=request,
        actor_type=audit.ActorType.ANONYMOUS,
        actor="",
        detail={"username": _attempted_username(credentials)},
    )


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    audit.record(
        audit.Action.LOCKOUT,
        request=request,
        actor_type=audit.ActorType.ANONYMOUS,
        actor="",
        detail={
            "username": str(username or "").replace("\x00", "")[:150],
            "ip_address": ip_address or "",
        },
    )


def on_request_started(sender, **kwargs) -> None:
    _refusals.set([])


def on_audit_event_saved(sender, instance: AuditEvent, created: bool, **kwargs) -> None:
    holder = _refusals.get()
    if created and holder is not None and instance.action == AuditEvent.Action.PERMISSION_DENIED:
        holder.append(instance.pk)


def refusal_recorded_in_this_request() -> bool:
    """A PERMISSION_DENIED row was already written while handling the current request."""
    return bool(_refusals.get())


def _is_public(view: Any) -> bool:
    """A view anyone may call (only ``AllowAny``): refusals there are not security events."""
    if view is None:
        return True
    try:
        permissions = view.get_permissions()
    except Exception:  # a broken view must not hide the original error
        return False
    return all(isinstance(permission, AllowAny) for permission in permissions)


def on_api_request_refused(sender, exc: Exception, request: Any, view: Any, **kwargs) -> None:
    """Audit an API refusal on a view that is not public, unless it was audited already."""
    if _is_public(view) or refusal_recorded_in_this_request():
        return  # public view, or a permission class already audited it with its own reason
    detail: dict[str, Any] = {
        "reason": getattr(exc, "default_code", "permission_denied"),
        "view": f"{view.__class__.__module__}.{view.__class__.__name__}",
        "method": getattr(request, "method", ""),
    }
    missing = getattr(exc, "missing_scopes", None)
    if missing:
        detail["missing_scopes"] = list(missing)
    # The Django request: its user and machine_client are already set by authentication.
    audit.record(
        audit.Action.PERMISSION_DENIED,
        request=getattr(request, "_request", request),
        detail=detail,
    )


def connect() -> None:
    """Called from ``IdentityConfig.ready``; the uids keep a second call from doubling rows."""
    user_logged_in.connect(on_logged_in, dispatch_uid="identity.audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="identity.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="identity.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="identity.audit.lockout")
    request_started.connect(on_request_started, dispatch_uid="identity.audit.request_started")
    api_request_refused.connect(on_api_request_refused, dispatch_uid="identity.audit.api_refused")
    post_save.connect(
        on_audit_event_saved, sender=AuditEvent, dispatch_uid="identity.audit.refusal_seen"
    )
