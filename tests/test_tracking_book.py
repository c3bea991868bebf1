"""Mẫu 07 — the tracking book per sector and period: the XLSX opens with openpyxl and has one
row per dossier received in the period, in order; the PDF renders; only the agency's officials
may download it."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dossiers.lifecycle import transitions
from identity.models import Role
from procedures.models import Agency
from reports import book
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory, sign_in
from tests.fixtures.documents import make_citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return OfficialFactory(username="ward.desk", role=Role.RECEPTION, agency=HOME_WARD)


@pytest.fixture
def received(desk):
    first = transitions.receive(DossierFactory(submitted=True), desk)
    second = DossierFactory(submitted=True, applicant=make_citizen(full_name="Lê Văn Cường"))
    return [first, second]


def today_period() -> book.Period:
    today = timezone.localdate()
    return book.Period(today - datetime.timedelta(days=1), today)


def test_the_xlsx_opens_and_has_one_row_per_dossier(received):
    agency = Agency.objects.get(code=HOME_WARD)
    sector = received[0].procedure_version.sector
    sheet = load_workbook(io.BytesIO(book.as_xlsx(agency, sector, today_period()))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = values.index(list(book.COLUMNS))
    lines = [row for row in values[header + 1 :] if any(cell is not None for cell in row)]
    in_sector = [d for d in received if d.procedure_version.sector_id == sector.pk]
    assert [row[1] for row in lines] == [d.code for d in in_sector]
    assert [row[0] for row in lines] == list(range(1, len(in_sector) + 1))
    first = lines[0]
    assert first[2] == in_sector[0].procedure_version.name
    assert first[3] == in_sector[0].applicant.full_name
    assert first[5] == agency.name and first[9] == "Trực tuyến"
    assert first[7]  # the accepted dossier has its appointment
    assert "Lĩnh vực: " + sector.name in [row[0] for row in values[:header]]


def test_a_period_without_the_dossiers_has_no_rows(received):
    agency = Agency.objects.get(code=HOME_WARD)
    last_year = timezone.localdate().replace(year=timezone.localdate().year - 1)
    period = book.Period(last_year, last_year)
    assert book.rows(agency, received[0].procedure_version.sector, period) == []
    assert book.sectors(agency, period) == []


def test_the_officials_download_pdf_and_xlsx(client, received, desk):
    sector = received[0].procedure_version.sector
    sign_in(client, desk)
    url = f"/backoffice/agencies/{HOME_WARD}/book/"
    page = client.get(url).content.decode()
    assert f'data-sector="{sector.code}"' in page
    day = timezone.localdate().isoformat()
    query = {"start": day, "end": day, "sector": sector.code}
    pdf = client.get(url, {**query, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"].startswith("attachment;")
    xlsx = client.get(url, {**query, "format": "xlsx"})
    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row >= 7
    backwards = client.get(url, {"start": day, "end": "2000-01-01"})
    assert backwards.status_code == 400
    outsider = OfficialFactory(username="dept.desk", role=Role.RECEPTION, agency="H29.03")
    sign_in(client, outsider)
    assert client.get(url, {**query, "format": "xlsx"}).status_code == 404
