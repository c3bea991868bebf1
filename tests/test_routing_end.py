"""A decision that ends the processing closes the step still open (process control, Mẫu 06):
approve, stop and withdraw after routing, each at the decision's time with the step's result;
the routing task does it once, the PDF and the inbox queues see the step finished."""

from __future__ import annotations

import pytest

from dossiers import official_forms
from dossiers.lifecycle import transitions
from dossiers.models import Dossier
from identity.models import Role
from tests.factories import DossierResultFactory
from tests.test_routing import at, forward, pin_last_event, routed, rows, staff  # noqa: F401
from workflow import queues, routing
from workflow.tasks import on_transition, route_dossier

pytestmark = pytest.mark.django_db


def test_approval_closes_the_leaders_step_once_with_its_result(routed, staff):  # noqa: F811
    leader = staff[Role.LEADER]
    dossier = forward(routed, staff[Role.SPECIALIST], at(0, 10))
    assert route_dossier(dossier.code) == 2
    routing.claim(routing.current_step(dossier), leader)
    DossierResultFactory(dossier=dossier, created_by=leader)
    dossier = transitions.approve(Dossier.objects.get(pk=dossier.pk), leader)
    pin_last_event(dossier, at(1, 15))  # the leader's step is due Tuesday 16:24

    assert route_dossier(dossier.code) == 1
    assert route_dossier(dossier.code) == 0  # redelivered: nothing written twice
    assert [(r.order, r.finished_at, r.result) for r in rows(dossier)] == [
        (2, at(0, 10), "early"),
        (3, at(1, 15), "on_time"),
    ]
    assert routing.current_step(dossier) is None
    # Mẫu 06 gives every row its result; no queue keeps the step open or in the leader's hands.
    assert [row["result"] for row in official_forms.control_context(dossier)["rows"]] == [
        "trước hạn",
        "đúng hạn",
    ]
    assert queues.open_steps([dossier.pk]) == {}
    assert dossier.pk not in queues.scope_of(leader).assigned


def test_a_stop_after_the_step_deadline_closes_it_late(routed, staff):  # noqa: F811
    route_dossier(routed.code)
    dossier = transitions.stop(routed, staff[Role.LEADER], note="Công dân đề nghị dừng")
    pin_last_event(dossier, at(2, 9))  # the specialist's step was due Tuesday 09:36
    assert route_dossier(dossier.code) == 1
    [row] = rows(dossier)
    assert (row.finished_at, row.result) == (at(2, 9), "late")


def test_a_withdrawal_during_processing_closes_the_open_step(routed):  # noqa: F811
    route_dossier(routed.code)
    dossier = transitions.withdraw(routed, routed.applicant, "Không còn nhu cầu")
    pin_last_event(dossier, at(0, 11))
    assert route_dossier(dossier.code) == 1
    assert [(r.finished_at, r.result) for r in rows(dossier)] == [(at(0, 11), "early")]


def test_a_withdrawal_before_routing_writes_no_row(staff):  # noqa: F811
    from tests.factories import DossierFactory

    dossier = DossierFactory(submitted=True)
    dossier = transitions.withdraw(dossier, dossier.applicant, "Nộp nhầm thủ tục")
    assert route_dossier(dossier.code) == 0
    assert rows(dossier) == []


@pytest.mark.parametrize("action", ["approve", "stop", "withdraw", "refuse"])
def test_the_decisions_that_end_the_processing_enqueue_the_routing_task(monkeypatch, action):
    sent = []
    monkeypatch.setattr(route_dossier, "delay", sent.append)
    on_transition(Dossier, code="H29.99-000000-0001", action=action)
    on_transition(Dossier, code="H29.99-000000-0002", action="request_fees")
    assert sent == ["H29.99-000000-0001"]
