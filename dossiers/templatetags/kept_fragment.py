"""``{% kept "name" %}…{% endkept %}``: parts of a page rendered once per revision of what they
show.

The view puts a :class:`KeptFragment` in the context as ``kept_fragment``: empty on a miss (each
tag renders its content and records the HTML there under its name, for the view to keep), filled
on a hit (each tag outputs its kept HTML and renders nothing). Without one a tag simply renders
its content.
See :mod:`dossiers.read_cache` for how the kept HTML is never stale nor shown to someone else.

The content must be the same for every request of the owner: a ``{% csrf_token %}`` or a
variable that differs per request (the request, messages, the CSP nonce, the CSRF token) inside
the tag is refused when the template is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

PER_REQUEST = ("request", "messages", "csp_nonce", "csrf_token", "perms")


@dataclass
class KeptFragment:
    html: dict[str, SafeString] = field(default_factory=dict)


class KeptNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        holder = context.get("kept_fragment")
        if not isinstance(holder, KeptFragment):
            return self.nodelist.render(context)
        if self.name not in holder.html:
            html = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered HTML)
            holder.html[self.name] = html
        return holder.html[self.name]


def _per_request(nodelist: template.NodeList) -> str | None:
    if nodelist.get_nodes_by_type(CsrfTokenNode):
        return "csrf_token"
    for node in nodelist.get_nodes_by_type(template.base.VariableNode):
        name = str(getattr(node.filter_expression.var, "var", "")).split(".")[0]
        if name in PER_REQUEST:
            return name
    return None


@register.tag("kept")
def do_kept(parser: template.base.Parser, token: template.base.Token) -> KeptNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][:1] not in "\"'" or bits[1][-1:] != bits[1][:1]:
        raise template.TemplateSyntaxError("{% kept %} takes one quoted name.")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    found = _per_request(nodelist)
    if found is not None:
        raise template.TemplateSyntaxError(
            f"{{% kept %}} must not contain what differs per request ({found})."
        )
    return KeptNode(bits[1][1:-1], nodelist)
