"""The result of a dossier (kết quả giải quyết) as its own row: what the leader attached at
approval, kept apart from the forms the portal prints so that a signature can be added to it.

Imported by :mod:`dossiers.models` (Django finds the model there); the services that create one
are :mod:`dossiers.results`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierResult(models.Model):
    """The decision or certificate of a dossier: one per dossier, a PDF stored privately
    (``dossiers.documents.storage``), attached by the agency's leader before or at approval
    (status 4 → 9) and readable by the applicant once the dossier is decided (9, 10).

    ``signed_at``, ``signature`` and ``signed_sha256`` stay empty here: the signing issue
    (digital signature and QR verification) fills them when the agency signs the file.
    """

    class Source(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded by the official")
        RENDERED = "rendered", _("Rendered from the template")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.OneToOneField("dossiers.Dossier", models.CASCADE, related_name="result")
    title = models.CharField(_("title"), max_length=255)
    number = models.CharField(_("number"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    storage_name = models.CharField(max_length=100, unique=True, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("attached by")
    )
    created_at = models.DateTimeField(_("attached at"), auto_now_add=True)
    # The copy in the applicant's document store (same file), made at approval.
    stored = models.ForeignKey(
        "dossiers.StoredDocument",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("in the applicant's document store"),
    )
    # Filled by the signing issue; empty until the result is digitally signed.
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signature = models.JSONField(_("signature metadata"), null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("result document")
        verbose_name_plural = _("result documents")

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.title}"
