"""Mẫu 07 — Sổ theo dõi hồ sơ (the tracking book, DOMAIN.md §5): one book per sector, for an
agency and a period, as PDF (WeasyPrint, the look of the other official forms) and as XLSX
(openpyxl).

A dossier is in the book of the agency that received it, under its procedure version's
sector, when it was submitted within the period (both days included, Asia/Ho_Chi_Minh). Columns:
no., dossier code, procedure, applicant, address / phone, lead agency, received, due, returned,
how the result is delivered.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from dossiers import official_forms, pdf
from dossiers.models import Channel, Dossier, Status
from procedures.models import Agency, Sector

SUFFIX = "STD"
TITLE = "Sổ theo dõi hồ sơ"
COLUMNS = (
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Tên tổ chức, cá nhân",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    "Nhận hồ sơ",
    "Hẹn trả kết quả",
    "Ngày trả kết quả",
    "Hình thức trả kết quả",
)
# How the result goes back: the channel the dossier came through until the delivery choice
# exists (online results are downloaded, desk results collected, post results mailed).
DELIVERY = {
    Channel.ONLINE: "Trực tuyến",
    Channel.DIRECT: "Trực tiếp",
    Channel.POST: "Dịch vụ bưu chính",
}


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        zone = timezone.get_current_timezone()
        first = datetime.datetime.combine(self.start, datetime.time.min, zone)
        after = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, zone
        )
        return first, after

    def text(self) -> str:
        return f"Từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    def slug(self) -> str:
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"


def _in_book(agency: Agency, period: Period) -> QuerySet[Dossier]:
    first, after = period.bounds()
    return Dossier.objects.filter(
        receiving_agency=agency, submitted_at__gte=first, submitted_at__lt=after
    ).exclude(status=Status.DRAFT)


def sectors(agency: Agency, period: Period) -> list[dict[str, Any]]:
    """The sectors with dossiers in the period, with their counts (one book each)."""
    counted = (
        _in_book(agency, period)
        .values("procedure_version__sector__code", "procedure_version__sector__name")
        .annotate(count=Count("pk"))
        .order_by("procedure_version__sector__name")
    )
    return [
        {
            "code": row["procedure_version__sector__code"],
            "name": row["procedure_version__sector__name"],
            "count": row["count"],
        }
        for row in counted
    ]


def rows(agency: Agency, sector: Sector, period: Period) -> list[dict[str, str]]:
    """The lines of the book, in the order the dossiers were received."""
    dossiers = (
        _in_book(agency, period)
        .filter(procedure_version__sector=sector)
        .select_related("applicant__ward", "procedure_version", "receiving_agency")
        .order_by("submitted_at", "code")
    )
    lines = []
    for number, dossier in enumerate(dossiers, start=1):
        applicant = official_forms.applicant_of(dossier)
        contact = ", ".join(part for part in (applicant["address"], applicant["phone"]) if part)
        lines.append(
            {
                "no": str(number),
                "code": dossier.code,
                "procedure": dossier.procedure_version.name,
                "applicant": applicant["full_name"],
                "contact": contact,
                "lead_agency": dossier.receiving_agency.name,
                "received": pdf.time_and_date(dossier.accepted_at or dossier.submitted_at),
                "due": pdf.time_and_date(dossier.due_at),
                "returned": pdf.time_and_date(dossier.returned_at),
                "delivery": DELIVERY.get(dossier.channel, ""),
            }
        )
    return lines


FIELDS = ("no", "code", "procedure", "applicant", "contact", "lead_agency", "received", "due",
          "returned", "delivery")  # fmt: skip


def context(agency: Agency, sector: Sector, period: Period) -> dict[str, Any]:
    year = period.start.year
    return {
        "header": pdf.agency_header(agency),
        "number": f"{year}/{SUFFIX}",
        "place_date": pdf.place_and_date(timezone.localdate()),
        "title": TITLE,
        "sector": sector.name,
        "period": period.text(),
        "agency_name": agency.name,
        "columns": COLUMNS,
        "rows": rows(agency, sector, period),
        "signers": [],
    }


def filename(agency: Agency, sector: Sector, period: Period, extension: str) -> str:
    return f"so-theo-doi-ho-so-{agency.code}-{sector.code}-{period.slug()}.{extension}"


def as_pdf(agency: Agency, sector: Sector, period: Period) -> bytes:
    return official_forms.render_book(context(agency, sector, period))


def as_xlsx(agency: Agency, sector: Sector, period: Period) -> bytes:
    """The book as a workbook: a title block, then one header row and one row per dossier."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = context(agency, sector, period)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "So theo doi ho so"
    sheet.append([f"{TITLE.upper()} — Mẫu 07"])
    sheet.append([f"Cơ quan: {agency.name}"])
    sheet.append([f"Lĩnh vực: {sector.name}"])
    sheet.append([period.text()])
    sheet.append([])
    sheet.append(list(COLUMNS))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A1"].font = Font(bold=True, size=13)
    for line in book["rows"]:
        sheet.append([int(line["no"]), *(line[name] for name in FIELDS[1:])])
    widths = (6, 26, 48, 26, 40, 32, 17, 17, 17, 18)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
