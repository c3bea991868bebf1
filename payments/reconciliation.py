"""Daily reconciliation per agency (đối soát): payments started on a day, by state.

For each agency the count and amount of payments paid, still pending and failed (declined or
expired), and the totals; amounts in VND. The day is a day in Asia/Ho_Chi_Minh, counted by when
the payment was started (the transaction date the gateway's own statement uses).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from procedures.models import Agency

from .models import MINOR, Payment

GROUPS = {
    Payment.State.PAID: "paid",
    Payment.State.PENDING: "pending",
    Payment.State.FAILED: "failed",
    Payment.State.EXPIRED: "failed",
}


@dataclass
class Line:
    agency_code: str
    agency_name: str
    paid: int = 0
    paid_vnd: int = 0
    pending: int = 0
    pending_vnd: int = 0
    failed: int = 0
    failed_vnd: int = 0

    @property
    def total(self) -> int:
        return self.paid + self.pending + self.failed

    @property
    def total_vnd(self) -> int:
        return self.paid_vnd + self.pending_vnd + self.failed_vnd


def bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    return start, start + datetime.timedelta(days=1)


def daily(day: datetime.date, payments: QuerySet[Payment] | None = None) -> list[Line]:
    """One line per agency with payments started on ``day`` (``payments`` already scoped to
    what the reader may see), ordered by agency code; the last line is the total."""
    start, end = bounds(day)
    payments = Payment.objects.all() if payments is None else payments
    grouped = (
        payments.filter(created_at__gte=start, created_at__lt=end)
        .values("agency_id", "state")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    )
    agencies = {}
    for row in grouped:
        agencies.setdefault(row["agency_id"], []).append(row)
    names = {a.pk: a for a in Agency.objects.filter(pk__in=[k for k in agencies if k])}
    lines = []
    for agency_id, rows in agencies.items():
        agency = names.get(agency_id)
        line = Line(agency.code if agency else "", agency.name if agency else "")
        for row in rows:
            group = GROUPS[row["state"]]
            setattr(line, group, getattr(line, group) + row["n"])
            vnd = f"{group}_vnd"
            setattr(line, vnd, getattr(line, vnd) + (row["amount"] or 0) // MINOR)
        lines.append(line)
    lines.sort(key=lambda line: line.agency_code)
    return lines


def total_of(lines: list[Line]) -> Line:
    total = Line("", "")
    for line in lines:
        for name in ("paid", "paid_vnd", "pending", "pending_vnd", "failed", "failed_vnd"):
            setattr(total, name, getattr(total, name) + getattr(line, name))
    return total


HEADER = [
    "ngay", "ma_co_quan", "ten_co_quan", "da_thanh_toan", "so_tien_da_thanh_toan",
    "dang_cho", "so_tien_dang_cho", "that_bai", "so_tien_that_bai", "tong_so", "tong_tien",
]  # fmt: skip


def as_csv(day: datetime.date, lines: list[Line]) -> str:
    """The report as CSV (UTF-8, one header row, a last row of totals with agency "TONG")."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    total = total_of(lines)
    total.agency_code = "TONG"
    for line in [*lines, total]:
        writer.writerow([
            day.isoformat(), line.agency_code, line.agency_name, line.paid, line.paid_vnd,
            line.pending, line.pending_vnd, line.failed, line.failed_vnd, line.total,
            line.total_vnd,
        ])  # fmt: skip
    return out.getvalue()
