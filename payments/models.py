"""Fees and payments (phí, lệ phí và thanh toán trực tuyến).

Money is held as integers of VND×100 (the gateway's unit, ``vnp_Amount``): never a float, and
compared exactly. A fee rule says what a procedure version charges on a channel and when; a
charge (:class:`FeeDemand`) is what one dossier owes, frozen when it is asked for; a
:class:`Payment` is one attempt to pay it through a gateway; :class:`PaymentEvent` rows are the
payment's history and are only ever added.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal import clock

MINOR = 100  # VND×100: the gateway's amount unit


class Stage(models.TextChoices):
    """When a fee is due: when the dossier is filed, or when the agency asks during processing."""

    SUBMISSION = "submission", _("At submission")
    PROCESSING = "processing", _("During processing (status 6)")


class FilingChannel(models.TextChoices):
    """The channel the rule applies to (the catalogue's ``Channel.Kind``)."""

    ONLINE = "online", _("Online")
    DIRECT = "direct", _("In person")
    POSTAL = "postal", _("By post")


class ApplicantCategory(models.TextChoices):
    """Applicant categories a rule may exempt, each read from the applicant's identity."""

    CHILD = "child", _("Children under 16")
    ELDERLY = "elderly", _("People aged 60 or more")
    BUSINESS = "business", _("Businesses")
    ORGANISATION = "organisation", _("Organisations")


class FeeRule(models.Model):
    """Quy định thu phí, lệ phí: what a procedure version charges on one channel, and when.

    ``valid_from`` / ``valid_to`` bound the days (Asia/Ho_Chi_Minh, both included) on which the
    rule applies. ``online_free_until``: filed online on or before that day, nothing is charged
    (HCMC waived 98 procedures' fees online until 31/12/2025). Applicants of an
    ``exempt_categories`` category pay nothing.
    """

    procedure_version = models.ForeignKey(
        "procedures.ProcedureVersion",
        models.CASCADE,
        related_name="fee_rules",
        verbose_name=_("procedure version"),
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=FilingChannel.choices, default=FilingChannel.ONLINE
    )
    stage = models.CharField(
        _("due"), max_length=10, choices=Stage.choices, default=Stage.SUBMISSION
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    online_free_until = models.DateField(
        _("free online until"),
        null=True,
        blank=True,
        help_text=_("Dossiers filed online on or before this day are not charged."),
    )
    exempt_categories = models.JSONField(
        _("exempt applicant categories"),
        default=list,
        blank=True,
        help_text=_("A list of any of: child, elderly, business, organisation."),
    )
    from_catalogue = models.BooleanField(_("built from the catalogue"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fee rule")
        verbose_name_plural = _("fee rules")
        ordering = ["procedure_version", "channel", "stage", "pk"]

    def __str__(self) -> str:
        return f"{self.procedure_version} {self.channel} {self.stage}"

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity is before its start.")})
        known = {c.value for c in ApplicantCategory}
        if not isinstance(self.exempt_categories, list) or set(self.exempt_categories) - known:
            raise ValidationError(
                {"exempt_categories": _("Unknown applicant category; use: %(codes)s.")
                 % {"codes": ", ".join(sorted(known))}}
            )  # fmt: skip


class FeeRuleLine(models.Model):
    """One line of a rule: a fee (phí) or a charge (lệ phí), in whole VND."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Fee (phí)")
        CHARGE = "charge", _("Charge (lệ phí)")

    rule = models.ForeignKey(FeeRule, models.CASCADE, related_name="lines")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices, default=Kind.CHARGE)
    code = models.CharField(_("code"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=500)
    amount_vnd = models.PositiveBigIntegerField(_("amount (VND)"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("fee line")
        verbose_name_plural = _("fee lines")

    def __str__(self) -> str:
        return f"{self.name}: {self.amount_vnd} VND"


class FeeDemand(models.Model):
    """Khoản phí, lệ phí phải nộp: what one dossier owes at one stage, frozen when asked.

    ``lines`` copies the rule's lines as they were (name, kind, code, amount_vnd), so editing
    the rule later changes no dossier's charge. ``amount`` is VND×100.
    """

    class State(models.TextChoices):
        DUE = "due", _("To pay")
        PAID = "paid", _("Paid")
        WAIVED = "waived", _("Not charged")

    class PaidVia(models.TextChoices):
        ONLINE = "online", _("Online")
        DESK = "desk", _("At the desk")

    dossier = models.ForeignKey(
        "dossiers.Dossier", models.PROTECT, related_name="fee_demands", verbose_name=_("dossier")
    )
    stage = models.CharField(_("due"), max_length=10, choices=Stage.choices)
    rule = models.ForeignKey(FeeRule, models.SET_NULL, null=True, blank=True, related_name="+")
    lines = models.JSONField(_("fee lines"), default=list)
    amount = models.PositiveBigIntegerField(_("amount (VND×100)"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=6, choices=State.choices)
    paid_via = models.CharField(_("paid"), max_length=6, choices=PaidVia.choices, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=clock.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("fee demand")
        verbose_name_plural = _("fee demands")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(state="due"), name="one_open_fee_demand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.stage} {self.amount_vnd} VND {self.state}"

    @property
    def amount_vnd(self) -> int:
        return self.amount // MINOR


class Payment(models.Model):
    """Giao dịch thanh toán: one attempt to pay a demand through a gateway.

    ``txn_ref`` is our order reference at the gateway (``vnp_TxnRef``), unique and never
    reused. pending → paid | failed | expired, once; a failed or expired payment is retried with
    a new payment of the same demand.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the gateway")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Declined")
        EXPIRED = "expired", _("Expired")

    demand = models.ForeignKey(FeeDemand, models.PROTECT, related_name="payments")
    dossier = models.ForeignKey("dossiers.Dossier", models.PROTECT, related_name="payments")
    agency = models.ForeignKey(
        "procedures.Agency", models.PROTECT, null=True, related_name="+", verbose_name=_("agency")
    )
    gateway = models.CharField(_("gateway"), max_length=40)
    txn_ref = models.CharField(_("order reference"), max_length=34, unique=True)
    amount = models.PositiveBigIntegerField(_("amount (VND×100)"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    payment_url = models.TextField(_("payment address"), blank=True)
    created_at = models.DateTimeField(_("started at"), default=clock.now)
    expires_at = models.DateTimeField(_("expires at"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_by = models.CharField(_("settled by"), max_length=10, blank=True)
    transaction_no = models.CharField(_("gateway transaction"), max_length=40, blank=True)
    bank_code = models.CharField(_("bank"), max_length=20, blank=True)
    response_code = models.CharField(_("response code"), max_length=4, blank=True)
    transaction_status = models.CharField(_("transaction status"), max_length=4, blank=True)
    paid_at = models.DateTimeField(_("paid at (gateway)"), null=True, blank=True)
    receipt = models.ForeignKey(
        "dossiers.StoredDocument", models.PROTECT, null=True, blank=True, related_name="+"
    )
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One payment in flight per demand, and a demand paid once.
            models.UniqueConstraint(
                fields=["demand"], condition=Q(state="pending"), name="one_pending_payment"
            ),
            models.UniqueConstraint(
                fields=["demand"], condition=Q(state="paid"), name="one_paid_payment"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="payment_state_created"),
            models.Index(fields=["agency", "created_at"], name="payment_agency_created"),
        ]

    def __str__(self) -> str:
        return f"{self.txn_ref} {self.state}"

    @property
    def amount_vnd(self) -> int:
        return self.amount // MINOR


class AppendOnly(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("payment history is append-only")

    def delete(self):
        raise ValidationError("payment history is append-only")


class PaymentEvent(models.Model):
    """One line of a payment's history: what happened, from which state to which, and the
    gateway's parameters as received. Rows are added, never changed or removed."""

    payment = models.ForeignKey(Payment, models.PROTECT, related_name="events")
    at = models.DateTimeField(_("time"), default=clock.now)
    kind = models.CharField(_("event"), max_length=12)
    from_state = models.CharField(max_length=8, blank=True)
    to_state = models.CharField(max_length=8, blank=True)
    data = models.JSONField(default=dict, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = AppendOnly.as_manager()

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.kind} {self.from_state}→{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("payment history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("payment history is append-only")
