"""Answers that hold personal data are never stored by a cache, shared or not.

A dossier, a citizen's document store or the audit log must not be kept by a proxy or the
browser's back/forward cache and shown to the next person at the same computer; and a cache that
keys answers by URL alone would mix up people, languages and tokens. Views that answer with
personal data mark every answer, errors included, ``Cache-Control: private, no-store`` and
``Vary: Cookie, Authorization, Accept-Language``. This module imports no app.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers

PERSONAL_VARY = ("Cookie", "Authorization", "Accept-Language")


def mark_personal(response: HttpResponseBase) -> HttpResponseBase:
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, PERSONAL_VARY)
    return response


class PersonalDataMixin:
    """For DRF views: every answer (success or error) is marked by :func:`mark_personal`."""

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        return mark_personal(response)
