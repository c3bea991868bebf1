"""Who may file a procedure: the catalogue's applicant types against the VNeID account type.

The catalogue names applicant types ("đối tượng thực hiện") in words; VNeID says what kind of
account signs in with the claim ``LoaiTaiKhoan``: 1 a person, 2 a business, 3 an organisation.
Each catalogue type maps to the account that files for it:

* a person (1): Công dân Việt Nam, Người Việt Nam định cư ở nước ngoài, Người nước ngoài (and
  "… cư trú tại Việt Nam"), Cán bộ, công chức, viên chức, Đảng viên;
* a business (2): Doanh nghiệp, Doanh nghiệp Việt Nam, Doanh nghiệp có vốn đầu tư nước ngoài,
  Hợp tác xã;
* an organisation (3): Tổ chức (không bao gồm doanh nghiệp, HTX), Tổ chức nước ngoài, Tổ chức
  Đảng.

A type the list does not know is matched by its first word (``Doanh nghiệp…``, ``Tổ chức…``,
``Hợp tác xã…``, else a person). A procedure that names no type is open to every account: the
catalogue is silent, and refusing would block citizens for a gap in the data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

PERSON, BUSINESS, ORGANISATION = 1, 2, 3
ACCOUNT_TYPES = (PERSON, BUSINESS, ORGANISATION)

KNOWN: dict[str, int] = {
    "công dân việt nam": PERSON,
    "người việt nam định cư ở nước ngoài": PERSON,
    "người nước ngoài": PERSON,
    "người nước ngoài cư trú tại việt nam": PERSON,
    "cán bộ, công chức, viên chức": PERSON,
    "đảng viên": PERSON,
    "doanh nghiệp": BUSINESS,
    "doanh nghiệp việt nam": BUSINESS,
    "doanh nghiệp có vốn đầu tư nước ngoài": BUSINESS,
    "hợp tác xã": BUSINESS,
    "tổ chức (không bao gồm doanh nghiệp, htx)": ORGANISATION,
    "tổ chức nước ngoài": ORGANISATION,
    "tổ chức đảng": ORGANISATION,
}
FOREIGN_ONLY = frozenset({"người nước ngoài", "người nước ngoài cư trú tại việt nam"})


def _key(applicant_type: str) -> str:
    return " ".join(applicant_type.lower().split())


def account_type_of(applicant_type: str) -> int:
    """The VNeID account type that files for one catalogue applicant type."""
    key = _key(applicant_type)
    if key in KNOWN:
        return KNOWN[key]
    if key.startswith(("doanh nghiệp", "hợp tác xã")):
        return BUSINESS
    if key.startswith("tổ chức"):
        return ORGANISATION
    return PERSON


def allowed_account_types(applicant_types: Iterable[str]) -> list[int]:
    """Account types that may file, in order 1, 2, 3; all of them when none is stated."""
    found = {account_type_of(t) for t in applicant_types if t and t.strip()}
    return sorted(found) if found else list(ACCOUNT_TYPES)


def vietnamese_may_file(applicant_types: Iterable[str]) -> bool:
    """False only for procedures whose every applicant type is a foreigner."""
    keys = [_key(t) for t in applicant_types if t and t.strip()]
    return not keys or any(key not in FOREIGN_ONLY for key in keys)


def account_type_label(account_type: int) -> str:
    labels = {
        PERSON: _("personal account (citizen)"),
        BUSINESS: _("business account"),
        ORGANISATION: _("organisation account"),
    }
    return labels.get(account_type, str(account_type))


def account_problem(account_type: int, applicant_types: Iterable[str]) -> str | None:
    """Why an account of ``account_type`` may not file, translated; None when it may."""
    allowed = allowed_account_types(applicant_types)
    if account_type in allowed:
        return None
    return _(
        "This procedure is filed by: %(allowed)s. You are signed in with a %(yours)s, which "
        "cannot file it. Sign in to VNeID with an account of the right type."
    ) % {
        "allowed": ", ".join(account_type_label(t) for t in allowed),
        "yours": account_type_label(account_type),
    }
