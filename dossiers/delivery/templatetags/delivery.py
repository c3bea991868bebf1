"""``{% delivery_panel dossier %}``: the applicant's delivery choice and its progress (read at
each request, outside the page's kept parts, since it holds a form)."""

from __future__ import annotations

from typing import Any

from django import template

from ...models import Status
from .. import services
from ..models import Delivery
from ..views import ChoiceForm

register = template.Library()


@register.inclusion_tag("delivery/panel.html", takes_context=True)
def delivery_panel(context: template.Context, dossier: Any) -> dict[str, Any]:
    delivery = Delivery.objects.filter(dossier_id=dossier.pk).prefetch_related("reports").first()
    method = delivery.method if delivery else Delivery.Method.ONLINE
    can_choose = dossier.status in services.CHOOSABLE and not (
        delivery and delivery.state in services.WITH_THE_POST
    )
    form = ChoiceForm(
        initial={
            "method": method,
            "address": (delivery.address if delivery else "") or services.default_address(dossier),
            "phone": delivery.phone if delivery else dossier.applicant.phone,
        }
    )
    return {
        "dossier": dossier,
        "delivery": delivery,
        "method_label": Delivery.Method(method).label,
        "form": form if can_choose else None,
        "decided": dossier.status in (Status.DECIDED, Status.RETURNED),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("delivery/backoffice_card.html")
def delivery_card(dossier: Any) -> dict[str, Any]:
    """The back office's view: how the result goes out and where it is."""
    delivery = Delivery.objects.filter(dossier_id=dossier.pk).prefetch_related("reports").first()
    method = delivery.method if delivery else Delivery.Method.ONLINE
    return {"delivery": delivery, "method_label": Delivery.Method(method).label}
