"""Payment services: asking for fees, starting a payment, recording the gateway's result.

One function per state change, each in one transaction with its rows locked:

- :func:`open_demand` — a dossier now owes the fees of a stage (inside the submission or the
  ``request_fees`` transition, from :mod:`payments.receivers`);
- :func:`start_payment` — the payer asks to pay: a new payment, or the one still open;
- :func:`record_notification` — the gateway's IPN, checked in the order of DOMAIN.md §9;
- :func:`settle_from_query` / :func:`expire` — what the beat task does with a payment the IPN
  never settled (:mod:`payments.tasks`);
- :func:`paid_at_desk` — the desk records fees it collected itself (``mark_fees_paid``).

A payment is settled once: its row is locked and its state checked (``pending``), so ten
identical IPNs arriving together change it once and answer ``02`` nine times. A paid payment
marks its demand paid and, for fees asked during processing, moves the dossier 6 → 4 through
the ``mark_fees_paid`` transition taken by the system. Its receipt goes through the outbox
(topic ``payments.receipt``), written in the same transaction.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import outbox
from dossiers import read_cache
from dossiers.errors import Conflict, DossierError
from dossiers.lifecycle import transitions
from dossiers.models import Dossier, Status
from identity.models import Citizen
from portal import clock

from . import conf, fees, registry
from .base import BadSignature, GatewayResult, Outcome, StartRequest
from .models import FeeDemand, Payment, PaymentEvent, Stage
from .outbox_topics import RECEIPT

logger = logging.getLogger("payments")


# Refused, withdrawn or stopped: a fee still recorded as due is no longer collected.
CLOSED = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED})


class PaymentError(DossierError):
    """A payment cannot be started or recorded (a translated message)."""


# --- fee demands ---------------------------------------------------------------------------------


def open_demand(dossier: Dossier, stage: str, at: datetime.datetime) -> FeeDemand | None:
    """Freeze what ``dossier`` owes at ``stage`` (called inside the dossier's transaction).

    Nothing is recorded when the procedure charges nothing at that stage; a waived or exempt
    fee is recorded as ``waived`` with its reason, so the page can say why nothing is due."""
    quote = fees.quote(dossier, stage, at)
    if quote.rule is None:
        return None
    return FeeDemand.objects.create(
        dossier=dossier,
        stage=stage,
        rule=quote.rule,
        lines=quote.lines,
        amount=quote.amount,
        reason=quote.reason,
        state=FeeDemand.State.DUE if quote.charged else FeeDemand.State.WAIVED,
        created_at=at,
    )


def due_demand(dossier: Dossier) -> FeeDemand | None:
    """The fees ``dossier`` still owes, if any (at most one demand is open at a time)."""
    return FeeDemand.objects.filter(dossier=dossier, state=FeeDemand.State.DUE).first()


def in_flight(demand: FeeDemand, now: datetime.datetime | None = None) -> Payment | None:
    """The demand's payment still open at the gateway (pending and not expired)."""
    now = now or clock.now()
    return demand.payments.filter(state=Payment.State.PENDING, expires_at__gt=now).first()


# --- starting a payment --------------------------------------------------------------------------


def new_txn_ref(now: datetime.datetime) -> str:
    """``vnp_TxnRef``: unique, never reused, not guessable (it is in the browser's URLs)."""
    return f"P{now:%y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


def description_of(dossier: Dossier, demand: FeeDemand) -> str:
    """``vnp_OrderInfo``: plain Vietnamese without marks, as the protocol asks."""
    return f"Thanh toan le phi ho so {dossier.code}"


@dataclass(frozen=True)
class Started:
    payment: Payment
    redirect_url: str
    resumed: bool  # the payment already open is shown again (no second one)


def _event(payment: Payment, kind: str, before: str, data: dict | None = None, note: str = ""):
    PaymentEvent.objects.create(
        payment=payment,
        at=clock.now(),
        kind=kind,
        from_state=before,
        to_state=payment.state,
        data=data or {},
        note=note[:255],
    )


def start_payment(
    dossier: Dossier, citizen: Citizen, *, return_url: str, client_ip: str
) -> Started:
    """Start paying what ``dossier`` owes: a new payment at the gateway, or the open one again.

    Refuses (:class:`PaymentError`) another applicant's dossier (as "not found"), a dossier
    that owes nothing. An open payment past its expiry is marked expired first, so a declined
    or expired payment is retried with a new one."""
    if dossier.applicant_id != citizen.pk:
        raise Dossier.DoesNotExist
    status = Dossier.objects.filter(pk=dossier.pk).values_list("status", flat=True).first()
    if status in CLOSED:
        raise PaymentError(_("This dossier is closed: there is nothing to pay."))
    plugin = registry.gateway()
    now = clock.now()
    with transaction.atomic():
        demand = (
            FeeDemand.objects.select_for_update()
            .filter(dossier=dossier, state=FeeDemand.State.DUE)
            .first()
        )
        if demand is None:
            raise PaymentError(_("This dossier has no fee to pay."))
        current = demand.payments.filter(state=Payment.State.PENDING).first()
        if current is not None and current.expires_at > now:
            return Started(current, current.payment_url, resumed=True)
        if current is not None:
            current = Payment.objects.select_for_update().get(pk=current.pk)
            if current.state == Payment.State.PENDING:
                expire(current, now, note="expired before a new attempt")
        minutes = conf.get("PAYMENT_EXPIRE_MINUTES")
        payment = Payment.objects.create(
            demand=demand,
            dossier=dossier,
            agency_id=dossier.receiving_agency_id,
            gateway=plugin.identifier,
            txn_ref=new_txn_ref(timezone.localtime(now)),
            amount=demand.amount,
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=minutes),
        )
        payment.payment_url = plugin.start(
            StartRequest(
                txn_ref=payment.txn_ref,
                amount=payment.amount,
                description=description_of(dossier, demand),
                return_url=return_url,
                client_ip=client_ip,
                created_at=payment.created_at,
                expires_at=payment.expires_at,
            )
        )
        payment.save(update_fields=["payment_url"])
        _event(payment, "started", "", {"return_url": return_url, "ip": client_ip})
    return Started(payment, payment.payment_url, resumed=False)


