"""Citizens: turning VNeID claims into a local account, contact data, assurance requirements.

VNeID is the source of truth for who the person is (name, birth date, gender, account type and
assurance level); those fields are refreshed at every login and never edited here. Contact data
(phone, email, address, ward) is the citizen's own and only :func:`update_contact` changes it.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .idnumber import FEMALE, MALE, consistency_problem, parse_id_number
from .models import Citizen
from .providers.base import ClaimMapping
from .providers.registry import active_provider

REQUIRED_LEVEL_DEFAULT = 2


class CitizenRefused(Exception):
    """The claims cannot open a session; ``message`` is translated and safe to show."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code  # short machine reason for the audit log


@dataclass(frozen=True)
class CitizenClaims:
    """The VNeID claims the portal uses, already checked and converted."""

    subject: str
    id_number: str
    full_name: str
    birth_date: datetime.date | None
    gender: str
    account_type: int
    assurance_level: int


def _parse_date(raw: object) -> datetime.date | None:
    """VNeID sends ``dd/mm/yyyy``; some integrations send ISO ``yyyy-mm-dd``."""
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        raise ValueError("not a string")
    text = raw.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _parse_gender(raw: object) -> str:
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str):
        raise ValueError("not a string")
    text = unicodedata.normalize("NFC", raw.strip()).casefold()
    if text in {"nam", "male"}:
        return MALE
    if text in {"nữ", "nu", "female"}:
        return FEMALE
    raise ValueError(text)


def _parse_small_int(raw: object, allowed: set[int], default: int) -> int:
    if raw in (None, ""):
        return default
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, str):
        raw = raw.strip().upper().removeprefix("IAL")
        if not raw.isdigit():
            raise ValueError(raw)
    value = int(raw)
    if value not in allowed:
        raise ValueError(value)
    return value


def read_claims(claims: dict[str, Any], names: ClaimMapping | None = None) -> CitizenClaims:
    """Check and convert the raw claims; raises :class:`CitizenRefused` naming the problem.

    ``names`` says which claim carries which field; by default the configured identity
    provider's (:mod:`identity.providers`).
    """
    names = names or active_provider().claims
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise CitizenRefused(_("VNeID did not say who you are (no subject)."), "no_subject")
    number = parse_id_number(claims.get(names.id_number))
    if not number.valid:
        raise CitizenRefused(
            _("VNeID sent an ID number the portal cannot accept: %(reason)s")
            % {"reason": number.reason},
            "bad_id_number",
        )
    full_name = claims.get(names.full_name)
    if not isinstance(full_name, str) or not full_name.strip():
        raise CitizenRefused(_("VNeID did not send your full name."), "no_name")
    try:
        birth_date = _parse_date(claims.get(names.birth_date))
    except ValueError:
        raise CitizenRefused(
            _("VNeID sent a birth date the portal cannot read."), "bad_birth_date"
        ) from None
    try:
        gender = _parse_gender(claims.get(names.gender))
    except ValueError:
        raise CitizenRefused(
            _("VNeID sent a gender the portal cannot read."), "bad_gender"
        ) from None
    try:
        account_type = _parse_small_int(
            claims.get(names.account_type),
            set(Citizen.AccountType.values),
            Citizen.AccountType.CITIZEN,
        )
        level = next((claims[name] for name in names.assurance_level if name in claims), None)
        assurance_level = _parse_small_int(level, {1, 2}, 1)
    except (TypeError, ValueError):
        raise CitizenRefused(
            _("VNeID sent an account type or level the portal does not know."), "bad_account"
        ) from None
    problem = consistency_problem(number, birth_date, gender or None)
    if problem:
        raise CitizenRefused(
            _("Your VNeID data is inconsistent, so the portal cannot log you in: %(problem)s")
            % {"problem": problem},
            "inconsistent_identity",
        )
    return CitizenClaims(
        subject=subject.strip(),
        id_number=number.value,
        full_name=" ".join(full_name.split())[:255],
        birth_date=birth_date,
        gender=gender,
        account_type=account_type,
        assurance_level=assurance_level,
    )


