"""The transition services' rules beyond the table: roles and agencies, reasons, the single
supplement request and the single extension, the timeline, work scheduled after commit."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from dossiers.errors import ActionForbidden, Conflict, DossierError
from dossiers.lifecycle import transitions
from dossiers.models import Dossier, DossierEvent, Status, SupplementRequest
from identity.models import Role
from tests.factories import HOME_WARD, DossierFactory, DossierResultFactory, OfficialFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def vietnamese():
    """The services speak the request's language; outside a request, say which (Vietnamese
    first), whatever an earlier test left active."""
    with translation.override("vi"):
        yield


@pytest.fixture
def staff():
    """One official of the dossier's ward per processing role."""
    return {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
    }


@pytest.fixture
def dossier():
    return DossierFactory(submitted=True)


def processing(dossier: Dossier, staff) -> Dossier:
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    return transitions.route(dossier, staff[Role.RECEPTION])


def test_a_whole_journey_writes_who_when_from_to_and_why(dossier, staff):
    desk, specialist, leader = staff[Role.RECEPTION], staff[Role.SPECIALIST], staff[Role.LEADER]
    before = timezone.now()
    dossier = transitions.receive(dossier, desk, note="Đủ giấy tờ")
    assert dossier.status == Status.ACCEPTED and dossier.accepted_at >= before
    dossier = transitions.route(dossier, desk)
    dossier = transitions.request_supplement(
        dossier, specialist, note="Thiếu giấy xác nhận", items=["Giấy xác nhận tình trạng hôn nhân"]
    )
    dossier = transitions.receive_supplement(dossier, desk)
    dossier = transitions.request_fees(dossier, specialist)
    dossier = transitions.mark_fees_paid(dossier, desk)
    dossier = transitions.forward(dossier, specialist, note="Trình lãnh đạo")
    DossierResultFactory(dossier=dossier, created_by=leader)  # attached earlier (dossiers.results)
    dossier = transitions.approve(dossier, leader)
    assert dossier.finished_at is not None
    dossier = transitions.return_result(dossier, desk)
    assert dossier.status == Status.RETURNED and dossier.returned_at is not None

    rows = list(
        DossierEvent.objects.filter(dossier=dossier, actor_type="official").values_list(
            "action", "from_status", "to_status", "actor", "note"
        )
    )
    assert rows == [
        ("accepted", 1, 2, "ward.reception", "Đủ giấy tờ"),
        ("routed", 2, 4, "ward.reception", ""),
        ("supplement_requested", 4, 5, "ward.specialist", "Thiếu giấy xác nhận"),
        ("supplemented", 5, 4, "ward.reception", ""),
        ("payment_requested", 4, 6, "ward.specialist", ""),
        ("paid", 6, 4, "ward.reception", ""),
        ("step", 4, 4, "ward.specialist", "Trình lãnh đạo"),
        ("decided", 4, 9, "ward.leader", ""),
        ("result_returned", 9, 10, "ward.reception", ""),
    ]
    times = list(DossierEvent.objects.filter(dossier=dossier).values_list("at", flat=True))
    assert times == sorted(times) and times[-1] >= before
    assert dossier.revision == 1 + len(rows)  # submission, then one per transition


def test_an_official_of_another_agency_does_not_find_the_dossier(dossier):
    other = OfficialFactory(username="tuphap.motcua", role=Role.RECEPTION, agency="H29.03")
    with pytest.raises(Dossier.DoesNotExist):
        transitions.receive(dossier, other)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_the_wrong_role_is_refused(dossier, staff):
    with pytest.raises(ActionForbidden) as refused:
        transitions.receive(dossier, staff[Role.SPECIALIST])
    assert refused.value.message == "Vai trò của bạn không được thực hiện thao tác này với hồ sơ."
    admin = OfficialFactory(username="ward.admin", role=Role.AGENCY_ADMIN, agency=HOME_WARD)
    city = OfficialFactory(username="city.admin", role=Role.CITY_ADMIN, agency="H29")
    for user in (admin, city):  # they see the agency; they do not process its dossiers
        with pytest.raises(ActionForbidden):
            transitions.receive(dossier, user)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert not DossierEvent.objects.filter(dossier=dossier, actor_type="official").exists()


def test_the_applicants_withdrawal_is_not_an_officials_action(dossier, staff):
    with pytest.raises(ActionForbidden):
        transitions.perform(dossier, staff[Role.RECEPTION], "withdraw", note="x")


def test_an_unknown_action_is_refused(dossier, staff):
    with pytest.raises(DossierError) as refused:
        transitions.perform(dossier, staff[Role.RECEPTION], "approve_everything")
    assert "action" in refused.value.errors


@pytest.mark.parametrize("action", ["refuse", "return_for_completion"])
def test_a_reason_is_required_where_the_law_asks_for_one(dossier, staff, action):
    with pytest.raises(DossierError) as refused:
        transitions.perform(dossier, staff[Role.RECEPTION], action, note="  ", items=["Tờ khai"])
    assert refused.value.errors["note"] == "Thao tác này cần nêu lý do."
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_refusal_records_the_reason_and_ends_the_dossier(dossier, staff):
    dossier = transitions.refuse(dossier, staff[Role.RECEPTION], note="Sai thẩm quyền")
    assert dossier.status == Status.REFUSED and dossier.finished_at is not None
    event = DossierEvent.objects.get(dossier=dossier, action="refused")
    assert (event.from_status, event.to_status, event.note) == (1, 3, "Sai thẩm quyền")


