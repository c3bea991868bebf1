"""Demo identities of the VNeID stand-in.

``Citizen`` is the sandbox's user model (``AUTH_USER_MODEL``): choosing one on the login page
signs it into the sandbox session, and django-oauth-toolkit ties grants and tokens to it.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models

from .subjects import SUBJECT_NAMESPACE, subject_for  # noqa: F401  (imported from here too)


class Gender(models.TextChoices):
    MALE = "Nam", "Nam"
    FEMALE = "Nữ", "Nữ"


class AccountType(models.IntegerChoices):
    """``LoaiTaiKhoan``: what kind of VNeID account signs in."""

    CITIZEN = 1, "Công dân"
    BUSINESS = 2, "Doanh nghiệp"
    ORGANISATION = 3, "Tổ chức"


class AssuranceLevel(models.IntegerChoices):
    """``IAL``: level 2 means identity checked in person (chip ID card); most procedures need it."""

    LEVEL_1 = 1, "Mức 1"
    LEVEL_2 = 2, "Mức 2"


class CitizenManager(BaseUserManager):
    def get_by_natural_key(self, id_number: str) -> Citizen:
        return self.get(id_number=id_number)


class Citizen(AbstractBaseUser):
    """Công dân: a VNeID account holder (for business accounts, the person who represents it)."""

    subject = models.CharField("subject (sub)", max_length=64, unique=True, editable=False)
    id_number = models.CharField("số định danh cá nhân", max_length=12, unique=True)
    full_name = models.CharField("họ và tên", max_length=200)
    organisation_name = models.CharField(
        "tên doanh nghiệp / tổ chức", max_length=200, blank=True, default=""
    )
    birth_date = models.DateField("ngày sinh")
    gender = models.CharField("giới tính", max_length=3, choices=Gender.choices)
    account_type = models.PositiveSmallIntegerField(
        "loại tài khoản", choices=AccountType.choices, default=AccountType.CITIZEN
    )
    assurance_level = models.PositiveSmallIntegerField(
        "mức định danh", choices=AssuranceLevel.choices, default=AssuranceLevel.LEVEL_2
    )

    USERNAME_FIELD = "id_number"
    REQUIRED_FIELDS: list[str] = []

    objects = CitizenManager()

    class Meta:
        verbose_name = "công dân (tài khoản VNeID)"
        verbose_name_plural = "công dân (tài khoản VNeID)"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.masked_id_number})"

    def save(self, *args, **kwargs):
        if not self.subject:
            self.subject = subject_for(self.id_number)
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        """The ID number as the login page shows it, e.g. ``0790850•••34``."""
        return f"{self.id_number[:7]}•••{self.id_number[-2:]}"

    def claims(self) -> dict[str, str | int]:
        """The claims VNeID releases about this account, with VNeID's own names and formats."""
        return {
            "sub": self.subject,
            "SoDinhDanh": self.id_number,
            "HoVaTen": self.full_name,
            "NgayThangNamSinh": self.birth_date.strftime("%d/%m/%Y"),
            "GioiTinh": self.gender,
            "LoaiTaiKhoan": int(self.account_type),
            "IAL": int(self.assurance_level),
        }


CLAIM_NAMES = (
    "sub",
    "SoDinhDanh",
    "HoVaTen",
    "NgayThangNamSinh",
    "GioiTinh",
    "LoaiTaiKhoan",
    "IAL",
)
