"""Links to a procedure, built by formatting rather than one ``reverse()`` per row.

A page of results links every procedure to its page (and, in the API, to its API answer). The
URL pattern is resolved once, with a placeholder for the code; each row then only formats its
code in, quoted exactly as ``reverse()`` would quote it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

# What reverse() leaves unquoted in a path (django.urls.resolvers).
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"
# Stands for the code while the pattern is resolved; no procedure code contains it.
PLACEHOLDER = "0CODE0"


def code_linker(view_name: str, request: HttpRequest | None = None) -> Callable[[str], str]:
    """A function giving the URL of ``view_name`` for a code; absolute when a request is given."""
    path = reverse(view_name, kwargs={"code": PLACEHOLDER})
    url = request.build_absolute_uri(path) if request is not None else path
    before, after = url.split(PLACEHOLDER)
    return lambda code: f"{before}{quote(code, safe=URL_SAFE)}{after}"
