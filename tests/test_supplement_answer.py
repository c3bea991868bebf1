"""The applicant answers a supplement request (status 5) or a completion request (status 1) on
the same dossier, through the page and the API: documents per item (upload or reuse, the draft's
code), then the answer transition; the desk's paper answer keeps working."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from dossiers.errors import ActionForbidden, Conflict, DossierError
from dossiers.lifecycle import answer, asked, transitions
from dossiers.models import Dossier, DossierEvent, Status, SupplementRequest
from identity.models import Role
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
from tests.fixtures import hostile
from tests.fixtures.documents import make_citizen, pdf_bytes
from tests.fixtures.upload_setup import file, files_in
from workflow.models import ProcessStep
from workflow.routing import sync_steps

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=HCM)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""
    return settings.PRIVATE_STORAGE_ROOT


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.LEADER)
    }


@pytest.fixture
def waiting(staff, clock):
    """A dossier in status 5: received Tuesday 1/12/2026 08:00, supplement asked at 09:00."""
    clock(at(2026, 12, 1, 8, 0))
    dossier = DossierFactory(submitted=True)
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    dossier = transitions.route(dossier, staff[Role.RECEPTION])
    sync_steps(dossier.code)  # the routing task: the step that will ask is open
    clock(at(2026, 12, 1, 9, 0))
    return transitions.request_supplement(
        dossier,
        staff[Role.SPECIALIST],
        note="Thiếu giấy tờ chứng minh",
        items=["Giấy xác nhận tình trạng hôn nhân", "Bản sao sổ hộ khẩu"],
    )


def open_step(dossier: Dossier):
    return ProcessStep.objects.filter(dossier=dossier, finished_at=None).values_list(
        "pk", "assignee_id", "handed_to_id"
    )


def test_the_citizen_answer_resumes_processing_with_the_clock_rule(waiting, staff, clock):
    citizen = waiting.applicant
    step_before = list(open_step(waiting))
    slot = answer.slot_id(waiting, 1)
    answer.attach_upload(waiting, citizen, slot, file("xac-nhan.pdf", pdf_bytes("XN")))
    clock(at(2026, 12, 3, 14, 0))  # Thursday
    dossier = answer.send(waiting, citizen, note="Đã bổ sung giấy xác nhận")

    assert dossier.status == Status.PROCESSING and dossier.paused_at is None
    assert dossier.due_at == at(2026, 12, 4, 14, 0)  # restart: one working day from now
    request = SupplementRequest.objects.get(dossier=dossier)
    assert request.answered_at == at(2026, 12, 3, 14, 0)
    event = DossierEvent.objects.filter(dossier=dossier).latest("pk")
    assert (event.action, event.from_status, event.to_status, event.actor_type) == (
        "supplement_sent", 5, 4, "citizen",
    )  # fmt: skip
    assert event.note == "Đã bổ sung giấy xác nhận"
    assert step_before and list(open_step(dossier)) == step_before  # back at the step that asked
    attached = asked.answer_documents(request).get()
    assert (attached.slot_id, attached.stored.title) == (slot, "Giấy xác nhận tình trạng hôn nhân")


def test_the_shift_rule_applies_to_the_citizens_answer(waiting, clock, settings):
    settings.SUPPLEMENT_CLOCK_RULE = "shift"
    clock(at(2026, 12, 2, 9, 0))  # paused Tuesday 09:00 → Wednesday 09:00: 8 working hours
    dossier = answer.send(waiting, waiting.applicant, note="Gửi bổ sung")
    assert dossier.due_at == at(2026, 12, 3, 8, 0)


def test_a_second_answer_and_another_citizens_answer_are_refused(waiting):
    other = make_citizen()
    with pytest.raises(Dossier.DoesNotExist):
        transitions.answer_supplement(waiting, other, "Không phải của tôi")
    with pytest.raises(Dossier.DoesNotExist):
        answer.attach_upload(waiting, other, answer.slot_id(waiting, 1), file("a.pdf", pdf_bytes()))
    answer.send(waiting, waiting.applicant, note="Đã bổ sung")
    with translation.override("vi"), pytest.raises(Conflict):
        answer.send(waiting, waiting.applicant, note="Lần nữa")
    assert DossierEvent.objects.filter(dossier=waiting, action="supplement_sent").count() == 1


def test_an_answer_needs_a_document_or_a_message(waiting):
    with pytest.raises(DossierError) as refused:
        answer.send(waiting, waiting.applicant, note="  ")
    assert "documents" in refused.value.errors
    waiting.refresh_from_db()
    assert waiting.status == Status.SUPPLEMENT


def test_an_official_may_not_answer_for_the_applicant(waiting, staff):
    with pytest.raises(ActionForbidden):
        transitions.perform(waiting, staff[Role.RECEPTION], "answer_supplement", note="x")


def test_the_desk_still_receives_a_supplement_on_paper(waiting, staff):
    dossier = transitions.receive_supplement(waiting, staff[Role.RECEPTION])
    assert dossier.status == Status.PROCESSING
    assert SupplementRequest.objects.get(dossier=dossier).answered_at is not None
    with pytest.raises(Conflict):  # nothing waits for the citizen's answer any more
        answer.send(dossier, dossier.applicant, note="Muộn")


def test_a_completion_answer_leaves_the_dossier_with_the_desk(staff):
    dossier = DossierFactory(submitted=True)
    with pytest.raises(Conflict):  # nothing asked yet
        answer.send(dossier, dossier.applicant, note="Chưa ai hỏi")
    dossier = transitions.return_for_completion(
        dossier, staff[Role.RECEPTION], note="Tờ khai chưa ký", items=["Tờ khai có chữ ký"]
    )
    slot = answer.slot_id(dossier, 1)
    answer.attach_upload(dossier, dossier.applicant, slot, file("to-khai.pdf", pdf_bytes("TK")))
    dossier = answer.send(dossier, dossier.applicant)
    assert dossier.status == Status.SUBMITTED and dossier.due_at is None
    assert SupplementRequest.objects.get(dossier=dossier).answered_at is not None
    assert DossierEvent.objects.filter(dossier=dossier, action="completion_sent").count() == 1
    with pytest.raises(Conflict):
        answer.send(dossier, dossier.applicant, note="Lần hai")
    assert transitions.receive(dossier, staff[Role.RECEPTION]).status == Status.ACCEPTED


def test_the_page_answers_with_an_upload_and_a_reused_document(client, waiting):
    citizen = waiting.applicant
    client.force_login(citizen.user)
    detail = client.get(f"/dossiers/{waiting.code}/").content.decode()
    assert "data-open-request" in detail and "Giấy xác nhận tình trạng hôn nhân" in detail
    url = f"/dossiers/{waiting.code}/supplement/"
    page = client.get(url)
    assert page.status_code == 200 and "Bản sao sổ hộ khẩu" in page.content.decode()

    slot1, slot2 = answer.slot_id(waiting, 1), answer.slot_id(waiting, 2)
    posted = client.post(
        f"{url}?slot={slot1}",
        {"action": "upload", "slot_id": slot1, "file": file("xn.pdf", pdf_bytes("XN"))},
    )
    assert posted.status_code == 302
    stored = asked.answer_documents(waiting.supplement_requests.get()).get().stored
    reused = client.post(url, {"action": "reuse", "slot_id": slot2, "stored": stored.public_id})
    assert reused.status_code == 302
    sent = client.post(url, {"action": "send", "note": "Gửi bổ sung"})
    assert sent.status_code == 302 and sent["Location"] == f"/dossiers/{waiting.code}/"
    waiting.refresh_from_db()
    assert waiting.status == Status.PROCESSING
    documents = asked.answer_documents(waiting.supplement_requests.get())
    assert [d.reused for d in documents] == [False, True]
    after = client.get(f"/dossiers/{waiting.code}/").content.decode()
    assert "data-answered" in after and "data-open-request" not in after


def test_a_hostile_upload_is_refused_on_the_page_and_nothing_is_lost(client, waiting, private_root):
    citizen = waiting.applicant
    client.force_login(citizen.user)
    slot = answer.slot_id(waiting, 1)
    answer.attach_upload(waiting, citizen, slot, file("dung.pdf", pdf_bytes("Đúng")))
    files_before = sorted(files_in(private_root))
    with translation.override("vi"):
        response = client.post(
            f"/dossiers/{waiting.code}/supplement/?slot={slot}",
            {"action": "upload", "slot_id": slot, "file": file("kich-ban.pdf",
                                                               hostile.pdf_with_launch())},
        )  # fmt: skip
    assert response.status_code == 400
    assert f'id="slot-{slot}-error"' in response.content.decode()
    assert sorted(files_in(private_root)) == files_before
    waiting.refresh_from_db()
    assert waiting.status == Status.SUPPLEMENT
    assert [d.stored.original_name for d in asked.answer_documents(
        waiting.supplement_requests.get())] == ["dung.pdf"]  # fmt: skip


def test_another_citizen_gets_not_found_on_the_page_and_the_api(client, waiting):
    client.force_login(make_citizen().user)
    assert client.get(f"/dossiers/{waiting.code}/supplement/").status_code == 404
    response = client.post(
        f"/api/v1/dossiers/{waiting.code}/supplement/",
        {"note": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404 and set(response.json()["error"]) >= {"status", "detail"}


def test_the_api_reads_attaches_and_sends(client, waiting):
    client.force_login(waiting.applicant.user)
    base = f"/api/v1/dossiers/{waiting.code}/supplement/"
    read = client.get(base).json()
    assert read["kind"] == "supplement" and [i["number"] for i in read["items"]] == [1, 2]
    assert read["items"][0]["text"] == "Giấy xác nhận tình trạng hôn nhân"

    bad = client.post(f"{base}documents/", {"item": 9, "file": file("a.pdf", pdf_bytes())})
    assert bad.status_code == 400 and "item" in bad.json()["error"]["fields"]
    hostile_file = file("kich-ban.pdf", hostile.pdf_with_launch())
    refused = client.post(f"{base}documents/", {"item": 1, "file": hostile_file})
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["file"]

    empty = client.post(base, {"note": ""}, content_type="application/json")
    assert empty.status_code == 400 and "documents" in empty.json()["error"]["fields"]

    made = client.post(f"{base}documents/", {"item": 1, "file": file("xn.pdf", pdf_bytes("XN"))})
    assert made.status_code == 201
    document_id = made.json()["id"]
    assert client.delete(f"{base}documents/{document_id}/").status_code == 204
    again = client.post(
        f"{base}documents/",
        {"item": 2, "stored_document": made.json()["stored_document"]},
        content_type="application/json",
    )
    assert again.status_code == 201 and again.json()["reused"] is True

    sent = client.post(base, {"note": "Gửi"}, content_type="application/json")
    assert sent.status_code == 200 and sent.json()["status"] == Status.PROCESSING
    twice = client.post(base, {"note": "Gửi lại"}, content_type="application/json")
    assert twice.status_code == 409
    assert set(twice.json()["error"]) >= {"status", "detail"}
    assert client.get(base).status_code == 409
