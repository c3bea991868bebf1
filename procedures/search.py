"""Catalogue search that a Vietnamese citizen expects.

* Accents are optional: stored columns and queries are folded by :func:`procedures.text.fold`,
  so "đăng ký khai sinh" and "dang ky khai sinh" are the same query.
* Words match by prefix ("thuong tr" finds "thường trú"); every word must match.
* A national or local code ("1.004222", "1.004222.000.00.00.H29", or its start) finds the
  procedure by code.
* Ranking: the whole phrase in the name, the name starting with it, how many words hit the
  name, popularity and local relevance, then shorter names first. On PostgreSQL the weighted
  full-text rank (tsvector + GIN) joins in, and a trigram similarity fallback catches typos when
  no word matches; SQLite runs the same ranking without those two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Least, Length

from .models import Agency, Level, Procedure, Sector
from .text import fold

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
CODE_RE = re.compile(r"^(\d\.\d{1,6})(?:\.[\d.]*)?(?:\.?h29)?$", re.IGNORECASE)
WORD_RE = re.compile(r"^[a-z0-9]+$")
TRIGRAM_THRESHOLD = 0.4


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    sector: Sector | None = None
    level: str = ""
    agency: Agency | None = None
    online_level: str = ""
    fee_free: bool | None = None


def base_queryset() -> QuerySet[Procedure]:
    return Procedure.objects.filter(current_version__isnull=False).select_related(
        "sector", "receiving_agency"
    )


def apply_filters(qs: QuerySet[Procedure], params: SearchParams) -> QuerySet[Procedure]:
    if params.sector is not None:
        qs = qs.filter(sector=params.sector)
    if params.level:
        qs = qs.filter(level=params.level)
    if params.online_level:
        qs = qs.filter(online_level=params.online_level)
    if params.fee_free is not None:
        qs = qs.filter(is_fee_free=params.fee_free)
    if params.agency is not None:
        if params.agency.level == Agency.Level.COMMUNE:
            qs = qs.filter(receives_at_commune=True)
        else:
            qs = qs.filter(
                Q(receiving_agency=params.agency) | Q(receiving_agency__parent=params.agency)
            )
    return qs


def _word_hit(field: str, word: str) -> Q:
    """``word`` starts a word of ``field`` (folded text, words separated by one space)."""
    return Q(**{f"{field}__startswith": word}) | Q(**{f"{field}__contains": f" {word}"})


def _hit(condition: Q, points: float) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0.0), output_field=FloatField())


def _relevance(words: list[str]):
    phrase = " ".join(words)
    score = (
        _hit(Q(search_name__contains=phrase), 4.0)
        + _hit(
            Q(search_name__startswith=phrase) | Q(search_name__startswith=f"thu tuc {phrase}"), 2.0
        )
        + Least(F("popularity"), Value(100)) / Value(40.0)
        + _hit(Q(level__in=[Level.COMMUNE, Level.PROVINCE]), 0.5)
    )
    for word in words:
        score = score + _hit(_word_hit("search_name", word), 1.0 / len(words))
    return score


def search(params: SearchParams) -> QuerySet[Procedure]:
    """Procedures matching ``params``, best first."""
    qs = apply_filters(base_queryset(), params)
    raw = " ".join(params.q.split())[:MAX_QUERY_LENGTH]
    if not raw:
        return qs.order_by("-popularity", "national_code")

    code = CODE_RE.match(raw)
    if code:
        prefix = code.group(1)
        return qs.filter(national_code__startswith=prefix).order_by(
            _hit(Q(national_code=prefix), 1.0).desc(), "national_code"
        )

    words = [word for word in fold(raw).split() if WORD_RE.match(word)][:MAX_WORDS]
    if not words:
        return qs.none()
    relevance = _relevance(words)
    postgres = connection.vendor == "postgresql"
    if postgres:
        query = SearchQuery(
            " & ".join(f"{word}:*" for word in words), search_type="raw", config="simple"
        )
        matched = qs.filter(search_vector=query)
        relevance = relevance + SearchRank(F("search_vector"), query)
    else:
        matched = qs
        for word in words:
            matched = matched.filter(_word_hit("search_text", word))
    ordered = matched.annotate(relevance=relevance, name_length=Length("search_name")).order_by(
        "-relevance", "name_length", "national_code"
    )
    if ordered.exists():
        return ordered
    return _fallback(qs, words, postgres)


def _fallback(qs: QuerySet[Procedure], words: list[str], postgres: bool) -> QuerySet[Procedure]:
    """No procedure has every word: tolerate typos (PostgreSQL) or accept any word (SQLite)."""
    if postgres:
        return (
            qs.annotate(similarity=TrigramWordSimilarity(" ".join(words), "search_name"))
            .filter(similarity__gte=TRIGRAM_THRESHOLD)
            .order_by("-similarity", "national_code")
        )
    any_word = Q()
    for word in words:
        any_word |= _word_hit("search_text", word)
    return (
        qs.filter(any_word)
        .annotate(relevance=_relevance(words), name_length=Length("search_name"))
        .order_by("-relevance", "name_length", "national_code")
    )