# --- the gateway's result ------------------------------------------------------------------------

SETTLED_FIELDS = [
    "state", "settled_at", "settled_by", "transaction_no", "bank_code", "response_code",
    "transaction_status", "paid_at",
]  # fmt: skip


def record_notification(params: dict[str, Any], gateway: str | None = None) -> Outcome:
    """The gateway's server-to-server notification (IPN), checked in the order of DOMAIN.md
    §9: signature, order, amount (exactly, VND×100), not settled yet; then recorded."""
    plugin = registry.gateway(gateway)
    try:
        result = plugin.read_notification(params)
    except BadSignature:
        return Outcome.BAD_SIGNATURE
    try:
        with transaction.atomic():
            # One read locks the payment, its dossier and its demand, in the order every other
            # path locks them (payment, dossier, demand): nothing is read twice afterwards.
            payment = (
                Payment.objects.select_related("dossier", "demand")
                .select_for_update(of=("self", "dossier", "demand"))
                .filter(gateway=plugin.identifier, txn_ref=result.txn_ref)
                .first()
            )
            if payment is None:
                return Outcome.UNKNOWN_ORDER
            if result.amount != payment.amount:
                _event(payment, "refused", payment.state, result.raw, "amount does not match")
                return Outcome.WRONG_AMOUNT
            if payment.state != Payment.State.PENDING:
                return Outcome.ALREADY_SETTLED
            _settle(payment, result, "ipn")
            return Outcome.RECORDED
    except Exception:
        logger.exception("IPN for %s could not be recorded", result.txn_ref)
        return Outcome.ERROR


