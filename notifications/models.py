"""Thông báo: one e-mail or SMS about a dossier, as written in the transaction of the change.

The row keeps what was said and to whom, so the citizen's dossier page can list it and an
operator can see what went out; the outbox message with the same key delivers it. ``sent_at``
is recorded once the mail server or the SMS gateway accepted it: a redelivery after a crash finds
it set and sends nothing again (the SMS gateway also deduplicates by the key, and an e-mail keeps
one Message-ID made from the key, for the window between the send and the record).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Audience(models.TextChoices):
        CITIZEN = "citizen", _("Applicant")
        OFFICIAL = "official", _("Official")

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("dossier"),
    )
    event = models.CharField(_("event"), max_length=32)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.CITIZEN
    )
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    # The outbox message's key (unique per channel): the idempotency key towards the gateway.
    key = models.CharField(_("idempotency key"), max_length=200)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The gateway's message id (SMS) or the e-mail's Message-ID.
    provider_ref = models.CharField(_("reference at the gateway"), max_length=255, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="notification_channel_key"),
        ]
        indexes = [models.Index(fields=["dossier", "created_at"], name="notification_dossier")]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} → {self.recipient}"
