"""Catalogue search as a Vietnamese citizen uses it (service level; pages and API test the rest)."""

import pytest
from django.db import connection

from procedures.forms import ProcedureSearchForm
from procedures.models import Agency, Level, OnlineLevel, Procedure, Sector
from procedures.search import SearchParams, run_search, search
from procedures.tasks import rebuild_search_index

pytestmark = pytest.mark.django_db


def codes(q: str = "", limit: int = 10, **filters) -> list[str]:
    return [p.national_code for p in search(SearchParams(q=q, **filters))[:limit]]


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("dang ky thuong tru", "1.004222"),
        ("Đăng ký thường trú", "1.004222"),
        ("khai sinh", "1.001193"),
        ("đăng ký khai sinh", "1.001193"),
        ("DANG KY KHAI SINH", "1.001193"),
        ("1.004222", "1.004222"),
        ("1.004222.000.00.00.H29", "1.004222"),
        ("đăng ký kết hôn", "1.000894"),
        ("dang ky tam tru", "1.004194"),
        ("thuong tr", "1.004222"),
    ],
)
def test_expected_procedure_comes_first(query, expected_first):
    assert codes(query)[0] == expected_first


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("đăng ký khai sinh", "dang ky khai sinh"),
        ("giấy phép xây dựng", "giay phep xay dung"),
        ("chứng thực bản sao", "chung thuc ban sao"),
        ("lý lịch tư pháp", "ly lich tu phap"),
    ],
)
def test_accents_are_optional_and_give_the_same_ranking(accented, plain):
    with_accents = codes(accented, limit=20)
    assert with_accents, accented
    assert with_accents == codes(plain, limit=20)


def test_construction_permit_search_puts_a_building_permit_first():
    first = search(SearchParams(q="giấy phép xây dựng")).first()
    assert "giấy phép xây dựng" in first.name.lower()
    assert first.level in {Level.COMMUNE, Level.PROVINCE}


def test_every_word_must_match_by_prefix():
    results = list(search(SearchParams(q="ket hon nuoc ngoai"))[:50])
    assert results
    for procedure in results:
        words = procedure.search_text.split()
        for term in ("ket", "hon", "nuoc", "ngoai"):
            assert any(word.startswith(term) for word in words), (procedure, term)


def test_code_prefix_lists_only_matching_codes():
    found = codes("1.00422", limit=50)
    assert "1.004222" in found
    assert all(code.startswith("1.00422") for code in found)


def test_typo_is_corrected_from_the_catalogue_vocabulary():
    outcome = run_search(SearchParams(q="khai sinhh"))
    assert outcome.corrected_q == "khai sinh"
    assert outcome.results[0].national_code == "1.001193"
    outcome = run_search(SearchParams(q="dang ky thuong truu"))
    assert outcome.corrected_q == "dang ky thuong tru"
    assert outcome.results[0].national_code == "1.004222"
    # A correct query is not "corrected".
    assert run_search(SearchParams(q="khai sinh")).corrected_q == ""


def test_city_code_alone_does_not_match_every_procedure():
    assert len(codes("H29", limit=3000)) < 100


def test_nonsense_finds_nothing_and_symbols_are_harmless():
    assert codes("zzqxv") == []
    assert codes("' OR 1=1 --") == codes("or 1 1")
    assert codes("%_\\") == []


def test_filters_narrow_the_results():
    commune = list(search(SearchParams(q="dang ky", level=Level.COMMUNE))[:100])
    assert commune and all(p.level == Level.COMMUNE for p in commune)

    sector = Sector.objects.get(name="Hộ tịch")
    in_sector = list(search(SearchParams(sector=sector)))
    assert len(in_sector) == Procedure.objects.filter(sector=sector).count() == 41

    free = list(search(SearchParams(q="khai sinh", fee_free=True)))
    assert free and all(p.is_fee_free for p in free)

    full = list(search(SearchParams(online_level=OnlineLevel.FULL)))
    assert full and all(p.online_level == OnlineLevel.FULL for p in full)

    ward = Agency.objects.filter(level=Agency.Level.COMMUNE).first()
    at_ward = list(search(SearchParams(q="ket hon", agency=ward)))
    assert at_ward and all(p.receives_at_commune for p in at_ward)

    justice = Agency.objects.get(name="Sở Tư pháp")
    at_justice = search(SearchParams(agency=justice))
    assert set(at_justice.values_list("receiving_agency", flat=True)) == {justice.pk}


def test_form_rejects_unknown_filters_and_overlong_queries():
    form = ProcedureSearchForm({"level": "galaxy", "sector": "nope", "q": "x" * 5000})
    assert not form.is_valid()
    assert set(form.errors) == {"level", "sector", "q"}
    assert "200" in form.errors["q"][0]


def test_rebuild_task_restores_search_columns():
    Procedure.objects.filter(national_code="1.001193").update(
        search_name="", search_text="", search_vector=None
    )
    assert "1.001193" not in codes("khai sinh", limit=50)
    assert rebuild_search_index(["1.001193"]) == 1
    assert codes("khai sinh")[0] == "1.001193"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="checks PostgreSQL indexes")
def test_postgres_full_text_and_trigram_indexes_serve_the_search_predicates():
    from django.contrib.postgres.search import SearchQuery

    query = SearchQuery("khai:* & sinh:*", search_type="raw", config="simple")
    plans = {}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for name, qs in {
            "fts": Procedure.objects.filter(search_vector=query),
            "trigram": Procedure.objects.filter(search_name__contains="khai sinh"),
        }.items():
            sql, params = qs.order_by().values("pk").query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plans[name] = "\n".join(row[0] for row in cursor.fetchall())
    assert "procedure_search_vector_gin" in plans["fts"], plans["fts"]
    assert "procedure_search_name_trgm" in plans["trigram"], plans["trigram"]
