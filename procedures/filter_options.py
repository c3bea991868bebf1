"""The catalogue page's sector and agency lists, rendered once rather than on every request.

The two ``<select>`` elements of the catalogue filters hold about 330 options, and Django renders
each option through its own template: that was three quarters of the catalogue page's time, plus
two queries, for HTML that changes only when a sector or an agency does. :class:`CachedSelect`
keeps the rendered element per process, keyed by everything the HTML depends on: a generation
number of the sector and agency tables, the language, the selected value and the attributes.

The generation (:data:`procedures.generation.FILTER_OPTIONS`) is kept in the shared cache so
that every web process sees a change made by any other (the importer, the admin): saving or
deleting a :class:`Sector` or an :class:`Agency` moves it on, and the old HTML is never served
again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django import forms
from django.utils.translation import get_language

from .generation import FILTER_OPTIONS

# A filtered page adds one entry per selected value and language; a few hundred are enough.
MAX_RENDERED = 512

_rendered: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


class CachedSelect(forms.Select):
    """A ``<select>`` whose HTML is rendered once per generation, language, value and attributes.

    The output is Django's own rendering, so it is the same HTML as an ordinary ``Select``.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        key = (
            FILTER_OPTIONS.current(),
            get_language(),
            name,
            tuple(self.format_value(value)),
            tuple(sorted((k, str(v)) for k, v in final_attrs.items())),
        )
        with _lock:
            html = _rendered.get(key)
            if html is not None:
                _rendered.move_to_end(key)
                return html
        html = super().render(name, value, attrs, renderer)
        with _lock:
            _rendered[key] = html
            while len(_rendered) > MAX_RENDERED:
                _rendered.popitem(last=False)
        return html
