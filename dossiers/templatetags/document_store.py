"""The citizen's document store as a page section (used by the account page of ``identity``).

``identity`` must not import ``dossiers`` (dependencies point from dossiers down to identity),
so its account page asks for this section through the template layer instead of computing the
list in its view.
"""

from __future__ import annotations

from typing import Any

from django import template

from dossiers.documents.store import stored_documents_of

register = template.Library()


@register.inclusion_tag("dossiers/includes/account_documents.html")
def stored_documents_section(citizen: Any) -> dict[str, Any]:
    """The "My documents" section: what ``citizen`` uploaded or received, newest first."""
    return {"documents": stored_documents_of(citizen)}
