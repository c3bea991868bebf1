"""The IPN's settling path, kept lean: one locked read, each row written once, the dossier's
read-cache stamp moved once, and the same outcome as before (bench/payments.py measures it)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import outbox
from dossiers import read_cache
from payments.models import FeeDemand, Payment, PaymentEvent
from payments.outbox_topics import RECEIPT
from portal import stamps
from tests.factories import DossierFactory
from tests.test_payments import gateway_says, ipn, make_rule, start


@pytest.fixture
def owing(db):
    """A submitted dossier that owes 50,000 VND, with a payment started."""
    make_rule()
    dossier = DossierFactory(submitted=True)
    return dossier, start(dossier)


def stamps_of(dossier) -> dict[str, str | None]:
    """The dossier's stamps, read as a cached status read reads them (portal.stamps.read), so
    that a later change must move them."""
    return {
        ref: stamps.read(f"probe:{ref}", read_cache.stamp_key(ref))[1]
        for ref in read_cache.refs_of(dossier)
    }


def statements(captured) -> list[str]:
    """The SQL of the request, without the savepoints of the test's own transaction."""
    return [q["sql"].split()[0] for q in captured if "SAVEPOINT" not in q["sql"]]


def test_a_paid_ipn_reads_once_writes_each_row_once_and_moves_the_stamp(
    client, owing, django_capture_on_commit_callbacks
):
    dossier, payment = owing
    before = stamps_of(dossier)
    # The stamps move when the IPN's transaction commits (portal.stamps).
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as captured,
    ):
        assert ipn(client, gateway_says(payment)) == "00"
    # One locked read of the payment with its dossier and demand; the payment and the demand
    # updated; the history row; the outbox message (looked up, then inserted).
    assert statements(captured) == ["SELECT", "UPDATE", "UPDATE", "INSERT", "SELECT", "INSERT"]
    locked = next(q["sql"] for q in captured if q["sql"].startswith("SELECT"))
    assert "FOR UPDATE OF" in locked and '"dossiers_dossier"' in locked
    after = stamps_of(dossier)
    assert all(after[ref] != before[ref] for ref in before)  # no stale status served
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.settled_by == "ipn"
    assert FeeDemand.objects.get(pk=payment.demand_id).state == FeeDemand.State.PAID
    assert list(PaymentEvent.objects.filter(payment=payment).values_list("kind", "to_state")) == [
        ("started", "pending"),
        ("ipn", "paid"),
    ]
    assert outbox.messages(topic=RECEIPT).filter(key=payment.txn_ref).count() == 1


def test_a_repeated_ipn_is_one_locked_read_and_writes_nothing(client, owing):
    dossier, payment = owing
    assert ipn(client, gateway_says(payment)) == "00"
    before = stamps_of(dossier)
    with CaptureQueriesContext(connection) as captured:
        assert ipn(client, gateway_says(payment)) == "02"
    assert statements(captured) == ["SELECT"]
    assert stamps_of(dossier) == before
    assert PaymentEvent.objects.filter(payment=payment).count() == 2


def test_a_declined_ipn_writes_the_payment_and_its_history_only(client, owing):
    dossier, payment = owing
    with CaptureQueriesContext(connection) as captured:
        assert ipn(client, gateway_says(payment, response="24", status="02")) == "00"
    assert statements(captured) == ["SELECT", "UPDATE", "INSERT"]
    payment.refresh_from_db()
    assert payment.state == Payment.State.FAILED
    assert FeeDemand.objects.get(pk=payment.demand_id).state == FeeDemand.State.DUE
    assert not outbox.messages(topic=RECEIPT).filter(key=payment.txn_ref).exists()