def _settle(payment: Payment, result: GatewayResult, source: str) -> None:
    """Record the gateway's final result on ``payment``, pending, locked with its dossier and
    its demand in one read (``select_related``).

    The rows are written with ``update()``: one statement each and no ``post_save``, so the
    dossier's read-cache stamp moves once (:func:`dossiers.read_cache.dossier_changed`) rather
    than once per saved row."""
    now = clock.now()
    before = payment.state
    dossier = payment.dossier
    payment.state = Payment.State.PAID if result.paid else Payment.State.FAILED
    payment.settled_at = now
    payment.settled_by = source
    payment.transaction_no = result.transaction_no
    payment.bank_code = result.bank_code
    payment.response_code = result.response_code
    payment.transaction_status = result.transaction_status
    payment.paid_at = result.paid_at if result.paid else None
    Payment.objects.filter(pk=payment.pk).update(
        **{name: getattr(payment, name) for name in SETTLED_FIELDS}
    )
    read_cache.dossier_changed(dossier)
    if not result.paid:
        _event(payment, source, before, result.raw, f"declined ({result.response_code})")
        return
    note = ""
    demand = payment.demand
    if demand.state != FeeDemand.State.DUE:
        note = "the fees were already settled: the amount is to be refunded"
    else:
        demand.state = FeeDemand.State.PAID
        demand.paid_via = FeeDemand.PaidVia.ONLINE
        demand.paid_at = now
        FeeDemand.objects.filter(pk=demand.pk).update(
            state=demand.state, paid_via=demand.paid_via, paid_at=now
        )
        if demand.stage == Stage.PROCESSING and dossier.status == Status.PAYMENT:
            transitions.by_system(
                dossier,
                "mark_fees_paid",
                note=_("Fees paid online (transaction %(ref)s).") % {"ref": payment.txn_ref},
            )
    _event(payment, source, before, result.raw, note)
    # The receipt must not be lost: an outbox message commits with the payment.
    outbox.put(RECEIPT, key=payment.txn_ref, payload={"payment": payment.pk})


def settle_from_query(
    payment: Payment, result: GatewayResult, now: datetime.datetime | None = None
) -> str:
    """What the query task learnt of a pending payment: settled when final, expired when
    the gateway does not know it (or it is still open) after its expiry; else left pending.
    Returns the payment's state afterwards."""
    with transaction.atomic():
        locked = (
            Payment.objects.select_related("dossier", "demand")
            .select_for_update(of=("self", "dossier", "demand"))
            .get(pk=payment.pk)
        )
        if locked.state != Payment.State.PENDING:
            return locked.state
        if result.known and result.final:
            if result.amount != locked.amount:
                _event(locked, "refused", locked.state, result.raw, "amount does not match")
                return locked.state
            _settle(locked, result, "query")
        elif (now or clock.now()) >= locked.expires_at:
            expire(locked, now or clock.now(), data=result.raw)
        return locked.state


def expire(payment: Payment, now: datetime.datetime, *, data=None, note: str = "") -> None:
    """Close a locked pending payment the gateway never settled (its demand stays due)."""
    before = payment.state
    payment.state = Payment.State.EXPIRED
    payment.settled_at = now
    payment.settled_by = "expiry"
    payment.save(update_fields=["state", "settled_at", "settled_by"])
    _event(payment, "expired", before, data or {}, note)


# --- the desk ---------------------------------------------------------------------------------


def paid_at_desk(dossier: Dossier, at: datetime.datetime) -> None:
    """The desk collected the open demand itself (inside ``mark_fees_paid``)."""
    demand = (
        FeeDemand.objects.select_for_update()
        .filter(dossier=dossier, state=FeeDemand.State.DUE)
        .first()
    )
    if demand is not None:
        demand.state = FeeDemand.State.PAID
        demand.paid_via = FeeDemand.PaidVia.DESK
        demand.paid_at = at
        demand.save(update_fields=["state", "paid_via", "paid_at"])


# --- the rules the lifecycle asks about (registered in apps.ready) -----------------------------


def refuse_receive_unpaid(dossier: Dossier, user: Any) -> None:
    """The desk accepts a dossier only once the fees due at submission are paid."""
    demand = due_demand(dossier)
    if demand is not None and demand.stage == Stage.SUBMISSION:
        raise DossierError(
            _("The applicant has not paid the fees due at submission (%(amount)s VND) yet.")
            % {"amount": f"{demand.amount_vnd:,}".replace(",", ".")}
        )


def refuse_desk_payment_in_flight(dossier: Dossier, user: Any) -> None:
    """The desk may not record fees a payment is being made for online right now."""
    demand = due_demand(dossier)
    if demand is not None and in_flight(demand) is not None:
        raise Conflict(
            _("The applicant is paying these fees online right now; wait for the result.")
        )


def payments_of(dossier: Dossier):
    return dossier.payments.select_related("receipt").order_by("-created_at", "-pk")
