"""The national portal's two payloads, built from our dossiers (DOMAIN.md §8).

- :func:`dossier_payload`: the full dossier (``DongBoHoSoMC``), sent on a submission, a status
  change, a moved due date and a result;
- :func:`progress_payload`: one progress entry (``CapNhatTienDoHoSoMC``), sent on each transition
  and workflow hand-off.

This is the only module that knows the national field names: the rest of the portal speaks of
dossiers, statuses and steps, and the schemas in ``docs/schemas/`` describe what is built here.
Dates are ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh, "" when absent (the national convention);
texts are Vietnamese whatever the language of the request that caused the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import translation

from dossiers.lifecycle.table import TABLE
from dossiers.models import Channel, Dossier, Status, SupplementRequest
from identity.models import Citizen, Role, StaffRole

NATIONAL_TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SUMMARY_LIMIT = 1000  # TrichYeuHoSo
PERSON_LIMIT = 50  # NguoiXuLy
SYSTEM = "system"

# Citizen.AccountType → LoaiDoiTuong (1 citizen, 2 business, 3 state body, 4 organisation).
APPLICANT_TYPES = {
    Citizen.AccountType.CITIZEN: 1,
    Citizen.AccountType.BUSINESS: 2,
    Citizen.AccountType.ORGANISATION: 4,
}
# Our channel → the catalogue's channel kind whose fees apply.
FEE_CHANNELS = {Channel.DIRECT: "direct", Channel.ONLINE: "online", Channel.POST: "postal"}
ID_CARD = 1  # LoaiDinhDanh: personal identification number (CCCD, 12 digits)
OLD_ID_CARD = 2  # a legacy 9-digit ID (CMND)


def national_time(moment: datetime | None) -> str:
    """``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh; "" for no date."""
    if moment is None:
        return ""
    return moment.astimezone(NATIONAL_TIME_ZONE).strftime("%Y%m%d%H%M%S")


def _limit(text: str, size: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[: size - 1] + "…"


# --- the full dossier -------------------------------------------------------------------------


def dossier_payload(dossier: Dossier) -> dict[str, Any]:
    """``DongBoHoSoMC``: the whole dossier as it stands now."""
    with translation.override("vi"):
        return _dossier(dossier)


def _dossier(dossier: Dossier) -> dict[str, Any]:
    version = dossier.procedure_version
    procedure = dossier.procedure
    applicant = dossier.applicant
    sector = version.sector
    documents = list(dossier.documents.select_related("stored"))
    supplements = [
        request
        for request in dossier.supplement_requests.all()
        if request.kind == SupplementRequest.Kind.SUPPLEMENT
    ]
    refused = dossier.status == Status.REFUSED
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": procedure.national_code,
        "TenTTHC": _limit(version.name, 1000),
        "MaLinhVuc": sector.code,
        "TenLinhVuc": sector.name,
        "KenhThucHien": int(dossier.channel),
        "ChuHoSo": applicant.full_name,
        "LoaiDoiTuong": APPLICANT_TYPES.get(applicant.account_type, 1),
        "MaDoiTuong": applicant.id_number,
        "SoDienThoai": applicant.phone,
        "Email": applicant.email,
        "TrichYeuHoSo": _limit(dossier.summary or version.name, SUMMARY_LIMIT),
        "NgayNopHoSo": national_time(dossier.submitted_at),
        "NgayTiepNhan": national_time(dossier.accepted_at),
        "NgayHenTra": national_time(dossier.due_at),
        "NgayYeuCauBoSung": national_time(supplements[-1].requested_at if supplements else None),
        "NgayTuChoi": national_time(dossier.finished_at if refused else None),
        "NgayKetThucXuLy": national_time(dossier.finished_at),
        "NgayTra": national_time(dossier.returned_at),
        "TrangThaiHoSo": int(dossier.status),
        "HinhThuc": 1 if dossier.channel == Channel.POST else 0,
        "DonViXuLy": dossier.receiving_agency.name if dossier.receiving_agency else "",
        "HoSoCoThanhPhanSoHoa": 1 if documents else 0,
        # Citizens sign in with VNeID only (identity.providers), so every applicant is verified.
        "TaiKhoanDuocXacThucVoiVNeID": 1,
        # No online payment yet (the payments issue): 0 = not paid online.
        "DuocThanhToanTrucTuyen": 0,
        "DinhDanhCHS": [
            {
                "LoaiDinhDanh": ID_CARD if len(applicant.id_number) == 12 else OLD_ID_CARD,
                "SoDinhDanh": applicant.id_number,
            }
        ],
        "TaiLieuNop": [
            {
                "TenTepDinhKem": document.stored.original_name,
                "MaThanhPhanHoSo": document.slot_id,
                "DuocSoHoa": 1,
                "DuocTaiSuDung": 1 if document.reused else 0,
                "DuocLayTuKhoDMQG": 0,
            }
            for document in documents
        ],
        "DanhSachLePhi": _fees(dossier),
        "DanhSachHoSoBoSung": [
            {
                "HoSoBoSungId": str(request.pk),
                "NoiDungBoSung": _limit(request.reason, 1000),
                "NgayBoSung": national_time(request.requested_at),
                "NgayTiepNhanBoSung": national_time(request.answered_at),
                "NgayHenTraTruoc": national_time(dossier.original_due_at),
                "NgayHenTraMoi": national_time(dossier.due_at if request.answered_at else None),
            }
            for request in supplements
        ],
        "DanhSachGiayToKetQua": _results(dossier),
    }


def _fees(dossier: Dossier) -> list[dict[str, Any]]:
    kind = FEE_CHANNELS.get(dossier.channel)
    channel = dossier.procedure_version.channels.filter(kind=kind).first()
    if channel is None:
        return []
    return [
        {
            "TenPhiLePhi": _limit(fee.text, 500),
            "MaPhiLePhi": f"{channel.pk}.{fee.order}",
            "HinhThucThu": 1,  # collected at the desk
            "Gia": fee.amount_vnd or 0,
            # 2 = lệ phí (a charge for the public service), 1 = phí (a fee for a service)
            "LoaiPhiLePhi": 2 if "lệ phí" in fee.text.lower() else 1,
        }
        for fee in channel.fees.all()
    ]


def _results(dossier: Dossier) -> list[dict[str, Any]]:
    result = getattr(dossier, "result", None)
    if result is None:
        return []
    return [
        {
            "TenGiayTo": result.title,
            "MaGiayToKetQua": result.number or str(result.public_id),
            # Where the applicant downloads it (after signing in): the portal's own address.
            "DuongDanTepTinKetQua": f"/dossiers/{dossier.code}/result.pdf",
        }
    ]


# --- progress entries -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What a progress entry says of the step in which the change happened."""

    person: str
    title: str
    department: str
    started_at: datetime | None
    legal_end: datetime | None


