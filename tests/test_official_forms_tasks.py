"""The forms follow the transitions: the lifecycle's signal queues render_form on the documents
queue after commit, a rerun renders nothing twice, and only the applicant and the handling
agency's officials can download what was issued."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from dossiers import official_forms, tasks
from dossiers.lifecycle import transitions
from dossiers.models import IssuedForm
from identity.models import Role
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


@pytest.fixture
def desk():
    return OfficialFactory(username="forms.desk", role=Role.RECEPTION, agency=HOME_WARD)


@pytest.fixture
def dossier():
    return DossierFactory(applicant=CitizenFactory(with_contact=True), submitted=True)


@pytest.fixture
def queued(monkeypatch):
    """What render_form.delay was asked for (no broker in these tests)."""
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.render_form, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def renders(monkeypatch):
    """How many times a form was really rendered."""
    counted: list[str] = []
    real = official_forms.render

    def counting(dossier, form, number=None):
        counted.append(form)
        return real(dossier, form, number)

    monkeypatch.setattr(official_forms, "render", counting)
    return counted


@pytest.mark.parametrize(
    ("action", "asked", "form"),
    [
        ("receive", {}, "01"),
        ("refuse", {"note": "Sai thẩm quyền"}, "03"),
        ("return_for_completion", {"note": "Thiếu", "items": ["Tờ khai"]}, "02"),
    ],
)
def test_a_transition_queues_its_form_after_commit_and_a_rerun_renders_once(
    dossier, desk, queued, renders, django_capture_on_commit_callbacks, action, asked, form
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dossier = transitions.perform(dossier, desk, action, **asked)
    assert queued == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued == [(dossier.code, form, dossier.revision)]

    first = tasks.render_form(*queued[0])
    again = tasks.render_form(*queued[0])  # a redelivered message
    assert first == again
    rows = IssuedForm.objects.filter(dossier=dossier)
    assert [(row.form, row.revision) for row in rows] == [(form, dossier.revision)]
    assert renders == [form]
    assert tasks.form_file(rows.get()).read_bytes().startswith(b"%PDF-")


def test_a_transition_without_a_form_queues_nothing(
    dossier, desk, queued, django_capture_on_commit_callbacks
):
    dossier = transitions.receive(dossier, desk)
    with django_capture_on_commit_callbacks(execute=True):
        transitions.route(dossier, desk)
    assert queued == []


def test_a_lost_file_is_rendered_again_under_the_same_row(dossier, desk, renders):
    dossier = transitions.receive(dossier, desk)
    name = tasks.render_form(dossier.code, "01", dossier.revision)
    tasks.file_path(name).unlink()
    assert tasks.render_form(dossier.code, "01", dossier.revision) == name
    assert renders == ["01", "01"] and IssuedForm.objects.count() == 1
    assert tasks.file_path(name).is_file()


def test_the_receipt_at_reception_replaces_the_submitted_one_for_the_applicant(
    dossier, desk, client
):
    dossier = transitions.receive(dossier, desk)
    name = tasks.render_form(dossier.code, "01", dossier.revision)
    assert tasks.receipt_file(dossier) == tasks.file_path(name)


def test_form_06_on_demand_is_queued_after_commit(
    dossier, desk, queued, django_capture_on_commit_callbacks
):
    dossier = transitions.receive(dossier, desk)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.request_form(dossier, "06")
    assert queued == [(dossier.code, "06", dossier.revision)]


def test_unknown_dossier_or_form_renders_nothing(dossier):
    assert tasks.render_form("H29.26743-261206-9999", "02", 1) is None
    assert tasks.render_form(dossier.code, "99", 1) is None
    assert not IssuedForm.objects.exists()


# --- downloads ------------------------------------------------------------------------------------


@pytest.fixture
def refusal(dossier, desk):
    dossier = transitions.refuse(dossier, desk, note="Sai thẩm quyền")
    tasks.render_form(dossier.code, "03", dossier.revision)
    issued = IssuedForm.objects.get(dossier=dossier)
    return issued, reverse("tracking:form", args=[dossier.code, issued.pk])


def test_the_applicant_downloads_the_form_with_its_vietnamese_name(client, dossier, refusal):
    issued, url = refusal
    client.force_login(dossier.applicant.user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert f'filename="phieu-tu-choi-{dossier.code}.pdf"' in disposition
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_an_official_of_the_handling_agency_downloads_it(client, desk, refusal):
    _issued, url = refusal
    sign_in(client, desk)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["other citizen", "other agency official", "unverified desk"])
def test_anyone_else_gets_not_found(client, desk, refusal, who):
    _issued, url = refusal
    if who == "other citizen":
        client.force_login(CitizenFactory(id_number="079090009999").user)
    elif who == "other agency official":
        sign_in(client, OfficialFactory(username="tuphap.desk", role=Role.RECEPTION))
    else:
        client.force_login(desk)  # password only, no second factor
    assert client.get(url).status_code == 404


def test_a_form_of_another_dossier_is_not_found_under_this_code(client, refusal):
    issued, _url = refusal
    other = DossierFactory(applicant=CitizenFactory(id_number="079090008888"), submitted=True)
    client.force_login(other.applicant.user)
    url = reverse("tracking:form", args=[other.code, issued.pk])
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_log_in(client, refusal):
    _issued, url = refusal
    response = client.get(url)
    assert response.status_code == 302


def test_the_dossier_page_lists_the_issued_forms(client, dossier, refusal):
    issued, url = refusal
    client.force_login(dossier.applicant.user)
    with translation.override("vi"):
        page = client.get(
            reverse("tracking:detail", args=[dossier.code]), HTTP_ACCEPT_LANGUAGE="vi"
        )
    assert page.status_code == 200
    assert url.encode() in page.content
    assert issued.number.encode() in page.content
