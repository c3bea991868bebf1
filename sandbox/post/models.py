from django.db import models


class Shipment(models.Model):
    """A shipment the postal stand-in accepted, once per ``client_ref`` (idempotency key)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Đã nhận gửi (accepted)"
        DELIVERED = "delivered", "Đã phát (delivered)"
        RETURNED = "returned", "Chuyển hoàn (returned)"

    client_ref = models.CharField(max_length=200, unique=True)
    tracking_number = models.CharField(max_length=32, unique=True)
    reference = models.CharField(max_length=100)
    recipient_name = models.CharField(max_length=255)
    phone = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=500)
    content = models.CharField(max_length=300, blank=True)
    callback_url = models.URLField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    report_answer = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.tracking_number
