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

    After approval the signing task (:func:`dossiers.signing.service.sign_result`) writes a
    second file: the same PDF with a QR code and the short URL ``/verify/<verify_token>/``,
    signed PAdES by the receiving agency's certificate. It fills ``signed_storage_name``,
    ``signed_size``, ``signed_sha256`` (the bytes anyone can check on ``/verify/``),
    ``signed_at`` and ``signature`` (who signed: certificate subject, issuer, serial). The
    unsigned file (``storage_name``, ``sha256``) stays as the agency's original. A leader or an
    administrator may revoke a signed result (``revoked_at``, ``revoked_reason``); the
    verification page then says so.
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
    # The short, unguessable part of the verification URL printed (as a QR code) on the result.
    verify_token = models.CharField(max_length=32, unique=True, null=True, editable=False)  # noqa: DJ001
    # Filled by the signing task; empty until the result is digitally signed.
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signature = models.JSONField(_("signature metadata"), null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    signed_storage_name = models.CharField(max_length=100, blank=True, editable=False)
    signed_size = models.PositiveIntegerField(_("signed size (bytes)"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("result document")
        verbose_name_plural = _("result documents")

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.title}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None and bool(self.signed_storage_name)


class ServiceRating(models.Model):
    """The applicant's rating of how the dossier was handled (đánh giá mức độ hài lòng): once per
    dossier, after the result (status 9 or 10). ``agency`` is the receiving agency, kept on the
    row so the per-agency counts (and later the service index, DOMAIN.md §7) need no join."""

    dossier = models.OneToOneField("dossiers.Dossier", models.CASCADE, related_name="rating")
    agency = models.ForeignKey(
        "procedures.Agency", models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    satisfied = models.BooleanField(_("satisfied"))
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service rating")
        verbose_name_plural = _("service ratings")
        indexes = [models.Index(fields=["agency", "created_at"], name="rating_agency_at")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {'+' if self.satisfied else '-'}"
