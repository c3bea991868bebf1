"""Delivery of the result: the applicant's choice, the shipment by post, the post's reports and
the hand-over at the desk. One function per change, each in one transaction that locks the
dossier row first (then the delivery row), like every transition.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

import outbox
from identity.models import Role
from portal import clock

from ..errors import ActionForbidden, Conflict, DossierError
from ..lifecycle import transitions
from ..lifecycle.table import TABLE
from ..models import Dossier, Status
from .models import Delivery, PostalReport
from .postal.base import Report
from .signals import delivery_changed

SHIPMENT = "delivery.postal_shipment"
# Until the result is delivered, and unless it is already with the post, the choice may change.
CHOOSABLE = frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT,
                       Status.PAYMENT, Status.DECIDED})  # fmt: skip
WITH_THE_POST = frozenset({Delivery.State.SHIPPING, Delivery.State.IN_TRANSIT})
POSTAL_SERVICE = "postal service"


def default_address(dossier: Dossier, citizen: Any = None) -> str:
    """The applicant's street and ward, as a delivery address to offer."""
    citizen = citizen or dossier.applicant
    ward = citizen.ward.name if citizen.ward_id else ""
    return ", ".join(part for part in (citizen.address, ward) if part)


def _locked_delivery(dossier: Dossier) -> Delivery | None:
    return Delivery.objects.select_for_update().filter(dossier_id=dossier.pk).first()


def choose(
    dossier: Dossier, citizen: Any, method: str, address: str = "", phone: str = ""
) -> Delivery:
    """The applicant chooses (or changes) how the result reaches them."""
    if method not in Delivery.Method.values:
        raise DossierError(_("Choose how you want to receive the result."))
    address = " ".join(address.split())[:500]
    if method == Delivery.Method.POST and not address:
        message = _("Give the address the post should deliver the result to.")
        raise DossierError(message, {"address": message})
    with transaction.atomic():
        locked = transitions.lock(dossier)
        if locked.applicant_id != citizen.pk:
            raise Dossier.DoesNotExist
        delivery = _locked_delivery(locked)
        if locked.status not in CHOOSABLE or (delivery and delivery.state in WITH_THE_POST):
            raise Conflict(_("The way the result is delivered can no longer be changed."))
        if delivery is None:
            delivery = Delivery(dossier=locked)
        delivery.method = method
        delivery.address = address if method == Delivery.Method.POST else ""
        delivery.phone = (phone or citizen.phone)[:20]
        delivery.recipient_name = citizen.full_name
        delivery.chosen_at = clock.now()
        delivery.save()
        if locked.status == Status.DECIDED and method == Delivery.Method.POST:
            _request_shipment(delivery)
    return delivery


def _request_shipment(delivery: Delivery) -> None:
    """Hand the result to the post: an outbox message in the caller's transaction."""
    delivery.state = Delivery.State.SHIPPING
    delivery.save(update_fields=["state"])
    code = delivery.dossier.code
    outbox.put(SHIPMENT, key=f"{code}:shipment", payload={"delivery": delivery.pk})


def on_dossier_recorded(sender: Any, dossier: Dossier, kind: str, action: str, **_: Any) -> None:
    """``dossiers.signals.recorded``: an approved result chosen by post goes to the post."""
    if kind != "transition" or action != "approve":
        return
    delivery = _locked_delivery(dossier)
    if delivery is not None and delivery.method == Delivery.Method.POST:
        _request_shipment(delivery)


