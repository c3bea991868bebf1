"""The national portal's own format: the only module of the stand-in that names its fields.

``DongBoHoSoMC`` (a full dossier) and ``CapNhatTienDoHoSoMC`` (a progress entry) arrive inside
the protocol's envelopes; this module checks the few fields the stand-in relies on and turns a
payload into what the lookup page shows (status names of DOMAIN.md §3, readable dates).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# TrangThaiHoSo: national code → the status name the national portal shows (DOMAIN.md §3).
STATUS_NAMES: dict[str, str] = {
    "0": "Liên thông",
    "1": "Mới đăng ký",
    "2": "Được tiếp nhận",
    "3": "Không được tiếp nhận",
    "4": "Đang xử lý",
    "5": "Yêu cầu bổ sung giấy tờ",
    "6": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "7": "Công dân yêu cầu rút hồ sơ",
    "8": "Dừng xử lý",
    "9": "Đã xử lý xong",
    "10": "Đã trả kết quả",
}
# The national portal's English status keys, accepted as well as the numeric codes.
STATUS_KEYS: dict[str, str] = {
    "receiving": "1",
    "new": "2",
    "denied": "3",
    "processing": "4",
    "waiting": "5",
    "paying": "6",
    "cancelled": "7",
    "unresolved": "8",
    "releasing": "9",
    "done": "10",
}
CHANNELS = {"1": "Trực tiếp", "2": "Trực tuyến", "3": "Qua bưu chính"}
DATE_FORMAT = "%Y%m%d%H%M%S"


class PayloadError(ValueError):
    """The payload lacks what the national portal needs; the message says what, in Vietnamese
    then English."""


def status_code(value: Any) -> str:
    """The numeric national code of a ``TrangThaiHoSo`` value ("" when it is not one)."""
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    text = STATUS_KEYS.get(text.lower(), text)
    return text if text in STATUS_NAMES else ""


def status_name(value: Any) -> str:
    code = status_code(value)
    return STATUS_NAMES[code] if code else (str(value) if value not in (None, "") else "")


def check(kind: str, dossier_code: str, payload: dict[str, Any]) -> None:
    """Refuse a payload that does not belong to the envelope's dossier or has no valid status."""
    code = payload.get("MaHoSo")
    if code is not None and code != dossier_code:
        raise PayloadError(
            f"MaHoSo ({code!r}) khác dossier_code của bản tin "
            f"(payload MaHoSo differs from the envelope's dossier_code)"
        )
    if kind == "dossier":
        if code is None:
            raise PayloadError(
                "Thiếu MaHoSo trong nội dung hồ sơ (payload of kind dossier needs MaHoSo)"
            )
        if not status_code(payload.get("TrangThaiHoSo")):
            raise PayloadError(
                "TrangThaiHoSo không phải mã trạng thái quốc gia "
                "(TrangThaiHoSo is not a national status code)"
            )


def canonical_sha256(payload: dict[str, Any]) -> str:
    """The digest the mirror listing publishes (the protocol fixes the serialisation)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def mirror_status(payload: dict[str, Any]) -> Any:
    """``TrangThaiHoSo`` as sent (the mirror listing gives it back unchanged)."""
    return payload.get("TrangThaiHoSo")


def _date(value: Any) -> datetime | None:
    """A national ``yyyyMMddHHmmss`` date (local time of Asia/Ho_Chi_Minh), or None."""
    try:
        return datetime.strptime(str(value), DATE_FORMAT)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class DossierView:
    """A dossier as the lookup page shows it."""

    code: str
    status_code: str
    status_name: str
    procedure: str
    procedure_code: str
    sector: str
    agency: str
    channel: str
    summary: str
    submitted: datetime | None
    received: datetime | None
    due: datetime | None
    supplement_requested: datetime | None
    refused: datetime | None
    finished: datetime | None
    returned: datetime | None
    results: tuple[str, ...]


def dossier_view(payload: dict[str, Any]) -> DossierView:
    results = payload.get("DanhSachGiayToKetQua") or []
    return DossierView(
        code=str(payload.get("MaHoSo", "")),
        status_code=status_code(payload.get("TrangThaiHoSo")),
        status_name=status_name(payload.get("TrangThaiHoSo")),
        procedure=str(payload.get("TenTTHC", "")),
        procedure_code=str(payload.get("MaTTHC", "")),
        sector=str(payload.get("TenLinhVuc", "")),
        agency=str(payload.get("DonViXuLy", "")),
        channel=CHANNELS.get(str(payload.get("KenhThucHien", "")), ""),
        summary=str(payload.get("TrichYeuHoSo", "")),
        submitted=_date(payload.get("NgayNopHoSo")),
        received=_date(payload.get("NgayTiepNhan")),
        due=_date(payload.get("NgayHenTra")),
        supplement_requested=_date(payload.get("NgayYeuCauBoSung")),
        refused=_date(payload.get("NgayTuChoi")),
        finished=_date(payload.get("NgayKetThucXuLy")),
        returned=_date(payload.get("NgayTra")),
        results=tuple(str(item.get("TenGiayTo", "")) for item in results if isinstance(item, dict)),
    )


@dataclass(frozen=True)
class ProgressView:
    """One progress entry (a step of the processing) as the lookup page shows it."""

    at: datetime | None
    person: str
    title: str
    department: str
    content: str
    status_name: str
    step_started: datetime | None
    step_due: datetime | None


def progress_view(payload: dict[str, Any]) -> ProgressView:
    return ProgressView(
        at=_date(payload.get("ThoiDiemXuLy")),
        person=str(payload.get("NguoiXuLy", "")),
        title=str(payload.get("ChucDanh", "")),
        department=str(payload.get("PhongBanXuLy", "")),
        content=str(payload.get("NoiDungXuLy", "")),
        status_name=status_name(payload.get("TrangThai")),
        step_started=_date(payload.get("NgayBatDau")),
        step_due=_date(payload.get("NgayKetThucTheoQuyDinh")),
    )
