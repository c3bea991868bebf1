from django.db import models


class ReceivedSms(models.Model):
    """One SMS the gateway accepted. ``client_ref`` (the sender's idempotency key) is unique: a
    second request with it is counted in ``requests`` and answered with this message's id."""

    client_ref = models.CharField(max_length=200, unique=True)
    to = models.CharField(max_length=20)
    text = models.TextField()
    brandname = models.CharField(max_length=20, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    requests = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.to}: {self.text[:40]}"

    @property
    def message_id(self) -> str:
        return f"SMS{self.pk:08d}"
