"""The demo's fees and payments: fee rules, and three dossiers that pay online.

Fee rules are built from the catalogue's fee lines (every procedure whose catalogue gives an
amount charges it at submission from now on); the building permit also gets a fee asked during
processing, as an administrator would add it. Then, through the real services:

- Nguyễn Văn An files an auctioneer's certificate (500.000 VND), pays, gets the receipt;
- Lê Thị Thu Trang files a permanent residence registration (10.000 VND): her first payment is
  declined at the gateway, the retry is paid;
- Phạm Minh Tuấn's building permit is being processed when the agency asks for the permit fee
  (status 6); he pays and processing resumes (6 → 4, taken by the system).

The gateway's part (its signed notification) is played here with the merchant's shared secret,
exactly as the gateway signs it, and handed to the same service the IPN endpoint calls; with
``make demo`` running, the sandbox's gateway page does it for real for new dossiers.
Idempotent like the journeys: a dossier whose submission key is used is skipped.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dossiers.lifecycle import transitions
from dossiers.models import Dossier
from identity.models import Role
from payments import conf, fees, receipts, services
from payments.contrib.vnpay import signature
from payments.contrib.vnpay.plugin import stamp
from payments.models import FeeRule, FeeRuleLine, Payment, Stage
from portal import clock
from procedures.models import Procedure
from workflow import routing
from workflow.calendar import calendar_for

from .journeys import DG, TT, XD, Journey, Runner, key_of, working_hours_before

PERMIT_FEE = ("Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ", 75_000)


@dataclass(frozen=True)
class PaymentJourney:
    journey: Journey
    attempts: tuple[str, ...]  # the gateway's answer to each attempt: "00" paid, "24" cancelled
    fees_in_processing: bool = False


PAYMENT_JOURNEYS: tuple[PaymentJourney, ...] = (
    PaymentJourney(Journey("an", DG, 9.5), ("00",)),
    PaymentJourney(Journey("trang", TT, 7.5), ("24", "00")),
    PaymentJourney(Journey("tuan", XD, 12.5), ("00",), fees_in_processing=True),
)


def ensure_fee_rules() -> int:
    """Rules from the catalogue, and the permit fee asked during processing."""
    made = fees.build_from_catalogue()
    version = Procedure.objects.get(national_code=XD).current_version
    if not FeeRule.objects.filter(procedure_version=version, stage=Stage.PROCESSING).exists():
        with transaction.atomic():
            rule = FeeRule.objects.create(
                procedure_version=version,
                stage=Stage.PROCESSING,
                note="Nghị quyết HĐND Thành phố về lệ phí cấp giấy phép xây dựng (demo).",
            )
            FeeRuleLine.objects.create(rule=rule, name=PERMIT_FEE[0], amount_vnd=PERMIT_FEE[1])
        made += 1
    return made


def gateway_result(payment: Payment, code: str, at: datetime.datetime) -> dict[str, str]:
    """The notification the gateway sends for ``payment`` (signed with the shared secret)."""
    params = {
        "vnp_Amount": str(payment.amount),
        "vnp_BankCode": "NCB",
        "vnp_OrderInfo": f"Thanh toan le phi ho so {payment.dossier.code}",
        "vnp_PayDate": stamp(at),
        "vnp_ResponseCode": code,
        "vnp_TmnCode": conf.get("VNPAY_TMN_CODE"),
        "vnp_TransactionNo": str(13_000_000 + payment.pk),
        "vnp_TransactionStatus": "00" if code == "00" else "02",
        "vnp_TxnRef": payment.txn_ref,
    }
    params["vnp_SecureHash"] = signature.sign(params, conf.get("VNPAY_HASH_SECRET"))
    return params


def _pay(dossier: Dossier, attempts: tuple[str, ...], at: datetime.datetime) -> None:
    for code in attempts:
        with clock.as_of(at):
            payment = services.start_payment(
                dossier,
                dossier.applicant,
                return_url="http://127.0.0.1:8000/payments/vnpay/return/",
                client_ip="127.0.0.1",
            ).payment
        at += datetime.timedelta(minutes=3)
        with clock.as_of(at):
            services.record_notification(gateway_result(payment, code, at))
        if code == "00":
            receipts.issue(payment.pk)
        at += datetime.timedelta(minutes=10)


def seed_payments() -> int:
    """Fee rules, then the paying journeys not seeded yet. Returns how many were filed."""
    ensure_fee_rules()
    runner = Runner()
    calendar = calendar_for(None)
    anchor = calendar.next_working_moment(timezone.now())
    done = set(Dossier.objects.filter(idempotency_key__startswith="demo-")
               .values_list("idempotency_key", flat=True))  # fmt: skip
    filed = 0
    for index, paying in enumerate(PAYMENT_JOURNEYS, start=100):
        journey = paying.journey
        if key_of(journey) in done:
            continue
        runner.procedures.setdefault(
            journey.procedure,
            Procedure.objects.select_related("current_version").get(
                national_code=journey.procedure
            ),
        )
        at = working_hours_before(calendar, anchor, journey.start)
        dossier = runner.file(index, journey, at)
        if paying.fees_in_processing:
            agency_calendar = runner.calendar(dossier.receiving_agency)
            for step in ("receive", "route"):
                at = agency_calendar.add_working_hours(at, 1)
                dossier = runner.act(dossier, step, at, agency_calendar)
            at = agency_calendar.add_working_hours(at, 2)
            specialist = runner.official(dossier, Role.SPECIALIST)
            with clock.as_of(at):
                dossier = transitions.request_fees(
                    dossier, specialist, note="Đề nghị nộp lệ phí cấp giấy phép xây dựng."
                )
            _pay(dossier, paying.attempts, at + datetime.timedelta(hours=3))
            routing.sync_steps(dossier.code)
        else:
            _pay(dossier, paying.attempts, at + datetime.timedelta(minutes=5))
        filed += 1
    return filed
