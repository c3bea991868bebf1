"""Configuration of working time and of department workflows (templates and their steps).

The rules that use these rows live in :mod:`workflow.calendar` and :mod:`workflow.templates`;
nothing here computes a deadline.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from identity.models import Role


class CalendarOverride(models.Model):
    """Ngày nghỉ bù / ngày làm bù: one date the government moved, for every agency.

    Each year the government swaps days (e.g. a Monday off before 2/9, worked back on a
    Saturday); an administrator enters them here. A row wins over weekends and holidays.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Extra day off")
        WORKING_DAY = "working_day", _("Extra working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(
        _("reason"), max_length=255, help_text=_("For example the government notice.")
    )

    class Meta:
        ordering = ["-date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}: {self.get_kind_display()}"


WEEKDAYS_RE = re.compile(r"^[1-7]{1,7}$")


class WorkingHours(models.Model):
    """Giờ làm việc of one agency, when it differs from the default of the settings.

    Two periods a day (morning and afternoon) on the listed ISO weekdays (1 = Monday).
    """

    agency = models.OneToOneField(
        "procedures.Agency",
        on_delete=models.CASCADE,
        related_name="working_hours",
        verbose_name=_("agency"),
    )
    morning_start = models.TimeField(_("morning starts"))
    morning_end = models.TimeField(_("morning ends"))
    afternoon_start = models.TimeField(_("afternoon starts"))
    afternoon_end = models.TimeField(_("afternoon ends"))
    weekdays = models.CharField(
        _("working weekdays"),
        max_length=7,
        default="12345",
        validators=[RegexValidator(WEEKDAYS_RE, _("Use the digits 1 (Monday) to 7 (Sunday)."))],
        help_text=_("Digits 1 (Monday) to 7 (Sunday), e.g. 12345 for Monday to Friday."),
    )

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return str(self.agency)

    def clean(self) -> None:
        times = [self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end]
        if None in times:
            return  # the field errors already say what is missing
        ms, me, as_, ae = times
        if not (ms < me <= as_ < ae):
            raise ValidationError(
                _("Each period must start before it ends, and the morning before the afternoon.")
            )

    def periods(self):
        """The day's working periods, ``((start, end), (start, end))``."""
        return (
            (self.morning_start, self.morning_end),
            (self.afternoon_start, self.afternoon_end),
        )

    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.weekdays)


class AuthorityTier(models.TextChoices):
    """Which kind of body handles a procedure, for choosing its default workflow template.

    The catalogue's authority level says who decides (xã / tỉnh / bộ); in the city the
    commune, a department of the city (sở) or a branch of a central ministry (ngành dọc:
    police, tax, customs, the State Bank, the court) handles the dossier.
    """

    COMMUNE = "commune", _("Commune (Ủy ban nhân dân cấp xã)")
    PROVINCE = "province", _("City department (sở, ngành)")
    VERTICAL = "vertical", _("Vertical agency (ngành dọc)")
    FALLBACK = "fallback", _("Any other procedure")