def login_citizen_from_claims(claims: dict[str, Any]) -> Citizen:
    """The citizen (created on first login, refreshed afterwards) for verified VNeID claims.

    One person is one ID number and one VNeID subject: a known ID number arriving with another
    subject, or a known subject with another ID number, is refused rather than merged, because
    either means the provider's answer does not match what it told us before.
    """
    data = read_claims(claims)
    try:
        with transaction.atomic():
            return _create_or_refresh(data)
    except IntegrityError:
        # Two first logins of the same person at the same moment: one wins, the other retries.
        raise CitizenRefused(
            _("Your account is being set up by another login. Please try again."), "conflict"
        ) from None


def _create_or_refresh(data: CitizenClaims) -> Citizen:
    citizen = (
        Citizen.objects.select_for_update().select_related("user").filter(id_number=data.id_number)
    ).first()
    other = Citizen.objects.filter(subject=data.subject).exclude(id_number=data.id_number)
    if other.exists():
        raise CitizenRefused(
            _("This VNeID account is already linked to another ID number on the portal."),
            "subject_mismatch",
        )
    if citizen is None:
        user = get_user_model().objects.create_user(username=f"vneid-{data.id_number}")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        return Citizen.objects.create(
            user=user,
            id_number=data.id_number,
            subject=data.subject,
            full_name=data.full_name,
            birth_date=data.birth_date,
            gender=data.gender,
            account_type=data.account_type,
            assurance_level=data.assurance_level,
        )
    if citizen.subject != data.subject:
        raise CitizenRefused(
            _("This ID number is already linked to another VNeID account on the portal."),
            "subject_mismatch",
        )
    if not citizen.user.is_active:
        raise CitizenRefused(_("This portal account has been disabled."), "inactive")
    citizen.full_name = data.full_name
    citizen.birth_date = data.birth_date
    citizen.gender = data.gender
    citizen.account_type = data.account_type
    citizen.assurance_level = data.assurance_level
    citizen.save(
        update_fields=[
            "full_name",
            "birth_date",
            "gender",
            "account_type",
            "assurance_level",
            "updated_at",
        ]
    )
    return citizen


CONTACT_FIELDS = ("phone", "email", "address", "ward")


def update_contact(citizen: Citizen, **values: Any) -> Citizen:
    """Save the citizen's own contact data, and nothing else.

    Only the contact columns are written, so a login refreshing the VNeID data at the same time
    is never overwritten with what this page loaded earlier.
    """
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not contact fields: {sorted(unknown)}")
    for name, value in values.items():
        setattr(citizen, name, value)
    citizen.save(update_fields=[*values, "updated_at"])
    return citizen


def citizen_of(user: Any) -> Citizen | None:
    """The citizen profile of a logged-in user, or None (anonymous users, officials)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.citizen
    except Citizen.DoesNotExist:
        return None


def required_level(procedure: Any) -> int:
    version = getattr(procedure, "current_version", None)
    if version is None:
        return REQUIRED_LEVEL_DEFAULT
    return version.required_assurance_level


def assurance_problem(citizen: Citizen, procedure: Any) -> str | None:
    """Why ``citizen`` cannot apply online for ``procedure`` with their VNeID level (None: OK)."""
    needed = required_level(procedure)
    if citizen.assurance_level >= needed:
        return None
    # The same msgid is used by templates/identity/citizen_assurance_note.html.
    return _(
        "This procedure needs a level %(needed)s VNeID account, and yours is level %(level)s. "
        "To upgrade, bring your chip-based citizen identity card to the police of your ward or "
        "commune and ask to activate VNeID level 2; then log in again."
    ) % {"needed": needed, "level": citizen.assurance_level}
