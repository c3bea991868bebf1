"""The result of a dossier: approval needs one (uploaded PDF, checked like any upload, or
rendered from the template), it reaches the applicant's document store, and only the applicant
(once decided) and the handling agency's officials may download it."""

from __future__ import annotations

import pytest
from django.utils import translation

from dossiers import results
from dossiers.errors import DossierError
from dossiers.lifecycle import transitions
from dossiers.models import DossierResult, Status, StoredDocument
from dossiers.results import ResultChoice
from identity.models import Role
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory, sign_in
from tests.fixtures import hostile
from tests.fixtures.documents import make_citizen, pdf_bytes
from tests.fixtures.upload_setup import file, files_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""
    return settings.PRIVATE_STORAGE_ROOT


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.LEADER)
    }


@pytest.fixture
def processing(staff):
    dossier = DossierFactory(submitted=True)
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    return transitions.route(dossier, staff[Role.RECEPTION])


def test_approval_without_a_result_is_refused_with_a_clear_message(processing, staff):
    with translation.override("vi"), pytest.raises(DossierError) as refused:
        transitions.approve(processing, staff[Role.LEADER])
    assert refused.value.message.startswith("Cần đính kèm kết quả trước khi phê duyệt")
    assert "result" in refused.value.errors
    processing.refresh_from_db()
    assert processing.status == Status.PROCESSING
    assert not DossierResult.objects.exists()


def test_approval_with_an_uploaded_pdf(processing, staff, private_root):
    leader = staff[Role.LEADER]
    upload = file("quyet-dinh.pdf", pdf_bytes("Giấy chứng nhận kết hôn"))
    dossier = transitions.approve(processing, leader, result=ResultChoice(file=upload))
    assert dossier.status == Status.DECIDED
    result = DossierResult.objects.get(dossier=dossier)
    assert (result.source, result.title, result.created_by) == ("uploaded", "quyet-dinh", leader)
    assert results.file_of(result).read_bytes() == pdf_bytes("Giấy chứng nhận kết hôn")
    assert result.signed_at is None and result.signature is None  # for the signing issue
    stored = StoredDocument.objects.get(owner=dossier.applicant, source="result")
    assert (stored.storage_name, stored.sha256) == (result.storage_name, result.sha256)
    assert result.stored == stored


def test_approval_with_a_rendered_result(processing, staff):
    dossier = transitions.approve(processing, staff[Role.LEADER], result=ResultChoice(render=True))
    result = DossierResult.objects.get(dossier=dossier)
    assert result.source == "rendered" and result.number.endswith("/KQ")
    content = results.file_of(result).read_bytes()
    assert content.startswith(b"%PDF-") and len(content) == result.size
    context = results.render_context(dossier, result.title, result.number)
    assert context["header"]["issuing"] == dossier.receiving_agency.name
    assert context["code"] == dossier.code


def test_a_hostile_result_is_refused_and_nothing_is_kept(processing, staff, private_root):
    upload = file("ket-qua.pdf", hostile.pdf_with_launch())
    with pytest.raises(DossierError) as refused:
        transitions.approve(processing, staff[Role.LEADER], result=ResultChoice(file=upload))
    assert "result_file" in refused.value.errors
    processing.refresh_from_db()
    assert processing.status == Status.PROCESSING
    assert files_in(private_root) == [] and not DossierResult.objects.exists()


def test_a_result_attached_earlier_is_used_and_a_specialist_may_not_attach(processing, staff):
    with pytest.raises(transitions.ActionForbidden):
        results.attach(processing, staff[Role.SPECIALIST], ResultChoice(render=True))
    first = results.attach(processing, staff[Role.LEADER], ResultChoice(render=True))
    second = results.attach(
        processing, staff[Role.LEADER], ResultChoice(file=file("qd.pdf", pdf_bytes("QĐ")))
    )
    assert not DossierResult.objects.filter(pk=first.pk).exists()  # replaced
    dossier = transitions.approve(processing, staff[Role.LEADER])
    assert dossier.status == Status.DECIDED and dossier.result == second


def test_the_approve_form_of_the_back_office_takes_the_file(client, processing, staff):
    sign_in(client, staff[Role.LEADER])
    url = f"/backoffice/dossiers/{processing.code}/"
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page and "approve-result_file" in page
    refused = client.post(url, {"action": "approve", "approve-revision": processing.revision})
    assert refused.status_code == 400
    processing.refresh_from_db()
    assert processing.status == Status.PROCESSING
    done = client.post(
        url,
        {
            "action": "approve",
            "approve-revision": processing.revision,
            "approve-result_file": file("qd.pdf", pdf_bytes("QĐ công nhận")),
            "approve-result_title": "Quyết định công nhận",
        },
    )
    assert done.status_code == 302
    processing.refresh_from_db()
    assert processing.status == Status.DECIDED
    assert processing.result.title == "Quyết định công nhận"


