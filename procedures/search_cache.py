"""Catalogue search answers, computed once per catalogue generation and shared by every process.

A search is the same for every citizen: the same words and filters give the same procedures until
the catalogue changes. The search API's response body and the catalogue page's results fragment
are therefore kept in the shared cache (Redis in production), keyed by

* the language, so a Vietnamese answer is never served to an English reader;
* the scheme and host for the API, whose links are absolute;
* the path and the query parameters, parsed and sorted, so ``?q=ho+tich&page=2`` and
  ``?page=2&q=ho%20tich`` share an entry while anything the answer repeats (pagination links
  keep every parameter as typed) is part of the key.

Each entry carries the catalogue generation it was computed in (:mod:`procedures.generation`)
and is read in the same cache round trip as the current generation: after any change of the
catalogue, an older entry is never served again.

Only what is the same for everyone is kept: no session, CSRF token or CSP nonce is part of a
cached body (the page around the fragment is rendered per request). A request with a parameter
the search does not know is answered without the cache, so junk parameters cannot fill it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from .generation import CATALOGUE

# Entries also die with their generation; the timeout only bounds how long an unused one stays.
TIMEOUT_SECONDS = 600
# Every parameter the catalogue search reads (procedures.forms.ProcedureSearchForm, paging).
KNOWN_PARAMETERS = frozenset(
    {"q", "sector", "level", "agency", "online", "fee", "page", "page_size"}
)
# Longer query strings are not worth a cache entry (q alone is limited to 200 characters).
MAX_QUERY_STRING = 1024


def answer_key(kind: str, request: HttpRequest, *, absolute: bool = False) -> str | None:
    """The cache key of this search's answer, or None when it must not be cached."""
    query = request.GET
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
        return None
    items = []
    for name, values in query.lists():
        if name not in KNOWN_PARAMETERS or len(values) != 1:
            return None
        items.append((name, values[0]))
    where = f"{request.scheme}://{request.get_host()}" if absolute else ""
    text = "\x1f".join(
        [where + request.path, get_language() or ""] + [f"{k}={v}" for k, v in sorted(items)]
    )
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"procedures:search:{kind}:{digest}"


def lookup(key: str | None) -> tuple[Any, str]:
    """The answer kept under ``key`` if it is current, and the catalogue generation now.

    Entries carry the generation they were computed in; reading both in one cache round trip
    is what keeps a hit cheap. Pass the generation returned here to :func:`put`: it is the one
    the answer about to be computed starts from.
    """
    current, stored = CATALOGUE.current_and(key)
    if stored is not None and stored[0] == current:
        return stored[1], current
    return None, current


def put(key: str | None, made_in: str, value: Any) -> None:
    if key is not None:
        cache.set(key, (made_in, value), TIMEOUT_SECONDS)


class CachedAnswerMixin:
    """For a public DRF list view: a successful answer's body is kept and served again.

    The view's checks (throttles, permissions, content negotiation) still run on every request;
    only the search and its serialisation are skipped on a hit. Errors are never cached.
    """

    cache_kind = "api"

    def list(self, request, *args, **kwargs):
        key = answer_key(self.cache_kind, request, absolute=True)
        cached, made_in = lookup(key)
        if cached is not None:
            content_type, body = cached
            return HttpResponse(body, content_type=content_type)
        request.search_cache_entry = (key, made_in)
        return super().list(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key, made_in = getattr(request, "search_cache_entry", (None, ""))
        if key is not None and response.status_code == 200 and hasattr(response, "render"):
            response.render()
            put(key, made_in, (response["Content-Type"], response.content))
        return response
