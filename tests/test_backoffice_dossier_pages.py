"""The officials' dossier pages: the inbox (content per role and agency, urgency order and
badges, counts, query count) and the dossier page (what it shows, the actions it offers, and
posting them: success, refused reason, conflict, other agency, wrong role, citizen)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.test import Client
from django.utils import timezone

from backoffice import urgency
from dossiers import uploads
from dossiers.lifecycle import transitions
from dossiers.models import Dossier, DossierDocument, DossierEvent, Status, SupplementRequest
from identity.models import AuditEvent, Role, StaffRole
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory, sign_in
from tests.fixtures.documents import pdf_bytes, upload

pytestmark = pytest.mark.django_db

INBOX = "/backoffice/dossiers/"


_names = itertools.count(1)


def official(role: str, agency: str = HOME_WARD):
    return OfficialFactory(username=f"{agency}.{role}.{next(_names)}", role=role, agency=agency)


def client_for(role: str, agency: str = HOME_WARD) -> Client:
    return sign_in(Client(), official(role, agency))


def page(dossier: Dossier) -> str:
    return f"/backoffice/dossiers/{dossier.code}/"


def submitted(n: int = 1) -> list[Dossier]:
    applicant = CitizenFactory()
    return [DossierFactory(submitted=True, applicant=applicant, key=f"key-{i}") for i in range(n)]


def processing(dossier: Dossier) -> Dossier:
    """Received and routed by the desk: status 4, where the specialist acts."""
    desk = official(Role.RECEPTION)
    transitions.receive(dossier, desk)
    return transitions.route(Dossier.objects.get(pk=dossier.pk), desk)


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


def attach_file(dossier: Dossier):
    """A real PDF in the applicant's store, attached to the submitted dossier."""
    stored = uploads.store_upload(
        dossier.applicant, upload("giay-to.pdf", pdf_bytes()),
        accept=["pdf"], max_size_mb=10, title="Giấy xác nhận",
    )  # fmt: skip
    DossierDocument.objects.create(dossier=dossier, slot_id="extra", stored=stored)
    return stored


def codes(response) -> list[str]:
    return [row["dossier"].code for row in response.context["rows"]]


# --- the inbox ------------------------------------------------------------------------------------


def test_the_desk_sees_new_dossiers_of_its_ward_only():
    mine = submitted(2)
    desk = client_for(Role.RECEPTION)
    response = desk.get(INBOX)
    assert response.status_code == 200
    assert sorted(codes(response)) == sorted(d.code for d in mine)
    assert mine[0].code in response.content.decode()
    other = client_for(Role.RECEPTION, agency="H29.03").get(INBOX)
    assert codes(other) == []
    assert "Không có hồ sơ nào cần xử lý" in other.content.decode()


def test_a_specialist_does_not_see_dossiers_waiting_for_the_desk():
    waiting, routed = submitted(2)
    processing(routed)
    response = client_for(Role.SPECIALIST).get(INBOX)
    assert codes(response) == [routed.code]


