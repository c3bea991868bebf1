"""Which changes send which notices, written in the transaction of the change.

:func:`on_dossier_recorded` hears ``dossiers.signals.recorded`` (every transition, inside its
transaction) and :func:`on_delivery_changed` the postal shipment's news. Each notice is a
:class:`~.models.Notification` row plus an outbox message with the same key, so the change, the
row and the message commit together or not at all, and the outbox delivers the message after the
commit, retrying with back-off. The key names the dossier, its revision (one per change) and the
event: the same change heard twice writes nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

import outbox

from .models import Notification
from .texts import compose, when
from .topics import EMAIL, SMS

# Transition of the table → the applicant's notice (DOMAIN.md §3).
CITIZEN_NOTICES = {
    "receive": "received",
    "refuse": "refused",
    "request_supplement": "supplement",
    "return_for_completion": "completion",
    "request_fees": "fees",
    "apologise_and_extend": "apology",
    "approve": "result",
    "return_result": "delivered",
}


def dossier_link(dossier: Any) -> str:
    return f"{settings.PORTAL_URL.rstrip('/')}/dossiers/{dossier.code}/"


def _values(dossier: Any, **extra: Any) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "procedure": dossier.procedure_version.name,
        "due": when(dossier.due_at),
        "name": dossier.applicant.full_name,
        "link": dossier_link(dossier),
        "agency": dossier.receiving_agency.name if dossier.receiving_agency else "",
        **extra,
    }


def _how(dossier: Any, event: str) -> str:
    """How the applicant gets the result, in the words of the result and delivery notices."""
    from dossiers.delivery.models import Delivery

    method = Delivery.method_of(dossier)
    with override("vi"):
        if event == "delivered":
            return str(Delivery.Method(method).label)
        if method == Delivery.Method.POST:
            return _("It will be sent by post to the address you gave; you will get its "
                     "tracking number.")  # fmt: skip
        if method == Delivery.Method.DESK:
            return _("Collect it at the desk of %(agency)s, with your identity card.") % {
                "agency": dossier.receiving_agency.name if dossier.receiving_agency else ""
            }
        return _("Download it from the dossier page.")


def write(
    dossier: Any,
    event: str,
    ref: str,
    *,
    channels: tuple[str, ...] = (Notification.Channel.EMAIL, Notification.Channel.SMS),
    audience: str = Notification.Audience.CITIZEN,
    email: str = "",
    phone: str = "",
    **extra: Any,
) -> list[Notification]:
    """Write the notice of ``event`` for each channel with an address, and its outbox message.

    Must run inside the transaction of the change. ``ref`` makes the key unique per change (the
    dossier's revision, a step and a day…); the same key again writes nothing. Returns the
    notices written now."""
    text = compose(event, _values(dossier, **extra))
    written = []
    for channel, recipient, topic in (
        (Notification.Channel.EMAIL, email, EMAIL),
        (Notification.Channel.SMS, phone, SMS),
    ):
        if channel not in channels or not recipient:
            continue
        key = f"{dossier.code}:{ref}:{event}:{audience}"[:200]
        notification, created = Notification.objects.get_or_create(
            channel=channel,
            key=key,
            defaults={
                "dossier": dossier,
                "event": event,
                "audience": audience,
                "recipient": recipient,
                "subject": text.subject if channel == Notification.Channel.EMAIL else "",
                "body": text.body if channel == Notification.Channel.EMAIL else text.sms,
            },
        )
        outbox.put(topic, key=key, payload={"notification": notification.pk})
        if created:
            written.append(notification)
    return written


def notify_applicant(dossier: Any, event: str, ref: str, **extra: Any) -> list[Notification]:
    """The applicant's e-mail and SMS about ``event`` (to the contact details on file)."""
    citizen = dossier.applicant
    return write(dossier, event, ref, email=citizen.email, phone=citizen.phone, **extra)


def notify_official(dossier: Any, user: Any, event: str, ref: str, **extra: Any) -> list:
    """An e-mail to an official about ``event`` (reminders, overdue flags, apology proposals)."""
    return write(
        dossier,
        event,
        f"{ref}:u{user.pk}",
        channels=(Notification.Channel.EMAIL,),
        audience=Notification.Audience.OFFICIAL,
        email=user.email,
        name=user.get_full_name() or user.get_username(),
        link=f"{settings.PORTAL_URL.rstrip('/')}/backoffice/dossiers/{dossier.code}/",
        **extra,
    )


def _note(note: str | None) -> str:
    """The reason as a clause of the notice's sentence (no final full stop of its own)."""
    return (note or "").strip().rstrip(".") or "—"


def on_dossier_recorded(sender: Any, dossier: Any, kind: str, action: str, **change: Any) -> None:
    """``dossiers.signals.recorded``: a transition that the applicant must hear of."""
    event = CITIZEN_NOTICES.get(action) if kind == "transition" else None
    if event is None:
        return
    extra: dict[str, Any] = {"note": _note(change.get("note"))}
    if event in ("result", "delivered"):
        extra["how"] = _how(dossier, event)
    notify_applicant(dossier, event, f"r{dossier.revision}", **extra)


def on_delivery_changed(sender: Any, delivery: Any, event: str, **change: Any) -> None:
    """``dossiers.delivery.signals.delivery_changed``: the post took or returned the result
    (its delivery ends with ``return_result``, heard above)."""
    if event not in ("shipped", "post_returned"):
        return
    dossier = delivery.dossier
    notify_applicant(
        dossier,
        event,
        f"post:{delivery.tracking_number or delivery.pk}",
        tracking=delivery.tracking_number,
        note=_note(change.get("note")),
    )
