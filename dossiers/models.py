"""Dossiers (hồ sơ): drafts, submitted dossiers, their documents and timeline."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import clock


class Status(models.IntegerChoices):
    """National dossier status codes (DOMAIN §3). 0 is ours: a draft, not yet a dossier."""

    DRAFT = 0, _("Draft")
    SUBMITTED = 1, _("Newly registered")
    ACCEPTED = 2, _("Accepted")
    REFUSED = 3, _("Not accepted")
    PROCESSING = 4, _("Being processed")
    SUPPLEMENT = 5, _("Supplement requested")
    PAYMENT = 6, _("Financial obligation requested")
    WITHDRAWN = 7, _("Withdrawn by the applicant")
    STOPPED = 8, _("Processing stopped")
    DECIDED = 9, _("Processed, result ready")
    RETURNED = 10, _("Result delivered")


class Channel(models.IntegerChoices):
    """KenhThucHien of the national portal."""

    DIRECT = 1, _("At the desk")
    ONLINE = 2, _("Online")
    POST = 3, _("By post")


class Dossier(models.Model):
    """Hồ sơ. A draft has no code; submitting gives it one and freezes what was submitted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("dossier code"), max_length=50, unique=True, null=True, blank=True)
    status = models.PositiveSmallIntegerField(
        _("status"), choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    procedure = models.ForeignKey(
        "procedures.Procedure",
        models.PROTECT,
        related_name="dossiers",
        verbose_name=_("procedure"),
    )
    procedure_version = models.ForeignKey(
        "procedures.ProcedureVersion",
        models.PROTECT,
        related_name="dossiers",
        verbose_name=_("procedure version"),
    )
    applicant = models.ForeignKey(
        "identity.Citizen", models.PROTECT, related_name="dossiers", verbose_name=_("applicant")
    )
    receiving_agency = models.ForeignKey(
        "procedures.Agency",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("receiving agency"),
    )
    channel = models.PositiveSmallIntegerField(
        _("channel"), choices=Channel.choices, default=Channel.ONLINE
    )
    form_schema = models.JSONField(_("form schema used"), default=dict, blank=True)
    form_data = models.JSONField(_("form data (working copy)"), default=dict, blank=True)
    submitted_data = models.JSONField(_("form data as submitted"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=1000, blank=True)
    # NULL (not "") when absent, so the unique constraint ignores dossiers without a key.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("result due at"), null=True, blank=True)
    # The appointment first given at reception; ``due_at`` moves on a supplement or an apology.
    original_due_at = models.DateTimeField(_("first appointment"), null=True, blank=True)
    extended = models.BooleanField(_("due date moved (apology)"), default=False)
    supplement_count = models.PositiveSmallIntegerField(_("supplement requests"), default=0)
    paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"], name="unique_submit_per_key"
            ),
        ]
        indexes = [
            # The inbox's counts per status (tabs) and procedures: index-only, with the pk
            # that ``Count("pk")`` reads.
            models.Index(
                fields=["receiving_agency", "status", "procedure"],
                include=["id"],
                name="dossier_agency_status_proc",
            ),
            # The inbox's order (most urgent first) among the statuses officials act on: a page
            # reads its 25 rows in index order instead of sorting every open dossier; the
            # status inside it narrows to a queue's statuses without reading the table.
            models.Index(
                fields=["receiving_agency", "due_at", "submitted_at", "id"],
                include=["status"],
                condition=models.Q(status__in=[1, 2, 4, 5, 6, 9]),
                name="dossier_inbox_urgency_status",
            ),
            # A step queue's dossiers (ids from the process steps) sorted by urgency from the
            # index alone (workflow.urgent).
            models.Index(
                fields=["id"],
                include=["status", "due_at", "submitted_at"],
                name="dossier_urgency_by_id",
            ),
        ]

    def __str__(self) -> str:
        return self.code or f"draft {self.public_id}"