def progress_payload(dossier: Dossier, change: dict[str, Any]) -> dict[str, Any]:
    """``CapNhatTienDoHoSoMC`` for one change heard from ``dossiers.signals.recorded``."""
    with translation.override("vi"):
        step = _step(dossier, change)
        return {
            "MaHoSo": dossier.code,
            "NguoiXuLy": _limit(step.person, PERSON_LIMIT),
            "ChucDanh": step.title,
            "ThoiDiemXuLy": national_time(change["at"]),
            "PhongBanXuLy": step.department,
            "NoiDungXuLy": _limit(_what(change), 2000),
            "TrangThai": int(change["to_status"]),
            "NgayBatDau": national_time(step.started_at),
            "NgayKetThucTheoQuyDinh": national_time(step.legal_end),
        }


def _what(change: dict[str, Any]) -> str:
    step = change.get("step")
    if change["kind"] == "hand_off" and step is not None:
        what = f"Chuyển xử lý: {step.name}"
    elif change["action"] in TABLE:
        what = str(TABLE[change["action"]].label)
    else:
        what = str(change["action"])
    note = (change.get("note") or "").strip()
    return f"{what}. {note}" if note else what


def _step(dossier: Dossier, change: dict[str, Any]) -> Step:
    opened = change.get("step")
    if opened is not None:  # a hand-off: the step just opened, handled by its unit
        assignee = opened.assignee
        return Step(
            person=_person_name(assignee) if assignee else opened.handed_to.name,
            title=str(Role(opened.role).label) if opened.role in Role.values else opened.role,
            department=opened.handed_to.name,
            started_at=opened.handed_over_at,
            legal_end=opened.deadline,
        )
    open_step = dossier.process_steps.filter(finished_at=None).order_by("-order").first()
    started = open_step.handed_over_at if open_step else change["at"]
    legal_end = open_step.deadline if open_step else dossier.due_at
    actor = change["actor"]
    agency = dossier.receiving_agency
    if actor == SYSTEM:
        name = agency.name if agency else "Hệ thống"
        return Step(name, "Hệ thống", agency.name if agency else "", started, legal_end)
    if actor == dossier.applicant.id_number:
        return Step(dossier.applicant.full_name, "Người nộp hồ sơ", "", started, legal_end)
    user = get_user_model().objects.filter(username=actor).first()
    staff = (
        StaffRole.objects.filter(user=user, agency=agency).select_related("division").first()
        if user is not None
        else None
    )
    if staff is None:
        return Step(actor, "", agency.name if agency else "", started, legal_end)
    return Step(
        person=_person_name(user),
        title=staff.title or str(staff.get_role_display()),
        department=staff.division.name if staff.division else staff.agency.name,
        started_at=started,
        legal_end=legal_end,
    )


def _person_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()).strip()
