"""The notification topics on the ``notify`` queue: one e-mail, one SMS per message.

Each handler is idempotent towards its outside system, so a worker that dies between the send
and the record costs no second message:

- SMS: the gateway deduplicates by the outbox key (``client_ref``) and answers the first
  message's id again;
- e-mail: the message carries a Message-ID made from the key, the same on every attempt, so a
  copy sent again after a crash is the same message to mail servers and mail readers; and the
  send is recorded (``sent_at``) so a redelivered outbox message sends nothing once recorded.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from outbox import Permanent, topic

from .models import Notification
from .sms.base import SmsRefused
from .sms.registry import active_gateway
from .topics import EMAIL, SMS

RETRY = {
    "queue": "notify",
    "max_attempts": settings.NOTIFICATIONS_MAX_ATTEMPTS,
    "backoff_seconds": 5,
    "backoff_max_seconds": 600,
    # Longer than a send may take (the SMS gateway's timeout): a worker that dies mid-send
    # leaves the message to another once its lease ends.
    "lease_seconds": settings.NOTIFICATIONS_LEASE_SECONDS,
}


def message_id(key: str) -> str:
    """The e-mail's Message-ID: the same for every attempt of one notice."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN}>"


def _notification(message: Any) -> Notification:
    try:
        return Notification.objects.get(pk=message.payload["notification"])
    except (KeyError, TypeError, Notification.DoesNotExist):
        raise Permanent("the notification of this message does not exist") from None


def _record(notification: Notification, reference: str) -> None:
    notification.sent_at = timezone.now()
    notification.provider_ref = reference[:255]
    # save(), not update(): the dossier page's kept copy follows rows pointing to the dossier.
    notification.save(update_fields=["sent_at", "provider_ref"])


@topic(EMAIL, **RETRY)
def send_email(message: Any) -> None:
    notification = _notification(message)
    if notification.sent_at is not None:
        return
    reference = message_id(notification.key)
    EmailMessage(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers={"Message-ID": reference},
    ).send()
    _record(notification, reference)


@topic(SMS, **RETRY)
def send_sms(message: Any) -> None:
    notification = _notification(message)
    if notification.sent_at is not None:
        return
    try:
        reference = active_gateway().send(notification.recipient, notification.body, message.key)
    except SmsRefused as refused:
        raise Permanent(str(refused)) from refused
    _record(notification, reference)
