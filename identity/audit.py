"""Writing the audit log. Every security-relevant event goes through :func:`record`."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from .models import AuditEvent

logger = logging.getLogger("portal.audit")

Action = AuditEvent.Action
ActorType = AuditEvent.ActorType


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address as seen by this process (the proxy sets REMOTE_ADDR correctly)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def actor_of(request: HttpRequest | None) -> tuple[str, str]:
    """(actor type, actor name) for whoever made ``request``."""
    if request is None:
        return ActorType.ANONYMOUS, ""
    client = getattr(request, "machine_client", None)
    if client is not None:
        return ActorType.MACHINE, client.client_id
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        citizen = getattr(user, "citizen", None) if hasattr(user, "citizen") else None
        if citizen is not None:
            return ActorType.CITIZEN, citizen.id_number
        return ActorType.OFFICIAL, user.get_username()
    return ActorType.ANONYMOUS, ""


def _storable(value: Any) -> Any:
    """``value`` with NUL characters written as ``\\x00``: PostgreSQL text and jsonb cannot
    hold them, and a hostile path or header must be recorded, not make the refusal a 500."""
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: str | None = None,
    actor_type: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``actor``/``actor_type`` default to whoever made ``request``."""
    default_type, default_actor = actor_of(request)
    event = AuditEvent.objects.create(
        action=action,
        actor_type=actor_type or default_type,
        actor=_storable(actor if actor is not None else default_actor)[:255],
        ip=client_ip(request),
        user_agent=_storable(request.META.get("HTTP_USER_AGENT", "") if request else "")[:255],
        path=_storable(request.path if request else "")[:255],
        detail=_storable(detail or {}),
    )
    logger.info("audit %s %s %s", event.action, event.actor_type, event.actor)
    return event
