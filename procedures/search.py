"""Catalogue search that a Vietnamese citizen expects.

* Accents are optional: stored columns and queries are folded by :func:`procedures.text.fold`,
  so "đăng ký khai sinh" and "dang ky khai sinh" are the same query.
* Words match by prefix ("thuong tr" finds "thường trú"); every word must match.
* A national or local code ("1.004222", "1.004222.000.00.00.H29", or its start) finds the
  procedure by code.
* Ranking: the whole phrase in the name, the name starting with it, how many words hit the
  name, popularity and local relevance, then shorter names first. On PostgreSQL the weighted
  full-text rank (tsvector + GIN) joins in; SQLite runs the same ranking without it.
* Typos: when nothing matches every word, each word that starts no word of the catalogue is
  replaced by the closest word of the catalogue's vocabulary (:class:`SearchWord`; trigram
  similarity with a GIN index on PostgreSQL, difflib on SQLite) and the search runs again.
  The outcome says which words were corrected so the page can show it.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Least, Length

from .generation import catalogue_changed
from .models import Agency, Level, Procedure, SearchWord, Sector
from .text import fold

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
CODE_RE = re.compile(r"^(\d\.\d{1,6})(?:\.[\d.]*)?(?:\.?h29)?$", re.IGNORECASE)
WORD_RE = re.compile(r"^[a-z0-9]+$")
SIMILARITY_CUTOFF = 0.5  # difflib ratio; pg_trgm's own threshold (0.3) pre-filters on PostgreSQL


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


@dataclass(frozen=True)
class SearchOutcome:
    results: QuerySet[Procedure]
    corrected_q: str = ""  # the words actually searched, when a typo was corrected


def search(params: SearchParams) -> QuerySet[Procedure]:
    """Procedures matching ``params``, best first."""
    return run_search(params).results


def run_search(params: SearchParams) -> SearchOutcome:
    """Search, and say whether the query had to be corrected."""
    qs = apply_filters(base_queryset(), params)
    raw = " ".join(params.q.split())[:MAX_QUERY_LENGTH]
    if not raw:
        return SearchOutcome(qs.order_by("-popularity", "national_code"))

    code = CODE_RE.match(raw)
    if code:
        prefix = code.group(1)
        return SearchOutcome(
            qs.filter(national_code__startswith=prefix).order_by(
                _hit(Q(national_code=prefix), 1.0).desc(), "national_code"
            )
        )

    words = [word for word in fold(raw).split() if WORD_RE.match(word)][:MAX_WORDS]
    if not words:
        return SearchOutcome(qs.none())
    matched = _matching(qs, words)
    if matched.exists():
        return SearchOutcome(_ranked(matched, words))
    corrected = correct_words(words)
    if corrected and corrected != words:
        return SearchOutcome(_ranked(_matching(qs, corrected), corrected), " ".join(corrected))
    return SearchOutcome(qs.none())


def _matching(qs: QuerySet[Procedure], words: list[str]) -> QuerySet[Procedure]:
    if connection.vendor == "postgresql":
        return qs.filter(search_vector=_tsquery(words))
    for word in words:
        qs = qs.filter(_word_hit("search_text", word))
    return qs


def _tsquery(words: list[str]) -> SearchQuery:
    # Words are [a-z0-9]+ only (WORD_RE), so the raw tsquery cannot be malformed.
    return SearchQuery(
        " & ".join(f"{word}:*" for word in words), search_type="raw", config="simple"
    )


def _ranked(matched: QuerySet[Procedure], words: list[str]) -> QuerySet[Procedure]:
    relevance = _relevance(words)
    if connection.vendor == "postgresql":
        relevance = relevance + SearchRank(F("search_vector"), _tsquery(words))
    return matched.annotate(relevance=relevance, name_length=Length("search_name")).order_by(
        "-relevance", "name_length", "national_code"
    )


def correct_words(words: list[str]) -> list[str] | None:
    """Replace each word that starts no catalogue word by the closest one; None if impossible."""
    known = Q()
    for word in words:
        known |= Q(word__startswith=word)
    present = set(SearchWord.objects.filter(known).values_list("word", flat=True))
    corrected = []
    for word in words:
        if any(candidate.startswith(word) for candidate in present):
            corrected.append(word)
            continue
        replacement = _closest_word(word)
        if replacement is None:
            return None
        corrected.append(replacement)
    return corrected


def _closest_word(word: str) -> str | None:
    if connection.vendor == "postgresql":
        candidates = list(
            SearchWord.objects.filter(word__trigram_similar=word)
            .annotate(similarity=TrigramSimilarity("word", word))
            .order_by("-similarity", "-frequency")
            .values_list("word", flat=True)[:10]
        )
    else:
        candidates = list(SearchWord.objects.values_list("word", flat=True))
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=SIMILARITY_CUTOFF)
    return close[0] if close else None


@transaction.atomic
def rebuild_vocabulary() -> int:
    """Refill :class:`SearchWord` from the search text of the procedures in force."""
    counts: Counter[str] = Counter()
    texts = Procedure.objects.filter(current_version__isnull=False).values_list(
        "search_text", flat=True
    )
    for text in texts.iterator(chunk_size=1000):
        counts.update(word for word in text.split() if WORD_RE.match(word) and len(word) <= 60)
    SearchWord.objects.all().delete()
    SearchWord.objects.bulk_create(
        (SearchWord(word=word, frequency=n) for word, n in counts.items()), batch_size=2000
    )
    catalogue_changed()  # typo corrections may now find other words
    return len(counts)
