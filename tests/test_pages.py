"""Citizen pages of the catalogue: home, search listing and procedure detail.

The real catalogue (2,625 procedures) is in the test database, so the assertions use real
names, codes, durations and fees.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import Level, Procedure, Sector

pytestmark = pytest.mark.django_db

LIST_URL = "/procedures/"
RESULT_LINK = re.compile(r'<h2 class="card__title"><a href="/procedures/([^"/]+)/">([^<]*)</a>')


def result_codes(response) -> list[str]:
    """National codes of the result cards, in page order."""
    return [code for code, _name in RESULT_LINK.findall(response.content.decode())]


def search(client, **params):
    return client.get(LIST_URL, params)


# --- Home -------------------------------------------------------------------------------------


def test_home_lists_popular_procedures_with_links(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/procedures/1.001193/"' in html
    assert "Thủ tục đăng ký khai sinh" in html
    assert 'href="/procedures/1.004222/"' in html
    assert html.index("/procedures/1.001193/") < html.index("/procedures/1.004222/")


def test_home_has_a_labelled_search_box_sending_q_to_the_catalogue(client):
    html = client.get("/").content.decode()
    form = re.search(r'<form class="search-box[^"]*" action="([^"]+)" method="get"', html)
    assert form and form.group(1) == LIST_URL
    field = re.search(r'<input type="search" id="([^"]+)" name="q"', html)
    assert field, "the home page has no search input named q"
    assert f'<label for="{field.group(1)}">Tìm thủ tục hành chính</label>' in html


def test_home_quick_links_by_level_show_real_counts(client):
    html = client.get("/").content.decode()
    commune = Procedure.objects.filter(level=Level.COMMUNE, current_version__isnull=False).count()
    assert f'href="/procedures/?level=commune">Cấp Xã <span class="count">({commune})' in html


# --- Layout and accessibility -----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", LIST_URL, "/procedures/1.001193/"])
def test_pages_have_landmarks_skip_link_viewport_and_language(client, url):
    html = client.get(url).content.decode()
    assert '<html lang="vi">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<a class="skip-link" href="#main">Chuyển đến nội dung chính</a>' in html
    assert '<main id="main"' in html
    for landmark in ("<header", "<nav", "<footer"):
        assert landmark in html
    assert "Cổng Dịch vụ công Thành phố Hồ Chí Minh" in html
    assert 'href="/api/v1/docs/"' in html
    assert 'action="/i18n/setlang/"' in html and "csrfmiddlewaretoken" in html


def test_language_switch_keeps_the_current_url(client):
    html = client.get(LIST_URL, {"q": "khai sinh"}).content.decode()
    assert '<input type="hidden" name="next" value="/procedures/?q=khai+sinh">' in html


def test_no_external_assets(client):
    html = client.get("/").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert 'href="/static/css/portal.css"' in html


# --- Search -----------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["khai sinh", "đăng ký khai sinh", "dang ky khai sinh"])
def test_birth_registration_comes_first(client, q):
    response = search(client, q=q)
    assert response.status_code == 200
    assert result_codes(response)[0] == "1.001193"


@pytest.mark.parametrize("q", ["dang ky thuong tru", "1.004222"])
def test_permanent_residence_comes_first(client, q):
    codes = result_codes(search(client, q=q))
    assert codes and codes[0] == "1.004222"


def test_construction_permit_comes_first(client):
    response = search(client, q="giấy phép xây dựng")
    first = response.context["page_obj"].object_list[0]
    assert "giấy phép xây dựng" in first.name.lower()
    assert result_codes(response)[0] == first.national_code


def test_result_card_shows_code_name_sector_level_badges_and_place(client):
    html = search(client, q="1.004222").content.decode()
    card = html[html.index('<li class="card result">') :]
    card = card[: card.index("</li>")]
    assert "1.004222" in card and "Đăng ký thường trú" in card
    assert "Đăng ký, quản lý cư trú" in card  # sector
    assert "Cấp Xã" in card  # level
    assert "Một phần" in card  # online level badge
    assert "Bất kỳ xã, phường nào trong thành phố" in card
    assert "cơ quan phụ trách: Công an Thành phố Hồ Chí Minh" in card  # receiving agency


def test_fee_free_badge_only_on_free_procedures(client):
    html = search(client, q="1.001193").content.decode()
    assert 'class="badge badge--free">Miễn phí' in html
    html = search(client, q="1.004222").content.decode()
    assert "badge--free" not in html


def test_result_count_and_title_reflect_the_search(client):
    response = search(client, q="khai sinh")
    html = response.content.decode()
    count = response.context["page_obj"].paginator.count
    assert count > 1
    assert f"Tìm thấy {count} thủ tục" in html
    assert "<title>Kết quả tìm kiếm “khai sinh”" in html


def test_level_filter_returns_only_that_level(client):
    response = search(client, level="commune")
    page = response.context["page_obj"]
    expected = Procedure.objects.filter(level=Level.COMMUNE, current_version__isnull=False)
    assert page.paginator.count == expected.count()
    assert {p.level for p in page.object_list} == {Level.COMMUNE}
    assert '<option value="commune" selected>' in response.content.decode()


def test_sector_filter_with_query(client):
    sector = Sector.objects.get(procedures__national_code="1.001193")
    response = search(client, q="khai sinh", sector=sector.code)
    procedures = list(response.context["page_obj"].object_list)
    assert procedures and {p.sector_id for p in procedures} == {sector.pk}


def test_fee_and_online_filters(client):
    response = search(client, fee="true", online="full")
    procedures = list(response.context["page_obj"].object_list)
    assert procedures
    assert all(p.is_fee_free and p.online_level == "full" for p in procedures)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"level": "galaxy"}, "Cấp thực hiện “galaxy” không hợp lệ."),
        ({"sector": "nope"}, "Lĩnh vực không hợp lệ: vui lòng chọn trong danh sách."),
        ({"agency": "H99.nope"}, "Mã cơ quan không hợp lệ: vui lòng chọn trong danh sách."),
        ({"online": "maybe"}, "Mức độ trực tuyến “maybe” không hợp lệ."),
        ({"fee": "sometimes"}, "Bộ lọc phí, lệ phí “sometimes” không hợp lệ."),
    ],
)
def test_unknown_filter_value_is_a_400_with_the_message_next_to_the_field(client, params, message):
    response = search(client, q="khai sinh", **params)
    html = response.content.decode()
    assert response.status_code == 400
    field = next(iter(params))
    assert f'<p class="field__error" id="id_{field}_error">{message}</p>' in html
    assert 'aria-invalid="true"' in html
    assert 'value="khai sinh"' in html  # the search box still holds the citizen's text
    assert "Tìm thấy" not in html


def test_error_message_escapes_the_submitted_value(client):
    response = search(client, level="<b>x</b>")
    html = response.content.decode()
    assert response.status_code == 400
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_huge_query_is_a_400_with_a_clear_message(client):
    response = search(client, q="x" * 5000)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nội dung tìm kiếm quá dài: tối đa 200 ký tự." in html
    assert 'value="' + "x" * 200 + '"' in html  # shown, but cut to a sane length
    assert "x" * 201 not in html


@pytest.mark.parametrize(
    "q",
    ["' OR 1=1 --", "%_\\", "<script>alert(1)</script>", "1.004222'; DROP TABLE x", "%%%", "...."],
)
def test_hostile_queries_are_harmless(client, q):
    before = Procedure.objects.count()
    response = search(client, q=q)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert Procedure.objects.count() == before
    if "<script>" in q:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_like_wildcards_do_not_match_everything(client):
    response = search(client, q="%_\\")
    assert response.context["page_obj"].paginator.count < Procedure.objects.count()


@pytest.mark.parametrize(("page", "expected"), [("999999", "last"), ("abc", 1), ("-3", 1)])
def test_bad_page_numbers_show_the_nearest_page(client, page, expected):
    response = search(client, q="dang ky", page=page)
    page_obj = response.context["page_obj"]
    assert response.status_code == 200
    last = page_obj.paginator.num_pages
    assert last > 1
    assert page_obj.number == (last if expected == "last" else expected)
    assert RESULT_LINK.search(response.content.decode())


def test_pagination_links_keep_the_query(client):
    response = search(client, q="dang ky", level="commune")
    html = response.content.decode()
    assert response.context["page_obj"].paginator.num_pages > 1
    assert 'href="?q=dang+ky&amp;level=commune&amp;page=2" rel="next"' in html
    second = search(client, q="dang ky", level="commune", page=2)
    assert second.context["page_obj"].number == 2
    assert "(trang 2)" in second.content.decode()
    assert set(result_codes(second)).isdisjoint(result_codes(response))


def test_empty_result_says_so(client):
    response = search(client, q="zzqxvw")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Không tìm thấy thủ tục phù hợp." in html
    assert "Tìm thấy 0 thủ tục" in html


def test_listing_runs_a_constant_number_of_queries(client):
    with CaptureQueriesContext(connection) as small:
        few = search(client, q="ly lich tu phap")
    with CaptureQueriesContext(connection) as full:
        many = search(client, q="dang ky")
    assert len(few.context["page_obj"].object_list) < 20
    assert len(many.context["page_obj"].object_list) == 20
    # A page of 20 results costs no more queries than a page of a few (no N+1).
    assert len(full) == len(small)
    assert len(full) <= 8


# --- Detail -----------------------------------------------------------------------------------


def test_birth_registration_detail_shows_documents_fees_and_durations(client):
    response = client.get("/procedures/1.001193/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Thủ tục đăng ký khai sinh</h1>" in html
    assert 'id="documents"' in html and 'id="fees"' in html
    assert 'id="results"' in html and 'id="legal-basis"' in html and 'id="how-to-apply"' in html
    # Documents, grouped as in the record, with counts.
    documents = html[html.index('id="documents"') : html.index('id="how-to-apply"')]
    assert "<h3>Giấy tờ phải nộp</h3>" in documents
    assert "Giấy chứng sinh" in documents
    assert "Bản chính: 1" in documents and "Bản sao: 0" in documents
    # Channels: the record gives "1" with no unit; its steps say the result comes the same day.
    fees = html[html.index('id="fees"') : html.index('id="documents"')]
    for channel in ("Trực tuyến", "Trực tiếp", "Dịch vụ bưu chính"):
        assert f'<th scope="row">{channel}</th>' in fees
    assert fees.count("Trong ngày làm việc") == 3
    assert fees.count("<strong>Miễn phí</strong>") == 3
    # Result, legal basis, where to file, version.
    assert "Giấy khai sinh" in html and "KQ.G15.000031" in html
    assert "123/2015/NĐ-CP" in html and "60/2014/QH13" in html
    assert "168 đơn vị hành chính cấp xã" in html
    assert "1.001193.000.00.00.H29" in html
    assert "Công dân Việt Nam" in html  # applicant type
    assert "Phiên bản 1" in html


def test_detail_formats_durations_and_fees_in_vnd(client):
    html = client.get("/procedures/1.004222/").content.decode()
    fees = html[html.index('id="fees"') : html.index('id="documents"')]
    assert fees.count("7 ngày làm việc") == 2
    assert "<strong>10.000\u00a0đ</strong>" in fees
    assert "<strong>20.000\u00a0đ</strong>" in fees


def test_detail_keeps_line_breaks_of_the_steps(client):
    response = client.get("/procedures/1.001193/")
    steps = response.context["version"].steps
    assert "\n" in steps
    html = response.content.decode()
    assert '<div class="prose pre-line">' in html
    assert steps.split("\n")[0][:60] in html


def test_local_code_url_shows_the_same_procedure(client):
    for url in ("/procedures/1.004222.000.00.00.H29/", "/procedures/1.004222.000.00.00.h29/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["procedure"].national_code == "1.004222"
        assert "<h1>Đăng ký thường trú</h1>" in response.content.decode()


@pytest.mark.parametrize("code", ["9.999999", "1.004222.000.00.00.H30", "x" * 300, "' OR 1=1"])
def test_unknown_code_is_a_friendly_404(client, code):
    response = client.get(f"/procedures/{code}/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy thủ tục" in html
    assert 'name="q"' in html  # offers a search instead


def test_procedure_without_a_version_in_force_is_a_404(client):
    sector = Sector.objects.first()
    Procedure.objects.create(
        national_code="9.000001",
        local_code="9.000001.000.00.00.H29",
        name="Thủ tục chưa công bố",
        sector=sector,
        level=Level.PROVINCE,
    )
    response = client.get("/procedures/9.000001/")
    assert response.status_code == 404
    assert "Thủ tục chưa công bố" not in response.content.decode()
    assert "9.000001" not in result_codes(search(client, q="chua cong bo"))


def test_detail_runs_a_constant_number_of_queries(client):
    counts = []
    for code in ("1.001193", "1.004222", "1.013225"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/procedures/{code}/").status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 7


def test_detail_links_to_online_filing_only_where_a_channel_is_online(client):
    online = Procedure.objects.filter(online_level__in=["full", "partial"]).first()
    offline = Procedure.objects.filter(online_level="none").first()
    assert (
        f"/procedures/{online.national_code}/apply/"
        in client.get(f"/procedures/{online.national_code}/").content.decode()
    )
    assert "/apply/" not in client.get(f"/procedures/{offline.national_code}/").content.decode()


def test_home_links_to_the_dossier_lookup(client):
    assert 'href="/lookup/"' in client.get("/").content.decode()
