"""Who is who: citizens (VNeID), officials with roles per agency, machine clients, the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Citizen(models.Model):
    """Công dân: the profile of a person (or business account) who logs in with VNeID.

    Keyed by the personal identification number (số định danh cá nhân). Name, birth date and
    assurance level come from VNeID and are refreshed at each login; contact data is the
    citizen's own.
    """

    class AccountType(models.IntegerChoices):
        CITIZEN = 1, _("Citizen")
        BUSINESS = 2, _("Business")
        ORGANISATION = 3, _("Organisation")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="citizen")
    id_number = models.CharField(_("ID number"), max_length=12, unique=True)
    subject = models.CharField(_("VNeID subject"), max_length=255, unique=True)
    full_name = models.CharField(_("full name"), max_length=255)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    account_type = models.PositiveSmallIntegerField(
        _("account type"), choices=AccountType.choices, default=AccountType.CITIZEN
    )
    assurance_level = models.PositiveSmallIntegerField(_("assurance level"), default=1)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("street address"), max_length=255, blank=True)
    ward = models.ForeignKey(
        "procedures.Agency",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "commune"},
        verbose_name=_("ward / commune"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.id_number})"


class Role(models.TextChoices):
    """What an official does in an agency."""

    RECEPTION = "reception", _("Reception desk (one-stop)")
    SPECIALIST = "specialist", _("Specialist")
    DIVISION_HEAD = "division_head", _("Head of division")
    LEADER = "leader", _("Agency leader (signs)")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    CITY_ADMIN = "city_admin", _("City administrator")


class StaffRole(models.Model):
    """One role of an official in one agency (and, where relevant, one of its divisions)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="staff_roles",
        verbose_name=_("official"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    agency = models.ForeignKey(
        "procedures.Agency", models.PROTECT, related_name="staff_roles", verbose_name=_("agency")
    )
    division = models.ForeignKey(
        "procedures.Agency",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "agency"], name="unique_role_per_agency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.agency.code}"

    def clean(self):
        if self.division_id and self.division.parent_id != self.agency_id:
            raise ValidationError({"division": _("The division must belong to the agency.")})


class MachineClient(models.Model):
    """A system that calls the API on its own behalf (e.g. the national portal)."""

    client_id = models.SlugField(_("client id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    secret_hash = models.CharField(_("secret (hashed)"), max_length=255)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("machine client")
        verbose_name_plural = _("machine clients")

    def __str__(self) -> str:
        return self.client_id

    def set_secret(self, secret: str) -> None:
        self.secret_hash = make_password(secret)

    def check_secret(self, secret: str) -> bool:
        return check_password(secret, self.secret_hash)


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk changes would bypass the model's guards: refuse them too."""

    def update(self, **kwargs):
        raise ValidationError(_("Audit events cannot be changed."))

    def delete(self):
        raise ValidationError(_("Audit events cannot be deleted."))


class AuditEvent(models.Model):
    """Nhật ký: one security-relevant event. Append-only (enforced here and, on PostgreSQL, by a
    trigger that refuses UPDATE and DELETE)."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGOUT = "logout", _("Logout")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKOUT = "lockout", _("Account locked")
        TOKEN_ISSUED = "token_issued", _("Token issued")
        TOKEN_REFUSED = "token_refused", _("Token refused")
        PERMISSION_DENIED = "permission_denied", _("Permission refused")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_REVOKED = "role_revoked", _("Role revoked")
        OUTBOX_REQUEUED = "outbox_requeued", _("Outbox messages requeued")

    class ActorType(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        OFFICIAL = "official", _("Official")
        MACHINE = "machine", _("Machine client")
        ANONYMOUS = "anonymous", _("Anonymous")

    at = models.DateTimeField(_("time (UTC)"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    actor_type = models.CharField(_("actor type"), max_length=10, choices=ActorType.choices)
    actor = models.CharField(_("actor"), max_length=255, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    path = models.CharField(_("path"), max_length=255, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit events cannot be deleted."))
