"""Citizen-facing catalogue pages: the search listing and the procedure detail.

Both views stay thin: the listing validates with :class:`ProcedureSearchForm` (the same
validator as the API) and calls :func:`procedures.search.search`; the detail page loads the
version in force with everything a citizen reads before applying, in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from . import search_cache
from .api import PageWithTotalPaginator
from .documents import LineKind
from .eform_builder import classified_documents
from .forms import ProcedureSearchForm
from .links import code_linker
from .models import Channel, DocumentSlot, Level, Procedure
from .search import MAX_QUERY_LENGTH, SearchOutcome, run_search
from .services import find_procedure

PAGE_SIZE = 20
# Higher page numbers are clamped before they reach the database (whose offset would overflow);
# no catalogue comes near MAX_PAGE × PAGE_SIZE procedures.
MAX_PAGE = 100_000


def procedure_list(request: HttpRequest) -> HttpResponse:
    """Search and filter the catalogue; invalid filters give the page back with errors (400)."""
    form = ProcedureSearchForm(request.GET)
    raw_q = request.GET.get("q", "")
    context = {
        "form": form,
        # The box keeps what the citizen typed, cut to a size a browser shows comfortably.
        "q_display": raw_q[:MAX_QUERY_LENGTH],
        "q_title": _shorten(" ".join(raw_q.split()), 60),
        "page_number": 1,
        "has_filters": False,
    }
    if not form.is_valid():
        return render(request, "procedures/list.html", context, status=400)

    params = form.params()
    key = search_cache.answer_key("page", request)
    results, made_in = search_cache.lookup(key)
    if results is None:
        results = _render_results(request, run_search(params))
        search_cache.put(key, made_in, results)
    context.update(
        results_html=results["html"],  # a SafeString from render_to_string, pickled as one
        page_number=results["page_number"],
        has_filters=any((params.sector, params.level, params.agency, params.online_level))
        or params.fee_free is not None,
    )
    return render(request, "procedures/list.html", context)


def _render_results(request: HttpRequest, outcome: SearchOutcome) -> dict:
    """The results fragment of one search (the same for every reader) and its page number."""
    page_obj = _page(outcome.results, request.GET.get("page"))
    detail_url = code_linker("procedures:detail")
    for procedure in page_obj.object_list:
        procedure.detail_url = detail_url(procedure.national_code)
    html = render_to_string(
        "procedures/_results.html",
        {
            "page_obj": page_obj,
            "corrected_q": outcome.corrected_q,
            "page_range": page_obj.paginator.get_elided_page_range(
                page_obj.number, on_each_side=1, on_ends=1
            ),
        },
        request=request,
    )
    return {"html": html, "page_number": page_obj.number}


@dataclass
class DocumentGroup:
    title: str
    documents: list[DocumentSlot] = field(default_factory=list)


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One procedure by national code (``1.004222``) or local code (``….H29``)."""
    procedure = _find_procedure(code.strip())
    if procedure is None:
        return render(request, "procedures/not_found.html", {"code": code[:60]}, status=404)
    version = procedure.current_version
    version.procedure = procedure  # the line rules read the code; no second query
    level_names = dict(Level.choices)
    by_kind: dict[LineKind, list[DocumentSlot]] = {kind: [] for kind in LineKind}
    for document, found in classified_documents(version):
        document.optional = found.kind == LineKind.CASE
        document.when = found.when
        by_kind[found.kind].append(document)
    to_upload = by_kind[LineKind.UPLOAD] + by_kind[LineKind.CASE]
    to_upload.sort(key=lambda d: (d.order, d.pk))
    context = {
        "procedure": procedure,
        "version": version,
        "channels": list(version.channels.all()),
        "document_groups": _group_documents(to_upload),
        "documents_shown": by_kind[LineKind.SHOW],
        "documents_replaced": by_kind[LineKind.DECLARATION],
        "document_notes": by_kind[LineKind.NOTE],
        "document_count": len(to_upload),
        "results": list(version.results.all()),
        "legal_basis": list(version.legal_basis.all()),
        "authority_levels": [level_names.get(lv, lv) for lv in version.authority_levels or []],
    }
    return render(request, "procedures/detail.html", context)


def _find_procedure(code: str) -> Procedure | None:
    return find_procedure(
        code,
        Procedure.objects.select_related(
            "current_version__sector", "current_version__receiving_agency"
        ).prefetch_related(
            Prefetch(
                "current_version__channels", queryset=Channel.objects.prefetch_related("fees")
            ),
            "current_version__documents",
            "current_version__results",
            "current_version__legal_basis",
        ),
    )


def _group_documents(documents: list[DocumentSlot]) -> list[DocumentGroup]:
    """Documents by their ``group`` (e.g. "Giấy tờ phải nộp"), in order of first appearance."""
    groups: dict[str, DocumentGroup] = {}
    for document in documents:
        key = document.group.strip()
        if key not in groups:
            groups[key] = DocumentGroup(title=key)
        groups[key].documents.append(document)
    if len(groups) > 1 and "" in groups:
        groups[""].title = _("Other documents")
    return list(groups.values())


def _page(results, raw: str | None) -> Page:
    """The page asked for, clamped to the existing ones, read with its total in one query.

    Only a page past the end costs a count and a second read (of the last page).
    """
    paginator = PageWithTotalPaginator(results, PAGE_SIZE)
    try:
        return paginator.page(_nearest_page(raw, MAX_PAGE))
    except EmptyPage:
        paginator = Paginator(results, PAGE_SIZE)
        return paginator.page(paginator.num_pages)


def _nearest_page(raw: str | None, num_pages: int) -> int:
    """The page asked for, clamped to the existing ones; anything unreadable is page 1."""
    try:
        number = int(raw or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), max(num_pages, 1))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