def test_who_may_download_the_result(client, processing, staff):
    dossier = transitions.approve(processing, staff[Role.LEADER], result=ResultChoice(render=True))
    url = f"/dossiers/{dossier.code}/result.pdf"

    client.force_login(dossier.applicant.user)
    owner = client.get(url)
    assert owner.status_code == 200 and owner["Content-Type"] == "application/pdf"
    assert b"".join(owner.streaming_content).startswith(b"%PDF-")
    assert "private" in owner["Cache-Control"]

    client.force_login(make_citizen().user)
    assert client.get(url).status_code == 404

    other_agency = OfficialFactory(username="tuphap.lanhdao", role=Role.LEADER, agency="H29.03")
    sign_in(client, other_agency)
    assert client.get(url).status_code == 404

    sign_in(client, staff[Role.RECEPTION])  # the handling agency
    assert client.get(url).status_code == 200


def test_the_officials_page_links_the_result_once_decided_and_returned(client, processing, staff):
    results.attach(processing, staff[Role.LEADER], ResultChoice(render=True))
    sign_in(client, staff[Role.RECEPTION])
    url = f"/backoffice/dossiers/{processing.code}/"
    link = f'href="/dossiers/{processing.code}/result.pdf" id="result-link"'
    assert 'id="dossier-result"' not in client.get(url).content.decode()  # still at 4
    dossier = transitions.approve(processing, staff[Role.LEADER])
    for expected in (Status.DECIDED, Status.RETURNED):
        dossier.refresh_from_db()
        assert dossier.status == expected
        page = client.get(url).content.decode()
        assert link in page and dossier.result.title in page
        assert client.get(f"/dossiers/{dossier.code}/result.pdf").status_code == 200
        if expected == Status.DECIDED:
            transitions.return_result(dossier, staff[Role.RECEPTION])


def test_the_applicant_does_not_see_a_result_before_the_decision(client, processing, staff):
    results.attach(processing, staff[Role.LEADER], ResultChoice(render=True))
    client.force_login(processing.applicant.user)
    assert client.get(f"/dossiers/{processing.code}/result.pdf").status_code == 404
    sign_in(client, staff[Role.LEADER])
    assert client.get(f"/dossiers/{processing.code}/result.pdf").status_code == 200


def test_the_result_endpoint_of_the_back_office_api(client, processing, staff):
    url = f"/api/v1/backoffice/dossiers/{processing.code}/result/"
    act = f"/api/v1/backoffice/dossiers/{processing.code}/transitions/"
    sign_in(client, staff[Role.LEADER])
    refused = client.post(act, {"action": "approve"}, content_type="application/json")
    assert refused.status_code == 400 and "result" in refused.json()["error"]["fields"]
    hostile_file = file("qd.pdf", hostile.pdf_with_launch())
    bad = client.post(url, {"file": hostile_file})
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["file"]
    made = client.post(url, {"render": True}, content_type="application/json")
    assert made.status_code == 201 and made.json()["source"] == "rendered"
    done = client.post(act, {"action": "approve"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == Status.DECIDED
    late = client.post(url, {"render": True}, content_type="application/json")
    assert late.status_code == 409 and set(late.json()["error"]) >= {"status", "detail"}

    sign_in(client, staff[Role.SPECIALIST])
    other = DossierFactory(submitted=True, key="key-2", applicant=processing.applicant)
    other = transitions.route(transitions.receive(other, staff[Role.RECEPTION]),
                              staff[Role.RECEPTION])  # fmt: skip
    forbidden = client.post(
        f"/api/v1/backoffice/dossiers/{other.code}/result/", {"render": True},
        content_type="application/json",
    )  # fmt: skip
    assert forbidden.status_code == 403


def test_the_citizens_page_shows_due_date_apology_and_result(client, processing, staff):
    import datetime

    from django.utils import timezone

    leader = staff[Role.LEADER]
    first_due = processing.due_at
    new_due = timezone.now() + datetime.timedelta(days=20)
    processing.due_at = processing.original_due_at = timezone.now() + datetime.timedelta(days=10)
    processing.save(update_fields=["due_at", "original_due_at"])
    dossier = transitions.apologise_and_extend(
        processing, leader, note="Chờ xác minh của cơ quan khác", new_due_at=new_due
    )
    client.force_login(dossier.applicant.user)
    with translation.override("vi"):
        page = client.get(f"/dossiers/{dossier.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    local_new = timezone.localtime(new_due).strftime("%H:%M %d/%m/%Y")
    assert 'id="apology"' in page and "Chờ xác minh của cơ quan khác" in page
    assert "data-new-due>" + local_new in page and "data-first-due" in page
    assert first_due is not None and 'id="result"' not in page

    dossier = transitions.approve(dossier, leader, result=ResultChoice(render=True))
    page = client.get(f"/dossiers/{dossier.code}/").content.decode()
    assert 'id="result"' in page and f"/dossiers/{dossier.code}/result.pdf" in page
