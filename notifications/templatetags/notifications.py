"""``{% dossier_notifications dossier %}`` (the applicant's e-mails and SMS, on their dossier
page) and ``{% official_notices dossier %}`` (reminders, overdue flags and apology proposals, on
the back office's dossier page). On the applicant's page they are part of the kept panels: a
notice is a row pointing to the dossier, and its saving (written, then sent) renews them."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import Notification

register = template.Library()


def mask(recipient: str) -> str:
    """Enough of an address or number to recognise it, not to read it off a screen."""
    if "@" in recipient:
        name, _, domain = recipient.partition("@")
        return f"{name[:2]}…@{domain}"
    return f"…{recipient[-3:]}" if len(recipient) > 3 else recipient


def _rows(dossier: Any, audience: str) -> list[dict[str, Any]]:
    found = Notification.objects.filter(dossier_id=dossier.pk, audience=audience).order_by(
        "-created_at", "-pk"
    )
    return [
        {"notification": n, "to": mask(n.recipient), "text": n.subject or n.body}
        for n in found[:100]
    ]


@register.inclusion_tag("notifications/citizen_panel.html")
def dossier_notifications(dossier: Any) -> dict[str, Any]:
    return {"rows": _rows(dossier, Notification.Audience.CITIZEN)}


@register.inclusion_tag("notifications/official_panel.html")
def official_notices(dossier: Any) -> dict[str, Any]:
    return {"rows": _rows(dossier, Notification.Audience.OFFICIAL)}
