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
        actor=(actor if actor is not None else default_actor)[:255],
        ip=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:255],
        path=(request.path if request else "")[:255],
        detail=detail or {},
    )
    logger.info("audit %s %s %s", event.action, event.actor_type, event.actor)
    return event
