"""Durations a citizen can read: the unit of bare numbers, the page and Mẫu 01 (receipt)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from dossiers import pdf
from procedures.durations import infer_unit
from procedures.models import Channel, Procedure
from tests.conftest import otp_verified_login

STEPS_SAME_DAY = (
    "Trường hợp hồ sơ đầy đủ thì tiếp nhận; nếu tiếp nhận hồ sơ sau 15 giờ thì có Phiếu hẹn, "
    "trả kết quả trong ngày làm việc tiếp theo."
)


@pytest.mark.parametrize(
    ("duration", "unit", "text", "expected"),
    [
        (15, "day", "", ("day", False)),  # a unit the catalogue states wins
        (1, None, STEPS_SAME_DAY, ("same_day", False)),
        (1, None, "Kết quả được trả ngay trong ngày.", ("same_day", False)),
        (5, None, "Trong thời hạn 05 ngày làm việc kể từ ngày nhận hồ sơ", ("working_day", False)),
        (48, None, "Trong thời gian 48 giờ kể từ khi nhận hồ sơ", ("hour", False)),
        (20, None, "Trong thời hạn 20 ngày (đối với hồ sơ hợp lệ)", ("day", False)),
        (1, None, "nộp chậm nhất ngày 01 tháng 10 hằng năm", ("working_day", True)),  # a date
        (1, None, "trong đó có 01 bộ hồ sơ gốc", ("working_day", True)),  # a count
        (7, None, "", ("working_day", True)),
        (None, None, "ngay trong ngày", ("", False)),
    ],
)
def test_the_unit_comes_from_the_procedures_own_text(duration, unit, text, expected):
    assert infer_unit(duration, unit, [text]) == expected


@pytest.mark.parametrize(
    ("duration", "unit", "words"),
    [
        (1, "same_day", "Trong ngày làm việc"),
        (48, "hour", "48 giờ"),
        (Decimal("15"), "working_day", "15 ngày làm việc"),
        (Decimal("0.5"), "day", "0,5 ngày"),
        (3, "month", "3 tháng"),
        (None, "", ""),
    ],
)
def test_receipt_words(duration, unit, words):
    assert pdf.duration_text(duration, unit) == words


def _online(code: str) -> Channel:
    version = Procedure.objects.get(national_code=code).current_version
    return version.channels.get(kind=Channel.Kind.ONLINE)


@pytest.mark.django_db
def test_birth_registration_is_a_same_day_procedure_on_the_page_and_on_the_receipt(client):
    channel = _online("1.001193")
    assert (channel.unit, channel.unit_assumed) == ("same_day", False)
    html = client.get("/procedures/1.001193/").content.decode()
    fees = html[html.index('id="fees"') : html.index('id="documents"')]
    assert "Trong ngày làm việc" in fees
    assert "chưa được công bố" not in fees and "unit-assumed" not in fees
    receipt = render_to_string(
        "pdf/receipt.html", {"duration": pdf.duration_text(channel.duration, channel.unit)}
    )
    assert 'giải quyết hồ sơ theo quy định là: <span class="value">Trong ngày làm việc' in receipt
    assert "đơn vị thời gian chưa được công bố" not in receipt


@pytest.mark.django_db
def test_an_hours_procedure_reads_in_hours(client):
    channel = _online("1.012437")  # the text says "Trong thời gian 48 giờ"
    assert (channel.duration, channel.unit) == (48, "hour")
    html = client.get("/procedures/1.012437/").content.decode()
    assert "48 giờ" in html[html.index('id="fees"') : html.index('id="documents"')]
    assert pdf.duration_text(channel.duration, channel.unit) == "48 giờ"


@pytest.mark.django_db
def test_an_assumed_unit_reads_as_working_days_and_is_flagged(client):
    assumed = Channel.objects.filter(unit_assumed=True)
    channel = assumed.filter(version__procedure__national_code="1.000005").first()
    assert channel is not None and channel.unit == "working_day"
    html = client.get("/procedures/1.000005/").content.decode()
    fees = html[html.index('id="fees"') : html.index('id="documents"')]
    assert "ngày làm việc" in fees and "unit-assumed" in fees


@pytest.mark.django_db
def test_the_admin_lists_assumed_units_to_confirm(client, admin_user):
    otp_verified_login(client, admin_user)
    response = client.get("/admin/procedures/channel/?unit_assumed__exact=1")
    assert response.status_code == 200
    listed = response.context["cl"].queryset
    assert listed.count() > 0
    assert not listed.filter(unit_assumed=False).exists()
