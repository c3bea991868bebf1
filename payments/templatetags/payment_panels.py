"""The payments panels of the dossier pages (citizen and back office).

On the citizen's page the panel is part of what is kept per state of the dossier
(:mod:`dossiers.read_cache`): fee demands and payments point to the dossier, so saving one
moves its stamp; the receipt, attached with ``update()``, moves it explicitly.
"""

from django import template

from ..models import FeeDemand, Payment

register = template.Library()


def _context(dossier) -> dict:
    demands = list(FeeDemand.objects.filter(dossier=dossier).order_by("created_at", "pk"))
    payments = list(
        Payment.objects.filter(dossier=dossier)
        .select_related("receipt")
        .prefetch_related("events")
        .order_by("-created_at", "-pk")
    )
    due = next((d for d in demands if d.state == FeeDemand.State.DUE), None)
    return {"dossier": dossier, "demands": demands, "payments": payments, "due": due}


@register.inclusion_tag("payments/panel_citizen.html")
def citizen_payments(dossier) -> dict:
    return _context(dossier)


@register.inclusion_tag("payments/panel_backoffice.html")
def backoffice_payments(dossier) -> dict:
    return _context(dossier)


@register.filter
def vnd(amount) -> str:
    """Whole VND with dots between thousands, as Vietnamese amounts are written (500.000)."""
    try:
        return f"{int(amount):,}".replace(",", ".")
    except (TypeError, ValueError):
        return ""