class WorkflowTemplate(models.Model):
    """Quy trình nội bộ: the ordered steps a dossier of a procedure goes through after reception.

    A template is the default of at most one authority tier, or attached to procedure versions
    (:class:`ProcedureWorkflow`). Step shares add up to 100 (:func:`validate_shares`).
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    default_for = models.CharField(
        _("default for"),
        max_length=10,
        choices=AuthorityTier.choices,
        blank=True,
        help_text=_(
            "Used for every procedure of this kind that has no workflow of its own. "
            "Each kind has at most one default."
        ),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive template is not given to new dossiers."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("workflow template")
        verbose_name_plural = _("workflow templates")
        constraints = [
            models.UniqueConstraint(
                fields=["default_for"],
                condition=~models.Q(default_for=""),
                name="one_default_workflow_per_tier",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def validate_steps(self) -> None:
        """Refuse a saved template whose steps do not share the whole duration.

        Not part of ``clean()``: the admin saves the template before its step inline, so the
        rule is checked there on the submitted steps (``workflow.admin.StepFormSet``), which
        also lets an administrator repair a broken template.
        """
        validate_shares([step.share for step in self.steps.all()])


def validate_shares(shares: list[int]) -> None:
    """Refuse step shares that do not make up the whole duration (100 %)."""
    if not shares:
        raise ValidationError(_("A workflow needs at least one step."))
    total = sum(shares)
    if total != 100:
        raise ValidationError(
            _("The steps' shares of the duration add up to %(total)s%%; they must make 100%%.")
            % {"total": total}
        )


# The roles that handle a dossier's steps (administrators configure, they do not process).
STEP_ROLES = [
    (role.value, role.label)
    for role in (Role.RECEPTION, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
]


class WorkflowStep(models.Model):
    """Bước xử lý: one step of a template, its handler and its share of the total duration."""

    class Department(models.TextChoices):
        RECEIVING_AGENCY = "receiving_agency", _("The receiving agency itself")
        LEAD_DIVISION = "lead_division", _("The receiving agency's lead division")
        FIXED = "fixed", _("A fixed agency or division")

    template = models.ForeignKey(
        WorkflowTemplate,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("workflow template"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("handled by"), max_length=16, choices=STEP_ROLES)
    department = models.CharField(
        _("department"),
        max_length=16,
        choices=Department.choices,
        default=Department.LEAD_DIVISION,
        help_text=_("The receiving agency and its lead division are found when routing."),
    )
    agency = models.ForeignKey(
        "procedures.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fixed agency"),
        help_text=_("Only for a fixed department."),
    )
    share = models.PositiveSmallIntegerField(
        _("share of the duration (%)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    consulted_agency = models.ForeignKey(
        "procedures.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consulted agency (liên thông)"),
        help_text=_(
            "Asked in parallel during this step; the step waits for its answer before moving on."
        ),
    )

    class Meta:
        ordering = ["template", "order"]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="unique_workflow_step_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.department == self.Department.FIXED and self.agency_id is None:
            raise ValidationError({"agency": _("Choose the agency that handles a fixed step.")})
        if self.department != self.Department.FIXED and self.agency_id is not None:
            raise ValidationError(
                {"agency": _("A fixed agency is only used with the department “fixed”.")}
            )


class ProcedureWorkflow(models.Model):
    """The workflow of one procedure version, instead of the default of its authority tier.

    Kept apart from the version, which is frozen once published: the agency's internal process
    may change without a new version of the procedure. A newer version without a row of its
    own keeps its predecessor's workflow (:func:`workflow.templates.template_for`).
    """

    version = models.OneToOneField(
        "procedures.ProcedureVersion",
        on_delete=models.CASCADE,
        related_name="workflow",
        verbose_name=_("procedure version"),
    )
    template = models.ForeignKey(
        WorkflowTemplate,
        on_delete=models.PROTECT,
        related_name="procedure_versions",
        verbose_name=_("workflow template"),
    )

    class Meta:
        verbose_name = _("procedure workflow")
        verbose_name_plural = _("procedure workflows")

    def __str__(self) -> str:
        return f"{self.version}: {self.template}"


class ProcessStep(models.Model):
    """Một dòng phiếu kiểm soát quá trình (Mẫu 06): one hand-off of a dossier to a workflow step.

    Written by the routing task (:mod:`workflow.routing`) when a dossier is routed (the first
    step after reception) and at each forward (the open step is closed, the next one opened).
    The step's name and role are copied from the template step: the record stays as it was
    even when an administrator edits the template later. ``assignee`` is the official who
    handles the step; empty, the step waits in the receiving unit's shared queue.
    """

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        related_name="process_steps",
        verbose_name=_("dossier"),
    )
    template_step = models.ForeignKey(
        WorkflowStep,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("workflow step"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("step"), max_length=255)
    role = models.CharField(_("handled by"), max_length=16, choices=STEP_ROLES)
    handed_over_by = models.ForeignKey(
        "procedures.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit handing over"),
    )
    handed_to = models.ForeignKey(
        "procedures.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit receiving"),
    )
    handed_over_at = models.DateTimeField(_("handed over at"))
    deadline = models.DateTimeField(_("step deadline"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.CharField(
        _("result"),
        max_length=10,
        blank=True,
        choices=[
            ("early", _("Early")),
            ("on_time", _("On time")),
            ("late", _("Late")),
        ],
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned official"),
        help_text=_("Empty: the step waits in the receiving unit's shared queue."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["dossier", "order"]
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        constraints = [
            # A redelivered routing task finds its row and writes no second one.
            models.UniqueConstraint(fields=["dossier", "order"], name="one_process_step_per_order")
        ]
        indexes = [
            models.Index(
                fields=["handed_to", "role"],
                condition=models.Q(finished_at=None),
                name="open_process_steps",
            ),
            # A unit's shared queue (open, unassigned steps), with the dossier: index-only.
            models.Index(
                fields=["handed_to", "role"],
                include=["dossier"],
                condition=models.Q(finished_at=None, assignee=None),
                name="shared_open_steps",
            ),
            # "My queue": the open steps assigned to an official (workflow.queues).
            models.Index(
                fields=["assignee"],
                condition=models.Q(finished_at=None),
                name="open_steps_by_assignee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.order}. {self.name}"

    @property
    def is_open(self) -> bool:
        return self.finished_at is None


def _counted_key(model: str, verbose_name) -> models.ForeignKey:
    """A counter's reference to an agency or a procedure: no constraint nor index (the
    counters are written by triggers only, and a deleted agency must not cascade to them)."""
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=verbose_name,
    )


class DossierCount(models.Model):
    """How many dossiers one agency received in one status for one procedure.

    Kept by the database itself on PostgreSQL (:mod:`workflow.counters`: triggers on the
    dossier rows, in the transaction of every change), read by the inbox's tab counts instead
    of counting an agency's dossiers on every request. Never written by the application;
    ``manage.py queue_counts --check`` compares it with the rows, ``--rebuild`` rewrites it.
    """

    agency = _counted_key("procedures.Agency", _("receiving agency"))
    status = models.PositiveSmallIntegerField(_("status"))
    procedure = _counted_key("procedures.Procedure", _("procedure"))
    n = models.IntegerField(_("dossiers"), default=0)

    class Meta:
        verbose_name = _("dossier count")
        verbose_name_plural = _("dossier counts")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "status", "procedure"], name="one_dossier_count_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} · {self.status} · {self.procedure_id}: {self.n}"


class StepCount(models.Model):
    """How many open process steps of one name wait at one unit, for one role and one holder
    (0: the unit's shared queue), per the dossier's receiving agency, status and procedure.

    Kept like :class:`DossierCount` (triggers on the steps and on the dossiers' status):
    "my queue" and the department's shared queue count from it.
    """

    unit = _counted_key("procedures.Agency", _("unit receiving"))
    role = models.CharField(_("handled by"), max_length=16, choices=STEP_ROLES)
    name = models.CharField(_("step"), max_length=255)  # the step filter's names come from here
    # A plain number, not a key: 0 is "nobody" (the shared queue), which a unique key on a
    # nullable column could not tell apart from another empty holder.
    assignee_id = models.BigIntegerField(_("assigned official"), default=0)
    agency = _counted_key("procedures.Agency", _("receiving agency"))
    status = models.PositiveSmallIntegerField(_("status"))
    procedure = _counted_key("procedures.Procedure", _("procedure"))
    n = models.IntegerField(_("open steps"), default=0)

    class Meta:
        verbose_name = _("open step count")
        verbose_name_plural = _("open step counts")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "role", "assignee_id", "name", "agency", "status", "procedure"],
                name="one_step_count_per_key",
            )
        ]
        indexes = [models.Index(fields=["assignee_id"], name="step_counts_by_assignee")]

    def __str__(self) -> str:
        holder = self.assignee_id or "-"
        return f"{self.unit_id} · {self.role} · {holder} · {self.status}: {self.n}"
