"""The page layout's fixed parts, rendered once per process instead of on every request.

``{% layout_part key=value … %}…{% endlayout_part %}`` renders its content the first time and
then serves the same HTML from a small in-process table (no shared cache: a local dict costs
less than a round trip). The content is rendered in a context that holds **only** the named
values and ``LANGUAGE_CODE``: no request, user, session, CSRF token, CSP nonce or message can
reach it, so what it keeps can never carry one visitor's data to another. The kept HTML is filed
under the active language, the URL prefix and the named values, which are all it can depend on.

What differs per request (the CSRF token, the ``next`` address, the citizen's name) stays outside
the parts, between them. ``{% csrf_token %}`` and ``{% block %}`` inside a part are refused when
the template is loaded: the first would always be empty, the second would keep one child
template's block for all.

``{% active_menu_item as name %}`` names the menu entry the request's path belongs to
(``home``, ``procedures``, ``lookup``, ``dossiers``, ``account``, ``backoffice`` or ``""``),
the value the menu part is kept under.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import suppress
from threading import Lock

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# Per part: languages × menu entries × URL prefixes; more than this means a key misused.
MAX_KEPT_PER_PART = 64


class LayoutPartNode(template.Node):
    # Its content holds no block (refused at load): Django's search for the blocks of a parent
    # template, on every render of a page that extends it, need not walk it.
    child_nodelists = ()

    def __init__(self, nodelist: template.NodeList, values: dict) -> None:
        self.nodelist = nodelist
        self.values = values
        # One table per parsed template: a template reloaded in development starts afresh.
        self.kept: OrderedDict[tuple, SafeString] = OrderedDict()
        self.lock = Lock()

    def render(self, context: template.Context) -> str:
        values = {name: value.resolve(context) for name, value in self.values.items()}
        language = get_language() or ""
        key = (language, get_script_prefix(), *((n, str(v)) for n, v in values.items()))
        html = self.kept.get(key)
        if html is not None:
            # KeyError: evicted by another thread meanwhile; the HTML is still the right one.
            with suppress(KeyError):
                self.kept.move_to_end(key)
            return html
        only = context.new({**values, "LANGUAGE_CODE": language})
        html = mark_safe(self.nodelist.render(only))  # noqa: S308 (rendered template)
        with self.lock:
            self.kept[key] = html
            while len(self.kept) > MAX_KEPT_PER_PART:
                self.kept.popitem(last=False)
        return html


@register.tag("layout_part")
def do_layout_part(parser: template.base.Parser, token: template.base.Token) -> LayoutPartNode:
    values = {}
    for bit in token.split_contents()[1:]:
        name, sign, expression = bit.partition("=")
        if not sign or not name.isidentifier():
            raise template.TemplateSyntaxError("{% layout_part %} takes name=value arguments.")
        values[name] = parser.compile_filter(expression)
    nodelist = parser.parse(("endlayout_part",))
    parser.delete_first_token()
    for kind, word in ((CsrfTokenNode, "{% csrf_token %}"), (BlockNode, "{% block %}")):
        if nodelist.get_nodes_by_type(kind):
            raise template.TemplateSyntaxError(f"{{% layout_part %}} must not contain {word}.")
    return LayoutPartNode(nodelist, values)


# path prefix → menu entry, per URL prefix (a deployment under a sub-path has other URLs)
_MENU: dict[str, tuple[tuple[str, str, bool], ...]] = {}


def _menu() -> tuple[tuple[str, str, bool], ...]:
    prefix = get_script_prefix()
    found = _MENU.get(prefix)
    if found is None:
        found = _MENU[prefix] = (
            ("home", reverse("home"), True),
            ("procedures", reverse("procedures:list"), False),
            ("lookup", reverse("tracking:lookup"), False),
            ("dossiers", "/dossiers/", False),
            ("account", reverse("citizen:account"), True),
            ("backoffice", "/backoffice/", False),
        )
    return found


@register.simple_tag(takes_context=True)
def active_menu_item(context: template.Context) -> str:
    """The menu entry for the request's path: an exact match for the home and account pages,
    the path's start for the others."""
    request = context.get("request")
    path = getattr(request, "path", "")
    if not isinstance(path, str):
        return ""
    for name, url, exact in _menu():
        if path == url if exact else path.startswith(url):
            return name
    return ""