def record_shipment(delivery_pk: int, tracking_number: str) -> Delivery:
    """The post took the shipment and gave its tracking number (the outbox handler's record)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_related("dossier").get(pk=delivery_pk)
        transitions.lock(delivery.dossier)
        delivery = (
            Delivery.objects.select_for_update().select_related("dossier").get(pk=delivery_pk)
        )
        if delivery.tracking_number:
            return delivery
        delivery.tracking_number = tracking_number
        delivery.shipped_at = clock.now()
        if delivery.state == Delivery.State.SHIPPING:
            delivery.state = Delivery.State.IN_TRANSIT
        delivery.save()
        delivery_changed.send(sender=Delivery, delivery=delivery, event="shipped", note="")
    return delivery


def record_report(report: Report) -> Delivery:
    """A signed report of the post: delivered (the dossier reaches status 10) or returned (the
    result waits at the desk). A report already recorded (same ``event_id``) changes nothing."""
    with transaction.atomic():
        found = Delivery.objects.filter(tracking_number=report.tracking_number).first()
        if found is None:
            raise Delivery.DoesNotExist
        dossier = transitions.lock(found.dossier)
        delivery = _locked_delivery(dossier)
        if PostalReport.objects.filter(event_id=report.event_id).exists():
            return delivery
        PostalReport.objects.create(
            delivery=delivery,
            dossier=dossier,
            event_id=report.event_id,
            status=report.status,
            reason=report.reason,
            at=report.at,
        )
        if delivery.state != Delivery.State.IN_TRANSIT:
            return delivery  # a late report after the result was handed over otherwise
        if report.status == "returned":
            delivery.state = Delivery.State.RETURNED
            delivery.returned_at = report.at
            delivery.return_reason = report.reason
            delivery.save()
            delivery_changed.send(
                sender=Delivery, delivery=delivery, event="post_returned", note=report.reason
            )
            return delivery
        delivery.state = Delivery.State.DELIVERED
        delivery.delivered_at = report.at
        delivery.save()
        if dossier.status == Status.DECIDED:
            note = _("Delivered by post, tracking number %(n)s.") % {"n": delivery.tracking_number}
            transitions.deliver_by_system(dossier, POSTAL_SERVICE, Role.RECEPTION, note)
    return delivery


def normalise_id(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def hand_over(
    dossier: Dossier,
    user: Any,
    *,
    id_number: str = "",
    collector_name: str = "",
    note: str = "",
    revision: int | None = None,
) -> Dossier:
    """The desk hands the result over (9 → 10), checking the collector's ID number against the
    applicant's. A result on its way by post cannot be handed over at the desk."""
    given = normalise_id(id_number)
    with transaction.atomic():
        locked = transitions.lock(dossier)
        actor = transitions.official(user)(locked)  # another agency's dossier: not found
        if not TABLE["return_result"].roles & actor.roles:
            raise ActionForbidden(_("Your role may not take this action on this dossier."))
        delivery = _locked_delivery(locked)
        method = delivery.method if delivery else Delivery.Method.ONLINE
        if delivery is not None and delivery.state in WITH_THE_POST:
            raise DossierError(_(
                "The result is on its way by post: the postal service reports its delivery."
            ))  # fmt: skip
        if method != Delivery.Method.ONLINE or given:
            if not given:
                message = _("Enter the ID number of the person collecting the result.")
                raise DossierError(message, {"id_number": message})
            if given != locked.applicant.id_number:
                message = _(
                    "This ID number is not the applicant's: the result cannot be handed over "
                    "to this person."
                )
                raise DossierError(message, {"id_number": message})
        if delivery is None:
            delivery = Delivery(dossier=locked, method=Delivery.Method.ONLINE)
        delivery.state = Delivery.State.DELIVERED
        delivery.delivered_at = clock.now()
        delivery.collector_id_number = given
        delivery.collector_name = collector_name.strip()[:255]
        delivery.handed_over_by = user.get_username()
        delivery.save()
        return transitions.return_result(locked, user, note=note, revision=revision)


def check_hand_over(dossier: Dossier, user: Any) -> None:
    """Every ``return_result``: a result chosen at the desk or by post is handed over through
    :func:`hand_over` (which checks the ID number) or reported delivered by the post."""
    delivery = Delivery.objects.filter(dossier_id=dossier.pk).first()
    if delivery is None or delivery.method == Delivery.Method.ONLINE:
        return
    if delivery.state != Delivery.State.DELIVERED:
        raise DossierError(_(
            "Record the hand-over with the ID number of the person collecting the result."
        ))  # fmt: skip


def callback_url() -> str:
    return f"{settings.PORTAL_URL.rstrip('/')}/api/v1/delivery/postal/reports"
