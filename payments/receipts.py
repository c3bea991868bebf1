"""The electronic receipt (biên lai điện tử) of a paid fee, kept in the payer's documents.

DOMAIN.md §5: payer, procedure, dossier code, fee lines, amount, transaction reference. The PDF
is rendered from ``templates/payments/receipt_pdf.html`` with the portal's PDF renderer (only
bundled static files reachable), written as a private file and recorded as a
``StoredDocument`` of source ``receipt``, so the citizen finds it among their documents.
"""

from __future__ import annotations

import logging
import uuid

from django.db import transaction
from django.utils import timezone

from dossiers import pdf, read_cache
from dossiers.documents.storage import path_of, write_atomically
from dossiers.models import StoredDocument

from .models import Payment

logger = logging.getLogger("payments")


def number_of(payment: Payment) -> str:
    """Số biên lai: the year it was paid and the payment's sequence."""
    year = timezone.localtime(payment.settled_at or payment.created_at).strftime("%Y")
    return f"{payment.pk:07d}/{year}/BLĐT"


def context_of(payment: Payment, number: str) -> dict:
    dossier = payment.dossier
    demand = payment.demand
    agency = dossier.receiving_agency
    paid = timezone.localtime(payment.paid_at or payment.settled_at)
    return {
        "header": pdf.agency_header(agency),
        "number": number,
        "place_date": pdf.place_and_date(paid.date()),
        "title": "BIÊN LAI THU PHÍ, LỆ PHÍ ĐIỆN TỬ",
        "payer": dossier.applicant,
        "procedure_name": dossier.procedure_version.name,
        "code": dossier.code,
        "lines": demand.lines,
        "amount_vnd": payment.amount_vnd,
        "txn_ref": payment.txn_ref,
        "transaction_no": payment.transaction_no,
        "bank_code": payment.bank_code,
        "paid_at": pdf.time_and_date(paid),
        "agency_name": agency.name if agency else "",
    }


def render(payment: Payment, number: str) -> bytes:
    return pdf.render_pdf("payments/receipt_pdf.html", context_of(payment, number))


def issue(payment_id: int) -> StoredDocument | None:
    """The receipt of a paid payment, made once: a second run finds it and does nothing."""
    payment = (
        Payment.objects.select_related(
            "dossier__applicant", "dossier__procedure_version", "dossier__receiving_agency__parent",
            "demand", "receipt",
        )
        .filter(pk=payment_id, state=Payment.State.PAID)
        .first()
    )  # fmt: skip
    if payment is None:
        return None
    if payment.receipt is not None:
        return payment.receipt
    number = number_of(payment)
    data = render(payment, number)
    storage_name = f"{uuid.uuid4().hex}.pdf"
    size, digest = write_atomically(path_of(storage_name), [data])
    try:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.receipt_id is not None:  # another run got there first
                path_of(storage_name).unlink(missing_ok=True)
                return locked.receipt
            stored = StoredDocument.objects.create(
                owner_id=payment.dossier.applicant_id,
                source=StoredDocument.Source.RECEIPT,
                title=f"Biên lai thu phí, lệ phí hồ sơ {payment.dossier.code}"[:255],
                original_name=f"bien-lai-{payment.dossier.code}-{payment.pk}.pdf",
                storage_name=storage_name,
                content_type="application/pdf",
                size=size,
                sha256=digest,
            )
            # Set once; not a change of the payment's state (its history stays as it was).
            Payment.objects.filter(pk=payment.pk).update(receipt=stored, receipt_number=number)
            read_cache.dossier_changed(payment.dossier)  # update() sends no signal
    except BaseException:
        path_of(storage_name).unlink(missing_ok=True)
        raise
    logger.info("receipt %s of payment %s issued (%d bytes)", number, payment.txn_ref, size)
    return stored
