"""One row per effect to deliver (see the package's docstring)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be delivered")
        DELIVERED = "delivered", _("delivered")
        DEAD = "dead", _("failed for good (dead letter)")

    topic = models.CharField(_("topic"), max_length=64)
    key = models.CharField(_("idempotency key"), max_length=200)
    ordering_key = models.CharField(_("ordering key"), max_length=200, blank=True, default="")
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    leased_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    requeued_at = models.DateTimeField(_("requeued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [
            models.UniqueConstraint(fields=["topic", "key"], name="outbox_topic_key_unique"),
        ]
        indexes = [
            # The relay's claim: what is due on a topic, oldest first.
            models.Index(
                fields=["topic", "next_attempt_at", "id"],
                condition=Q(state="pending"),
                name="outbox_due",
            ),
            # Order per key: is an earlier message of this key still undelivered?
            models.Index(
                fields=["topic", "ordering_key", "id"],
                condition=~Q(state="delivered"),
                name="outbox_undelivered_by_key",
            ),
            models.Index(fields=["state", "topic"], name="outbox_state_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.key} ({self.state})"
