"""The payments panels of the dossier pages (citizen and back office), read at each request.

The citizen's dossier page is kept per revision of the dossier; a payment does not change the
dossier's revision, so its panel is drawn outside the kept part, fresh each time.
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
