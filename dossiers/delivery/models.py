"""How the applicant receives the result, and what happened to it (hình thức trả kết quả)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    """The applicant's choice for one dossier and its progress. No row: online."""

    class Method(models.TextChoices):
        ONLINE = "online", _("Online: download from the dossier page")
        DESK = "desk", _("At the one-stop desk")
        POST = "post", _("By post to my address")

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for the result")
        SHIPPING = "shipping", _("Being handed to the post")
        IN_TRANSIT = "in_transit", _("On its way by post")
        RETURNED = "returned", _("Returned by the post: waits at the desk")
        DELIVERED = "delivered", _("Delivered")

    dossier = models.OneToOneField(
        "dossiers.Dossier", models.CASCADE, related_name="delivery", verbose_name=_("dossier")
    )
    method = models.CharField(_("delivery method"), max_length=8, choices=Method.choices)
    state = models.CharField(
        _("delivery state"), max_length=12, choices=State.choices, default=State.WAITING
    )
    recipient_name = models.CharField(_("recipient"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("delivery address"), max_length=500, blank=True)
    chosen_at = models.DateTimeField(_("chosen at"), default=timezone.now)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    shipped_at = models.DateTimeField(_("handed to the post at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned by the post at"), null=True, blank=True)
    return_reason = models.CharField(_("reason given by the post"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    collector_id_number = models.CharField(
        _("ID number of the collector"), max_length=12, blank=True
    )
    collector_name = models.CharField(_("name of the collector"), max_length=255, blank=True)
    handed_over_by = models.CharField(_("handed over by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("delivery of the result")
        verbose_name_plural = _("deliveries of results")
        constraints = [
            models.UniqueConstraint(
                fields=["tracking_number"],
                condition=~models.Q(tracking_number=""),
                name="delivery_tracking_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.method} {self.state}"

    @classmethod
    def method_of(cls, dossier: Any) -> str:
        found = cls.objects.filter(dossier_id=dossier.pk).values_list("method", flat=True).first()
        return found or cls.Method.ONLINE


class PostalReport(models.Model):
    """One report of the postal service about a shipment, kept once per ``event_id``."""

    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="reports")
    dossier = models.ForeignKey("dossiers.Dossier", models.CASCADE, related_name="+")
    event_id = models.CharField(_("event id"), max_length=100, unique=True)
    status = models.CharField(_("status"), max_length=16)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("postal report")
        verbose_name_plural = _("postal reports")

    def __str__(self) -> str:
        return f"{self.event_id} {self.status}"