class DossierCounter(models.Model):
    """Sequence of dossier codes per receiving agency and day (allocated under a row lock)."""

    agency = models.ForeignKey("procedures.Agency", models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="unique_counter_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} {self.last}"


class DossierEvent(models.Model):
    """One line of the dossier's timeline: who did what, when, from which status to which."""

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="events")
    # The services' clock (portal.clock), not auto_now_add, so an event can be stamped "as of".
    at = models.DateTimeField(_("time"), default=clock.now, editable=False)
    action = models.CharField(_("action"), max_length=40)
    from_status = models.PositiveSmallIntegerField(choices=Status.choices, null=True)
    to_status = models.PositiveSmallIntegerField(choices=Status.choices, null=True)
    actor_type = models.CharField(_("actor type"), max_length=10)
    actor = models.CharField(_("actor"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")

    def __str__(self) -> str:
        return f"{self.dossier} {self.action}"


class SupplementRequest(models.Model):
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02): what the agency asks the applicant for.

    ``supplement`` during processing (status 4 → 5, at most one per dossier, Decree 118 art. 11);
    ``completion`` at the desk before reception (status 1 stays 1, not counted as received).
    """

    class Kind(models.TextChoices):
        SUPPLEMENT = "supplement", _("Supplement during processing")
        COMPLETION = "completion", _("Completion before reception")

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="supplement_requests")
    kind = models.CharField(_("type of request"), max_length=12, choices=Kind.choices)
    items = models.JSONField(_("what to supply"), default=list)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(kind="supplement"),
                name="one_supplement_request_per_dossier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.kind} {self.requested_at:%Y-%m-%d}"


class StoredDocument(models.Model):
    """A file in a citizen's document store (kho dữ liệu): an upload or an electronic result.

    Stored under a server-generated name outside the web root; only served after a check.
    """

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded by the citizen")
        RESULT = "result", _("Electronic result")
        RECEIPT = "receipt", _("Fee receipt (e-receipt)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        "identity.Citizen", models.PROTECT, related_name="documents", verbose_name=_("owner")
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    title = models.CharField(_("title"), max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    storage_name = models.CharField(max_length=100, unique=True, editable=False)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("stored document")
        verbose_name_plural = _("stored documents")

    def __str__(self) -> str:
        return self.title


class DossierDocument(models.Model):
    """A document attached to a dossier's slot; ``reused`` when taken from the store."""

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="documents")
    slot_id = models.CharField(_("slot"), max_length=40)
    stored = models.ForeignKey(StoredDocument, models.PROTECT, related_name="attachments")
    reused = models.BooleanField(_("reused from the document store"), default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slot_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "slot_id", "stored"], name="unique_document_per_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.slot_id}"


class DossierFile(models.Model):
    """A PDF the system produced for a dossier (receipt Mẫu 01, later the other forms)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt (form 01)")

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="files")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    storage_name = models.CharField(max_length=100, unique=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dossier", "kind"], name="unique_file_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.kind}"


class IssuedForm(models.Model):
    """One official form (Mẫu 01–06) rendered for a dossier: what pages list and offer to download.

    Keyed by dossier, form and the dossier's revision when it was asked for, so a task that runs
    twice for one transition finds its row and renders nothing (see ``dossiers.official_forms``).
    """

    class Form(models.TextChoices):
        RECEIPT = "01", _("Receipt and appointment (form 01)")
        SUPPLEMENT = "02", _("Request to supplement or complete (form 02)")
        REFUSAL = "03", _("Refusal to accept (form 03)")
        APOLOGY = "04", _("Apology and new date (form 04)")
        STOP = "05", _("Notice of stopped processing (form 05)")
        CONTROL = "06", _("Process control sheet (form 06)")

    dossier = models.ForeignKey(Dossier, models.CASCADE, related_name="issued_forms")
    form = models.CharField(_("form"), max_length=2, choices=Form.choices)
    revision = models.PositiveIntegerField(_("dossier revision"))
    number = models.CharField(_("number"), max_length=40, blank=True)
    storage_name = models.CharField(max_length=100, unique=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "form", "revision"], name="unique_form_per_revision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.form} #{self.revision}"


from .results_models import DossierResult  # noqa: E402, F401  (a module of its own)
