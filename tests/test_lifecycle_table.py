"""The transition table (DOMAIN.md §3) against the services: every (status, action) pair.

For each status a dossier is put in that status and every action of the table is tried by
someone who holds every role: the pairs the table lists move the dossier to the listed status
(each tried in a savepoint rolled back afterwards), every other pair is refused with a Conflict
and leaves the dossier and its timeline untouched.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from dossiers.errors import Conflict
from dossiers.lifecycle import table, transitions
from dossiers.models import Dossier, DossierEvent, Status
from identity.models import Role, StaffRole
from procedures.models import Agency
from tests.factories import (
    HOME_WARD,
    DossierFactory,
    DossierResultFactory,
    OfficialFactory,
    SupplementRequestFactory,
)

pytestmark = pytest.mark.django_db

# DOMAIN.md §3, written out again by hand: the table must say exactly this.
DOMAIN = {
    "receive": ({1}, 2),
    "refuse": ({1}, 3),
    "return_for_completion": ({1}, 1),
    "route": ({2}, 4),
    "forward": ({4}, 4),
    "request_supplement": ({4}, 5),
    "receive_supplement": ({5}, 4),
    "request_fees": ({4}, 6),
    "mark_fees_paid": ({6}, 4),
    "stop": ({4, 5}, 8),
    "apologise_and_extend": ({2, 4, 5, 6}, None),
    "approve": ({4}, 9),
    "return_result": ({9}, 10),
    "withdraw": ({1, 2, 4, 5}, 7),
    # The applicant's answer online (the desk's receive_supplement stays for paper).
    "answer_supplement": ({5}, 4),
    "answer_completion": ({1}, 1),
}
APPLICANT_ACTIONS = {"withdraw", "answer_supplement", "answer_completion"}
EVERY_STATUS = [pytest.param(int(s), id=f"status-{int(s)}") for s in Status]


def test_the_table_is_the_domain_table():
    assert set(table.TABLE) == set(DOMAIN)
    for action, (sources, target) in DOMAIN.items():
        t = table.TABLE[action]
        assert {int(s) for s in t.sources} == sources, action
        if target is not None and target not in sources:
            assert t.target == target, action


def test_nothing_leaves_a_final_status():
    for t in table.TABLE.values():
        assert not t.sources & {3, 7, 8, 10}, t.action


def test_the_law_asks_for_a_reason_where_it_says_so():
    needs_reason = {a for a, t in table.TABLE.items() if t.reason_required}
    assert needs_reason == {
        "refuse", "return_for_completion", "request_supplement", "stop", "apologise_and_extend",
    }  # fmt: skip
    assert {a for a, t in table.TABLE.items() if t.items_required} == {
        "return_for_completion", "request_supplement",
    }  # fmt: skip


@pytest.fixture
def everyone():
    """An official of the dossier's ward holding every staff role."""
    user = OfficialFactory(username="ward.all", agency=HOME_WARD, role=Role.RECEPTION)
    ward = Agency.objects.get(code=HOME_WARD)
    for role in Role.values:
        StaffRole.objects.get_or_create(user=user, role=role, agency=ward)
    return user


def request_for(action: str) -> dict:
    """Valid fields for ``action``: only the status may stand in its way."""
    return {
        "note": "Lý do cụ thể",
        "items": ["Bản sao giấy khai sinh"],
        "new_due_at": timezone.now() + datetime.timedelta(days=60),
    }


def attempt(dossier: Dossier, action: str, official, citizen):
    if action == "withdraw":
        return transitions.withdraw(dossier, citizen, "Lý do cụ thể")
    if action in ("answer_supplement", "answer_completion"):
        # What the applicant answers: a request of the kind the action answers.
        completion = action == "answer_completion"
        SupplementRequestFactory(dossier=dossier, requested_by=official, completion=completion)
        service = getattr(transitions, action)
        return service(dossier, citizen, "Đã bổ sung")
    if action == "approve":
        DossierResultFactory(dossier=dossier, created_by=official)  # approval needs a result
    return transitions.perform(dossier, official, action, **request_for(action))


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_every_action_from_every_status(everyone, status):
    dossier = DossierFactory(submitted=True)
    due = timezone.now() + datetime.timedelta(days=30)
    Dossier.objects.filter(pk=dossier.pk).update(status=status, due_at=due)
    dossier.refresh_from_db()
    events = DossierEvent.objects.filter(dossier=dossier).count()

    for action, (sources, target) in DOMAIN.items():
        savepoint = transaction.savepoint()
        if status in sources:
            after = attempt(dossier, action, everyone, dossier.applicant)
            assert after.status == (status if target is None else target), action
            assert DossierEvent.objects.filter(dossier=dossier).count() == events + 1
        else:
            with pytest.raises(Conflict):
                attempt(dossier, action, everyone, dossier.applicant)
            dossier.refresh_from_db()
            assert dossier.status == status, action
            assert DossierEvent.objects.filter(dossier=dossier).count() == events, action
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_the_actions_offered_are_the_ones_that_work(everyone, status):
    dossier = DossierFactory(submitted=True)
    Dossier.objects.filter(pk=dossier.pk).update(status=status, due_at=timezone.now())
    dossier.refresh_from_db()
    offered = table.available(dossier, Role.values)
    expected = [
        a for a, (sources, _) in DOMAIN.items() if status in sources and a not in APPLICANT_ACTIONS
    ]
    assert offered == expected
    applicant_may = "withdraw" in table.available(dossier, [table.APPLICANT])
    assert applicant_may is (status in {1, 2, 4, 5})
