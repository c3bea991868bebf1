"""The catalogue: agencies, sectors, procedures and their immutable published versions."""

from __future__ import annotations

import datetime

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    """Cơ quan, đơn vị: a body that receives or decides dossiers.

    ``code`` follows the dotted style of QĐ 20/2020/QĐ-TTg (``H29`` for the city,
    ``H29.xx`` below it). Agencies are never deleted: a dissolved one gets ``valid_to`` and a
    ``successor`` so old dossiers keep pointing at the body that handled them.
    """

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DEPARTMENT = "department", _("Department")
        DIVISION = "division", _("Division")
        COMMUNE = "commune", _("Commune")

    code = models.CharField(_("code"), max_length=35, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent agency"),
    )
    gso_code = models.CharField(_("GSO unit code"), max_length=5, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor"),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def is_active_on(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class Sector(models.Model):
    """Lĩnh vực: the subject area a procedure belongs to."""

    code = models.SlugField(_("code"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    """Authority level (cấp thực hiện) as listed by the national procedure database."""

    MINISTRY = "ministry", _("Ministry level")
    PROVINCE = "province", _("Province level")
    COMMUNE = "commune", _("Commune level")
    OTHER = "other", _("Other bodies")


class OnlineLevel(models.TextChoices):
    """Online service level per Decree 42/2022."""

    FULL = "full", _("Fully online")
    PARTIAL = "partial", _("Partly online")
    NONE = "none", _("Not online")


class Procedure(models.Model):
    """Thủ tục hành chính. The identity of a procedure; its content lives in versions.

    The listing and search columns are copied from the version in force when it is published,
    so the catalogue page and the API read one row per procedure.
    """

    national_code = models.CharField(_("national code"), max_length=20, unique=True)
    local_code = models.CharField(_("local code"), max_length=40, unique=True)
    name = models.TextField(_("name"))
    sector = models.ForeignKey(
        Sector, models.PROTECT, related_name="procedures", verbose_name=_("sector")
    )
    current_version = models.OneToOneField(
        "ProcedureVersion",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("version in force"),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    online_level = models.CharField(
        _("online level"), max_length=8, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    is_fee_free = models.BooleanField(_("free of charge"), default=False)
    receiving_agency = models.ForeignKey(
        Agency,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="received_procedures",
        verbose_name=_("receiving agency"),
    )
    receives_at_commune = models.BooleanField(_("filed at any commune"), default=False)
    popularity = models.PositiveIntegerField(_("popularity"), default=0)
    search_name = models.TextField(editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    search_vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["national_code"]
        indexes = [
            models.Index(fields=["level"]),
            models.Index(fields=["online_level"]),
        ]

    def __str__(self) -> str:
        return f"{self.national_code} {self.name}"


class SearchWord(models.Model):
    """A word of the catalogue's folded text, used to correct typos in search queries."""

    word = models.CharField(max_length=60, unique=True)
    frequency = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self) -> str:
        return self.word


class ProcedureVersion(models.Model):
    """One version of a procedure's content. Draft → published → retired.

    A published or retired version is immutable: dossiers point at the exact version they were
    filed under, so editing it would rewrite history. Changes are made in a new draft.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    procedure = models.ForeignKey(
        Procedure, models.CASCADE, related_name="versions", verbose_name=_("procedure")
    )
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    source_hash = models.CharField(_("source record hash"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    name = models.TextField(_("name"))
    sector = models.ForeignKey(Sector, models.PROTECT, related_name="+", verbose_name=_("sector"))
    decision = models.CharField(_("announcing decision"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=255, blank=True)
    level = models.CharField(_("lowest authority level"), max_length=10, choices=Level.choices)
    authority_levels = models.JSONField(_("authority levels"), default=list, blank=True)
    applicant_types = models.JSONField(_("applicant types"), default=list, blank=True)
    implementing_agency_text = models.TextField(_("implementing agency"), blank=True)
    competent_authority_text = models.TextField(_("competent authority"), blank=True)
    coordinating_agency_text = models.TextField(_("coordinating agency"), blank=True)
    receiving_agency = models.ForeignKey(
        Agency,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving agency in HCMC"),
    )
    receives_at_commune = models.BooleanField(_("filed at any commune"), default=False)
    online_level = models.CharField(
        _("online level"), max_length=8, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    required_assurance_level = models.PositiveSmallIntegerField(
        _("VNeID assurance level required to apply online"),
        choices=[(1, _("Level 1")), (2, _("Level 2"))],
        default=2,
        help_text=_("Most procedures need a level-2 VNeID account (identity checked in person)."),
    )
    steps = models.TextField(_("steps"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    related = models.TextField(_("related procedures"), blank=True)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="unique_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.national_code} v{self.number} ({self.get_status_display()})"

    # Fields that may still change once published: retiring closes the validity window. A
    # retired version is final: nothing changes, not even its status (un-retiring it would put
    # two versions in force) or the end of its validity.
    _MUTABLE_WHEN_PUBLISHED = frozenset({"status", "valid_to"})

    def save(self, *args, **kwargs):
        self._check_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_frozen:
            raise ValidationError(_("A published procedure version cannot be deleted."))
        return super().delete(*args, **kwargs)

    def _frozen_change_refused(self) -> bool:
        """Saving this instance would rewrite a published or retired version."""
        stored = type(self).objects.filter(pk=self.pk).first() if self.pk else None
        if stored is None or not stored.is_frozen:
            return False
        changed = {
            f.attname
            for f in self._meta.concrete_fields
            if getattr(stored, f.attname) != getattr(self, f.attname)
        }
        if stored.status == self.Status.RETIRED:
            return bool(changed)
        return bool(changed - self._MUTABLE_WHEN_PUBLISHED) or self.status == self.Status.DRAFT

    def _check_frozen(self) -> None:
        if self._frozen_change_refused():
            raise ValidationError(
                _("A published procedure version cannot be changed; create a new draft.")
            )

    def clean(self) -> None:
        """Forms (the admin's included) get the refusal as a validation error, not a crash."""
        super().clean()
        self._check_frozen()

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT


class VersionPart(models.Model):
    """Base for rows that belong to a version; they freeze with it."""

    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def save(self, *args, **kwargs):
        self._check_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_draft()
        return super().delete(*args, **kwargs)

    def _check_draft(self) -> None:
        if self.version.is_frozen:
            raise ValidationError(
                _("A published procedure version cannot be changed; create a new draft.")
            )


class DurationUnit(models.TextChoices):
    """Units of a statutory duration; ``same_day`` is "ngay trong ngày" (the number is 1)."""

    WORKING_DAY = "working_day", _("working days")
    DAY = "day", _("days")
    HOUR = "hour", _("hours")
    MONTH = "month", _("months")
    SAME_DAY = "same_day", _("same day")


class Channel(VersionPart):
    """Cách thức thực hiện: how a procedure may be filed, with its duration and fees."""

    class Kind(models.TextChoices):
        ONLINE = "online", _("Online")
        DIRECT = "direct", _("In person")
        POSTAL = "postal", _("By post")

    version = models.ForeignKey(ProcedureVersion, models.CASCADE, related_name="channels")
    kind = models.CharField(_("channel"), max_length=8, choices=Kind.choices)
    duration = models.DecimalField(
        _("duration"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=12, choices=DurationUnit.choices, blank=True)
    unit_assumed = models.BooleanField(
        _("unit assumed"),
        default=False,
        help_text=_(
            "The catalogue gave a bare number; working days were assumed. "
            "An administrator confirms the unit."
        ),
    )
    fee_free = models.BooleanField(_("free of charge"), null=True, blank=True)
    fee_text = models.TextField(_("fee description"), blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta(VersionPart.Meta):
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.get_kind_display()


class FeeLine(models.Model):
    """One fee (phí, lệ phí) of a channel."""

    channel = models.ForeignKey(Channel, models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField(default=0)
    amount_vnd = models.PositiveBigIntegerField(_("amount (VND)"), null=True, blank=True)
    text = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("fee line")
        verbose_name_plural = _("fee lines")

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs):
        self.channel._check_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.channel._check_draft()
        return super().delete(*args, **kwargs)


class DocumentSlot(VersionPart):
    """Thành phần hồ sơ: a document the applicant submits."""

    version = models.ForeignKey(ProcedureVersion, models.CASCADE, related_name="documents")
    name = models.TextField(_("name"))
    form_ref = models.TextField(_("form template"), blank=True)
    originals = models.PositiveSmallIntegerField(_("originals"), null=True, blank=True)
    copies = models.PositiveSmallIntegerField(_("copies"), null=True, blank=True)
    group = models.TextField(_("group / case"), blank=True)

    class Meta(VersionPart.Meta):
        verbose_name = _("document slot")
        verbose_name_plural = _("document slots")

    def __str__(self) -> str:
        return self.name[:80]


class ResultDocument(VersionPart):
    """Kết quả: what the applicant receives."""

    version = models.ForeignKey(ProcedureVersion, models.CASCADE, related_name="results")
    name = models.TextField(_("name"))
    code = models.CharField(_("result code"), max_length=40, blank=True)

    class Meta(VersionPart.Meta):
        verbose_name = _("result")
        verbose_name_plural = _("results")

    def __str__(self) -> str:
        return self.name[:80]


class LegalBasis(VersionPart):
    """Căn cứ pháp lý."""

    version = models.ForeignKey(ProcedureVersion, models.CASCADE, related_name="legal_basis")
    title = models.TextField(_("title"))
    number = models.CharField(_("document number"), max_length=120, blank=True)

    class Meta(VersionPart.Meta):
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal basis")

    def __str__(self) -> str:
        return self.title[:80]
