"""Who acts in the demo: citizens signed in through VNeID's claims, and the demo officials.

The citizens are the sandbox's VNeID identities (``sandbox/vneid/seed.py``) with the same
subject, so choosing Nguyễn Văn An on the sandbox's login page opens the account that holds the
seeded dossiers. The portal never imports the sandbox: the subject is derived here the way the
sandbox derives it (``sandbox/vneid/subjects.py``; a test checks that both agree).
They are created by :func:`identity.citizens.login_citizen_from_claims`, as a first login
creates them, and their contact data by :func:`identity.citizens.update_contact`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model

from identity.citizens import login_citizen_from_claims, update_contact
from identity.models import Citizen, Role
from procedures.models import Agency

# The sandbox VNeID's namespace for subjects: ``sub`` = uuid5(namespace, ID number).
SANDBOX_SUBJECTS = uuid.UUID("6f1c3a52-8e0b-4c55-9d2e-5b7a0e4f9c11")

BEN_THANH = "H29.26743"  # Phường Bến Thành
DAU_TIENG = "H29.25777"  # Xã Dầu Tiếng
POLICE = "H29.16"  # Công an Thành phố
JUSTICE = "H29.03"  # Sở Tư pháp

# Agency code → the username prefix of its demo officials (seed_demo.DEMO_AGENCIES).
PREFIXES = {BEN_THANH: "benthanh", DAU_TIENG: "dautieng", POLICE: "congan", JUSTICE: "tuphap"}
SUFFIXES = {
    Role.RECEPTION: "motcua",
    Role.SPECIALIST: "chuyenvien",
    Role.DIVISION_HEAD: "truongphong",
    Role.LEADER: "lanhdao",
}


@dataclass(frozen=True)
class DemoPerson:
    key: str
    full_name: str
    id_number: str
    birth_date: date
    gender: str  # as VNeID sends it: "Nam" / "Nữ"
    phone: str
    email: str
    address: str
    ward: str

    def claims(self) -> dict[str, Any]:
        """What VNeID (the sandbox) releases about this person, in its names and formats."""
        return {
            "sub": str(uuid.uuid5(SANDBOX_SUBJECTS, self.id_number)),
            "SoDinhDanh": self.id_number,
            "HoVaTen": self.full_name,
            "NgayThangNamSinh": self.birth_date.strftime("%d/%m/%Y"),
            "GioiTinh": self.gender,
            "LoaiTaiKhoan": 1,
            "IAL": 2,
        }


# The first three are the sandbox's level-2 citizens; the last two exist only on the portal.
PEOPLE = (
    DemoPerson("an", "Nguyễn Văn An", "079085001234", date(1985, 3, 12), "Nam", "0903123456",
               "an.nguyen@example.vn", "12 Lê Lợi", BEN_THANH),
    DemoPerson("bich", "Trần Thị Bích", "079192004567", date(1992, 7, 25), "Nữ", "0912456789",
               "bich.tran@example.vn", "45 Lý Tự Trọng", BEN_THANH),
    DemoPerson("ha", "Phạm Thu Hà", "001190002345", date(1990, 1, 15), "Nữ", "0988765432",
               "ha.pham@example.vn", "Ấp Bàu Bàng", DAU_TIENG),
    DemoPerson("trang", "Lê Thị Thu Trang", "079188012345", date(1988, 10, 4), "Nữ",
               "0934222333", "trang.le@example.vn", "88 Nguyễn Huệ", BEN_THANH),
    DemoPerson("tuan", "Võ Minh Tuấn", "079076054321", date(1976, 6, 30), "Nam", "0977111222",
               "tuan.vo@example.vn", "Khu phố 3, thị trấn cũ", DAU_TIENG),
)  # fmt: skip


def ensure_citizens() -> dict[str, Citizen]:
    """Each demo citizen, by key: signed in once through the claims, contact data filled in
    only while it is empty (a citizen's own later changes are kept)."""
    wards = {a.code: a for a in Agency.objects.filter(code__in={p.ward for p in PEOPLE})}
    citizens = {}
    for person in PEOPLE:
        citizen = login_citizen_from_claims(person.claims())
        if not citizen.phone:
            update_contact(
                citizen,
                phone=person.phone,
                email=person.email,
                address=person.address,
                ward=wards[person.ward],
            )
        citizens[person.key] = citizen
    return citizens


def officials() -> dict[tuple[str, str], Any]:
    """The demo officials by (agency code, role)."""
    User = get_user_model()
    wanted = {f"{PREFIXES[a]}.{SUFFIXES[r]}": (a, r) for a in PREFIXES for r in SUFFIXES}
    return {wanted[u.username]: u for u in User.objects.filter(username__in=wanted)}