def test_overdue_first_then_due_soon_with_badges_and_counts():
    late, soon, later, new = submitted(4)
    for dossier in (late, soon, later):
        processing(dossier)
    now = timezone.now()
    Dossier.objects.filter(pk=late.pk).update(due_at=now - datetime.timedelta(days=3))
    Dossier.objects.filter(pk=soon.pk).update(due_at=now + datetime.timedelta(minutes=30))
    Dossier.objects.filter(pk=later.pk).update(due_at=now + datetime.timedelta(days=40))
    both = official(Role.SPECIALIST)
    StaffRole.objects.create(user=both, role=Role.RECEPTION, agency=new.receiving_agency)
    desk = sign_in(Client(), both)
    response = desk.get(INBOX)
    assert codes(response) == [late.code, soon.code, later.code, new.code]
    keys = [row["badge"].key for row in response.context["rows"]]
    assert keys == ["late", "soon", "in_time", "none"]
    html = response.content.decode()
    assert "Quá hạn" in html and "Đến hạn trong một ngày làm việc" in html
    tabs = {tab["status"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs == {Status.SUBMITTED: 1, Status.PROCESSING: 3}
    only_new = desk.get(INBOX, {"status": Status.SUBMITTED})
    assert codes(only_new) == [new.code]


def test_the_procedure_filter_keeps_matching_dossiers():
    dossier = submitted(1)[0]
    desk = client_for(Role.RECEPTION)
    code = dossier.procedure.national_code
    assert codes(desk.get(INBOX, {"procedure": code})) == [dossier.code]
    # An unknown procedure is ignored rather than answered with an empty page.
    assert codes(desk.get(INBOX, {"procedure": "9.999999"})) == [dossier.code]


def test_a_page_of_dossiers_costs_no_query_per_row(django_assert_max_num_queries):
    dossiers = submitted(12)
    receiver = official(Role.RECEPTION)
    for dossier in dossiers[:6]:  # accepted: a due date, so the calendar judges their badge
        transitions.receive(dossier, receiver)
    desk = client_for(Role.RECEPTION)
    desk.get(INBOX)  # warm the session
    # Session and user, the official's roles, the procedures filter, the counts, the page's
    # count and rows, one calendar of the one agency: the same for 2 rows or 25.
    with django_assert_max_num_queries(11):
        response = desk.get(INBOX)
    assert len(response.context["rows"]) == 12
    judged = [row for row in response.context["rows"] if row["badge"].key != "none"]
    assert len(judged) == 6


def test_badges_are_judged_with_the_calendar_at_a_given_moment():
    dossier = processing(submitted(1)[0])
    due = dossier.due_at
    assert urgency.badges([dossier], due - datetime.timedelta(days=60))[dossier.pk].key == "in_time"
    assert urgency.badges([dossier], due)[dossier.pk].key == "soon"
    assert urgency.badges([dossier], due + datetime.timedelta(days=2))[dossier.pk].key == "late"


# --- the dossier page -----------------------------------------------------------------------------


def test_the_page_shows_the_applicant_the_answers_the_documents_and_the_desks_actions(
    private_root,
):
    dossier = submitted(1)[0]
    attach_file(dossier)
    response = client_for(Role.RECEPTION).get(page(dossier))
    assert response.status_code == 200
    html = response.content.decode()
    assert dossier.applicant.full_name in html
    assert dossier.procedure.national_code in html
    first = dossier.form_schema["sections"][0]
    assert first["title"] in html and first["fields"][0]["label"] in html
    stored = dossier.documents.first().stored
    assert f"/documents/{stored.public_id}/" in html
    assert [a["action"] for a in response.context["actions"]] == [
        "receive",
        "refuse",
        "return_for_completion",
    ]
    assert 'name="refuse-note"' in html and 'name="return_for_completion-items"' in html


def test_the_official_downloads_an_attached_document(private_root):
    dossier = submitted(1)[0]
    stored = attach_file(dossier)
    response = client_for(Role.RECEPTION).get(f"/documents/{stored.public_id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == stored.content_type
    other = client_for(Role.RECEPTION, agency="H29.03").get(f"/documents/{stored.public_id}/")
    assert other.status_code == 404


def test_a_specialist_sees_no_action_on_a_dossier_waiting_for_the_desk():
    dossier = submitted(1)[0]
    response = client_for(Role.SPECIALIST).get(page(dossier))
    assert response.context["actions"] == []
    assert "Vai trò của bạn không có thao tác nào" in response.content.decode()


def test_receiving_moves_the_dossier_and_writes_the_timeline():
    dossier = submitted(1)[0]
    desk = client_for(Role.RECEPTION)
    response = desk.post(
        page(dossier), {"action": "receive", "receive-revision": dossier.revision,
                        "receive-note": "Đủ giấy tờ"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == page(dossier)
    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED and dossier.due_at is not None
    event = DossierEvent.objects.get(dossier=dossier, action="accepted")
    assert event.actor.startswith(f"{HOME_WARD}.reception") and event.note == "Đủ giấy tờ"
    shown = desk.get(page(dossier)).content.decode()
    assert "Đã tiếp nhận" in shown and "Đủ giấy tờ" in shown


def test_refusing_without_a_reason_is_refused_next_to_the_form():
    dossier = submitted(1)[0]
    response = client_for(Role.RECEPTION).post(
        page(dossier), {"action": "refuse", "refuse-revision": dossier.revision, "refuse-note": " "}
    )
    assert response.status_code == 400
    assert "Thao tác này cần nêu lý do." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_refusing_with_a_reason_ends_the_dossier():
    dossier = submitted(1)[0]
    response = client_for(Role.RECEPTION).post(
        page(dossier),
        {"action": "refuse", "refuse-revision": dossier.revision, "refuse-note": "Sai thẩm quyền"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.REFUSED
    assert DossierEvent.objects.get(dossier=dossier, action="refused").note == "Sai thẩm quyền"


def test_a_supplement_request_keeps_its_list_and_a_missing_list_loses_nothing():
    dossier = processing(submitted(1)[0])
    specialist = client_for(Role.SPECIALIST)
    missing = specialist.post(
        page(dossier),
        {"action": "request_supplement", "request_supplement-revision": dossier.revision,
         "request_supplement-note": "Thiếu giấy tờ", "request_supplement-items": ""},
    )  # fmt: skip
    assert missing.status_code == 400
    html = missing.content.decode()
    assert (
        "Nêu ít nhất một giấy tờ hoặc thông tin cần bổ sung." in html and "Thiếu giấy tờ" in html
    )  # what was typed
    done = specialist.post(
        page(dossier),
        {"action": "request_supplement", "request_supplement-revision": dossier.revision,
         "request_supplement-note": "Thiếu giấy tờ",
         "request_supplement-items": "Bản sao CCCD\n\nGiấy xác nhận cư trú"},
    )  # fmt: skip
    assert done.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT
    asked = SupplementRequest.objects.get(dossier=dossier)
    assert asked.items == ["Bản sao CCCD", "Giấy xác nhận cư trú"]
    assert DossierEvent.objects.filter(dossier=dossier, action="supplement_requested").exists()


def test_a_stale_page_gets_a_409_with_the_dossier_reloaded():
    dossier = submitted(1)[0]
    desk = client_for(Role.RECEPTION)
    stale = dossier.revision
    transitions.receive(dossier, official(Role.RECEPTION))
    response = desk.post(page(dossier), {"action": "receive", "receive-revision": stale})
    assert response.status_code == 409
    assert response.context["dossier"].status == Status.ACCEPTED
    assert [a["action"] for a in response.context["actions"]] == ["route"]
    assert "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại." in response.content.decode()
    assert DossierEvent.objects.filter(dossier=dossier, action="accepted").count() == 1


def test_another_agency_gets_404_for_the_page_and_the_post():
    dossier = submitted(1)[0]
    other = client_for(Role.RECEPTION, agency="H29.03")
    assert other.get(page(dossier)).status_code == 404
    assert (
        other.post(page(dossier), {"action": "receive", "receive-revision": 1}).status_code == 404
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_the_wrong_role_gets_the_403_page_and_an_audit_row():
    dossier = submitted(1)[0]
    response = client_for(Role.SPECIALIST).post(
        page(dossier), {"action": "receive", "receive-revision": dossier.revision}
    )
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()
    assert AuditEvent.objects.filter(detail__reason="role", detail__dossier=dossier.code).exists()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_a_citizen_gets_403_even_for_their_own_dossier():
    dossier = submitted(1)[0]
    citizen = Client()
    citizen.force_login(dossier.applicant.user)
    assert citizen.get(page(dossier)).status_code == 403
    assert citizen.get(INBOX).status_code == 403


def test_the_dossier_page_reads_a_fixed_number_of_queries(django_assert_max_num_queries):
    dossier = processing(submitted(1)[0])  # its due date set
    specialist = client_for(Role.SPECIALIST)
    specialist.get(page(dossier))
    # Session and user, the dossier with its joins, the roles, the wards' names, documents,
    # timeline, supplement requests, the process-control rows, the issued forms, the fee
    # demands and payments, the delivery, the notices sent: none per event, document, step,
    # payment, notice or action.
    with django_assert_max_num_queries(14):
        response = specialist.get(page(dossier))
    assert len(response.context["timeline"]) == 3  # filed, accepted, routed
    assert [a["action"] for a in response.context["actions"]] == [
        "forward",
        "request_supplement",
        "request_fees",
    ]