def test_return_for_completion_is_not_a_reception_nor_the_supplement(dossier, staff):
    dossier = transitions.return_for_completion(
        dossier, staff[Role.RECEPTION], note="Tờ khai chưa ký", items=["Tờ khai có chữ ký", " "]
    )
    assert dossier.status == Status.SUBMITTED
    assert dossier.accepted_at is None and dossier.due_at is None
    assert dossier.supplement_count == 0
    asked = SupplementRequest.objects.get(dossier=dossier)
    assert (asked.kind, asked.items, asked.reason) == (
        "completion",
        ["Tờ khai có chữ ký"],
        "Tờ khai chưa ký",
    )
    assert asked.requested_by == staff[Role.RECEPTION]


def test_a_second_supplement_request_is_refused(dossier, staff):
    dossier = processing(dossier, staff)
    specialist = staff[Role.SPECIALIST]
    dossier = transitions.request_supplement(dossier, specialist, note="Thiếu", items=["A"])
    assert dossier.paused_at is not None and dossier.supplement_count == 1
    dossier = transitions.receive_supplement(dossier, staff[Role.RECEPTION])
    asked = SupplementRequest.objects.get(dossier=dossier, kind="supplement")
    assert asked.answered_at is not None and dossier.paused_at is None

    with pytest.raises(DossierError) as refused:
        transitions.request_supplement(dossier, specialist, note="Thiếu nữa", items=["B"])
    assert not isinstance(refused.value, Conflict)
    assert "chỉ được yêu cầu bổ sung một lần" in refused.value.message
    dossier.refresh_from_db()
    assert (dossier.status, dossier.supplement_count) == (Status.PROCESSING, 1)
    assert SupplementRequest.objects.filter(dossier=dossier).count() == 1


def extendable(dossier: Dossier, staff, due_in: datetime.timedelta) -> Dossier:
    dossier = processing(dossier, staff)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() + due_in)
    dossier.refresh_from_db()
    return dossier


def test_the_due_date_moves_once(dossier, staff):
    leader = staff[Role.LEADER]
    dossier = extendable(dossier, staff, 10 * DAY)
    first_due = dossier.due_at
    new = first_due + 5 * DAY
    dossier = transitions.apologise_and_extend(dossier, leader, note="Chờ xác minh", new_due_at=new)
    assert (dossier.due_at, dossier.extended, dossier.status) == (new, True, Status.PROCESSING)
    event = DossierEvent.objects.get(dossier=dossier, action="rescheduled")
    assert (event.from_status, event.to_status, event.note) == (4, 4, "Chờ xác minh")

    with pytest.raises(DossierError) as refused:
        transitions.apologise_and_extend(dossier, leader, note="Lần nữa", new_due_at=new + DAY)
    assert "đã được gia hạn một lần" in refused.value.message
    dossier.refresh_from_db()
    assert dossier.due_at == new


def test_an_apology_comes_at_least_one_working_day_before_the_due_date(dossier, staff):
    dossier = extendable(dossier, staff, datetime.timedelta(hours=3))
    with pytest.raises(DossierError) as refused:
        transitions.apologise_and_extend(
            dossier, staff[Role.LEADER], note="Trễ", new_due_at=dossier.due_at + 3 * DAY
        )
    assert "new_due_at" in refused.value.errors
    dossier.refresh_from_db()
    assert not dossier.extended


def test_the_new_date_must_be_later(dossier, staff):
    dossier = extendable(dossier, staff, 10 * DAY)
    with pytest.raises(DossierError):
        transitions.apologise_and_extend(
            dossier, staff[Role.LEADER], note="x", new_due_at=dossier.due_at - DAY
        )


def test_stop_needs_a_reason_and_a_leader_or_head(dossier, staff):
    dossier = processing(dossier, staff)
    with pytest.raises(ActionForbidden):
        transitions.stop(dossier, staff[Role.SPECIALIST], note="Không đủ điều kiện")
    dossier = transitions.stop(dossier, staff[Role.DIVISION_HEAD], note="Không đủ điều kiện")
    assert dossier.status == Status.STOPPED and dossier.finished_at is not None


def test_a_stale_revision_is_a_conflict(dossier, staff):
    seen = dossier.revision
    dossier = processing(dossier, staff)
    with pytest.raises(Conflict):
        transitions.forward(dossier, staff[Role.SPECIALIST], revision=seen)
    transitions.forward(dossier, staff[Role.SPECIALIST], revision=dossier.revision)


def test_listeners_hear_of_a_transition_only_after_commit(
    dossier, staff, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, signal, **change):
        heard.append(change)

    transitions.transitioned.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            transitions.receive(dossier, staff[Role.RECEPTION])
        assert heard == []  # not yet committed
        for callback in callbacks:
            callback()
    finally:
        transitions.transitioned.disconnect(listener)
    dossier.refresh_from_db()
    assert heard == [
        {
            "code": dossier.code,
            "action": "receive",
            "from_status": 1,
            "to_status": 2,
            "revision": dossier.revision,
        }
    ]


def test_a_failing_listener_does_not_undo_the_transition(
    dossier, staff, django_capture_on_commit_callbacks
):
    def broken(sender, **change):
        raise RuntimeError("mail server down")

    transitions.transitioned.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            transitions.receive(dossier, staff[Role.RECEPTION])
    finally:
        transitions.transitioned.disconnect(broken)
    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED
