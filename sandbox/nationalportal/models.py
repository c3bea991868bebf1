"""What the national-portal stand-in keeps: every envelope it received, the mirror of each
dossier, the fault switch and the poller's position in the portal's change feed.

Envelopes use the protocol's own words (``dossier_code``, ``version``, ``kind``); the national
field names stay inside ``payload`` and are read only by ``national.py``.
"""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    DOSSIER = "dossier", "hồ sơ (DongBoHoSoMC)"
    PROGRESS = "progress", "tiến độ (CapNhatTienDoHoSoMC)"


class Source(models.TextChoices):
    PUSH = "push", "nhận đẩy (push)"
    PULL = "pull", "tự lấy (pull)"


class ReceivedEnvelope(models.Model):
    """One change of one dossier, stored once per (dossier code, version) however often it came."""

    dossier_code = models.CharField("mã hồ sơ", max_length=64)
    version = models.PositiveIntegerField("phiên bản")
    kind = models.CharField("loại", max_length=10, choices=Kind.choices)
    recorded_at = models.DateTimeField("thời điểm ghi nhận (bên gửi)")
    payload = models.JSONField("nội dung")
    source = models.CharField("nhận qua", max_length=4, choices=Source.choices)
    received_at = models.DateTimeField("thời điểm nhận", auto_now_add=True)

    class Meta:
        verbose_name = "bản tin đồng bộ"
        verbose_name_plural = "bản tin đồng bộ"
        ordering = ["dossier_code", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier_code", "version"], name="nationalportal_envelope_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_code} v{self.version} ({self.kind})"


class MirroredDossier(models.Model):
    """The national portal's view of a dossier: its newest full payload, and the highest version
    of any kind received. Progress entries are read from the envelopes, ordered by version."""

    dossier_code = models.CharField("mã hồ sơ", max_length=64, unique=True)
    version = models.PositiveIntegerField("phiên bản cao nhất", default=0)
    dossier_version = models.PositiveIntegerField(
        "phiên bản của nội dung hồ sơ", null=True, blank=True
    )
    payload = models.JSONField("nội dung hồ sơ (DongBoHoSoMC)", null=True, blank=True)
    # TrangThaiHoSo of the mirrored payload exactly as it came (a JSON value), null before any.
    status = models.JSONField("trạng thái (TrangThaiHoSo)", null=True, blank=True)
    payload_sha256 = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "hồ sơ đồng bộ"
        verbose_name_plural = "hồ sơ đồng bộ"
        ordering = ["dossier_code"]

    def __str__(self) -> str:
        return f"{self.dossier_code} v{self.version}"


class FaultMode(models.TextChoices):
    OK = "ok", "bình thường (ok)"
    ERROR500 = "error500", "lỗi 500 khi nhận (error500)"
    TIMEOUT = "timeout", "trả lời chậm quá hạn chờ (timeout)"
    DOWN = "down", "ngừng hoạt động (down)"


class FaultSwitch(models.Model):
    """A single row (pk 1): how the stand-in misbehaves, and until when."""

    mode = models.CharField(max_length=10, choices=FaultMode.choices, default=FaultMode.OK)
    until = models.DateTimeField("đến lúc", null=True, blank=True)
    timeout_seconds = models.PositiveIntegerField("số giây chờ (timeout)", default=35)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "chế độ lỗi"
        verbose_name_plural = "chế độ lỗi"

    def __str__(self) -> str:
        return self.mode


class PollState(models.Model):
    """A single row (pk 1): where the poller is in the portal's change feed."""

    cursor = models.TextField("con trỏ (next_cursor)", blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    changes_read = models.PositiveBigIntegerField("số thay đổi đã đọc", default=0)

    class Meta:
        verbose_name = "vị trí đọc luồng thay đổi"
        verbose_name_plural = "vị trí đọc luồng thay đổi"

    def __str__(self) -> str:
        return self.cursor or "(đầu luồng)"
