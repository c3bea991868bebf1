"""``{% delivery_panel dossier %}``: the applicant's delivery choice and its progress, rendered
with the dossier page's kept parts (a delivery row points to the dossier, so its changes renew
them). Its form holds no CSRF token: the page adds one per request, joined by ``form=``."""

from __future__ import annotations

from typing import Any

from django import template

from identity.models import Citizen

from ...models import Status
from .. import services
from ..models import Delivery
from ..views import ChoiceForm

register = template.Library()


@register.inclusion_tag("delivery/panel.html")
def delivery_panel(dossier: Any) -> dict[str, Any]:
    delivery = Delivery.objects.filter(dossier_id=dossier.pk).first()
    method = delivery.method if delivery else Delivery.Method.ONLINE
    can_choose = dossier.status in services.CHOOSABLE and not (
        delivery and delivery.state in services.WITH_THE_POST
    )
    form = None
    if can_choose:
        initial = {"method": method, "address": "", "phone": ""}
        if delivery is not None:
            initial.update(address=delivery.address, phone=delivery.phone)
        if not initial["address"]:
            citizen = Citizen.objects.select_related("ward").get(pk=dossier.applicant_id)
            initial["address"] = services.default_address(dossier, citizen)
            initial["phone"] = initial["phone"] or citizen.phone
        form = ChoiceForm(initial=initial)
    return {
        "dossier": dossier,
        "delivery": delivery,
        "method_label": Delivery.Method(method).label,
        "form": form,
        "decided": dossier.status in (Status.DECIDED, Status.RETURNED),
    }


@register.inclusion_tag("delivery/backoffice_card.html")
def delivery_card(dossier: Any) -> dict[str, Any]:
    """The back office's view: how the result goes out and where it is."""
    delivery = Delivery.objects.filter(dossier_id=dossier.pk).prefetch_related("reports").first()
    method = delivery.method if delivery else Delivery.Method.ONLINE
    return {"delivery": delivery, "method_label": Delivery.Method(method).label}
