"""The open workflow step on the officials' side: the dossier page's process-control rows and
issued forms, taking and giving back the step from the page and the API (409 on a conflict,
403 for the wrong role, 404 for another agency), the inbox API's queues, filters and counts,
and the rule that only the open step's holder forwards the dossier."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from dossiers import tasks
from dossiers.lifecycle import transitions
from dossiers.models import Dossier, DossierEvent, Status
from identity.models import AuditEvent, Role
from procedures.models import Agency
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory, sign_in
from workflow import routing
from workflow.models import ProcessStep
from workflow.tasks import route_dossier

pytestmark = pytest.mark.django_db

API = "/api/v1/backoffice/dossiers/"
_citizens = itertools.count(1)


@pytest.fixture
def staff():
    found = {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.LEADER)
    }
    found["specialist2"] = OfficialFactory(
        username="ward.specialist2", role=Role.SPECIALIST, agency=HOME_WARD
    )
    return found


def routed(staff) -> Dossier:
    applicant = CitizenFactory(id_number=f"0790860{next(_citizens):05d}")
    dossier = DossierFactory(submitted=True, applicant=applicant)
    desk = staff[Role.RECEPTION]
    transitions.receive(dossier, desk)
    dossier = transitions.route(Dossier.objects.get(pk=dossier.pk), desk, note="Chuyển thụ lý")
    route_dossier(dossier.code)
    return Dossier.objects.get(pk=dossier.pk)


@pytest.fixture
def dossier(staff) -> Dossier:
    return routed(staff)


def client(user) -> Client:
    return sign_in(Client(), user)


def page(dossier: Dossier) -> str:
    return f"/backoffice/dossiers/{dossier.code}/"


def step_of(dossier: Dossier) -> ProcessStep:
    return ProcessStep.objects.get(dossier=dossier, finished_at=None)


# --- the dossier page ----------------------------------------------------------------------------


def test_the_page_shows_the_process_rows_and_the_forms_with_their_links(
    staff, dossier, settings, tmp_path
):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    specialist = staff[Role.SPECIALIST]
    routing.claim_current(dossier, specialist)
    transitions.forward(dossier, specialist, note="Trình lãnh đạo ký")
    route_dossier(dossier.code)
    assert tasks.render_form(dossier.code, "01", dossier.revision)
    browser = client(staff[Role.LEADER])
    response = browser.get(page(dossier))
    assert response.status_code == 200
    rows = response.context["process_rows"]
    assert [(r["step"].order, r["open"]) for r in rows] == [(2, False), (3, True)]
    assert rows[0]["step"].assignee == specialist and rows[0]["result"] == "Trước hạn"
    assert rows[1]["result"] == "Trong hạn"
    html = response.content.decode()
    assert 'id="process-rows"' in html
    assert "Chuyển thụ lý" in html and "Trình lãnh đạo ký" in html
    assert "Trước hạn" in html and specialist.username in html
    [issued] = response.context["issued_forms"]
    link = f"/dossiers/{dossier.code}/forms/{issued.pk}.pdf"
    assert link in html
    download = browser.get(link)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_a_page_before_routing_says_so_and_offers_no_step(staff):
    applicant = CitizenFactory(id_number="079087000001")
    new = DossierFactory(submitted=True, applicant=applicant)
    response = client(staff[Role.RECEPTION]).get(page(new))
    assert response.context["process_rows"] == [] and response.context["open_step"] is None
    assert "Chưa chuyển đến bộ phận xử lý." in response.content.decode()


def test_claim_and_release_from_the_page(staff, dossier):
    first = client(staff[Role.SPECIALIST])
    shown = first.get(page(dossier)).content.decode()
    assert 'id="claim-step"' in shown and 'id="release-step"' not in shown
    taken = first.post(f"{page(dossier)}claim/")
    assert taken.status_code == 302 and taken["Location"] == page(dossier)
    assert step_of(dossier).assignee == staff[Role.SPECIALIST]
    shown = first.get(page(dossier)).content.decode()
    assert 'id="release-step"' in shown and "Bạn đã nhận bước này" in shown

    second = client(staff["specialist2"])
    conflict = second.post(f"{page(dossier)}claim/")
    assert conflict.status_code == 409
    assert "Cán bộ khác đã nhận bước này." in conflict.content.decode()
    assert 'id="claim-step"' not in conflict.content.decode()
    assert step_of(dossier).assignee == staff[Role.SPECIALIST]

    given_back = first.post(f"{page(dossier)}release/")
    assert given_back.status_code == 302
    assert step_of(dossier).assignee is None


def test_the_page_refuses_the_wrong_role_another_agency_and_a_get(staff, dossier):
    leader = client(staff[Role.LEADER])
    assert 'id="claim-step"' not in leader.get(page(dossier)).content.decode()
    refused = leader.post(f"{page(dossier)}claim/")
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(detail__reason="step_role").exists()
    other = client(OfficialFactory(username="tuphap.cv", role=Role.SPECIALIST, agency="H29.03"))
    assert other.post(f"{page(dossier)}claim/").status_code == 404
    assert client(staff[Role.SPECIALIST]).get(f"{page(dossier)}claim/").status_code == 405
    assert step_of(dossier).assignee is None


def test_claiming_needs_the_csrf_token(staff, dossier):
    strict = sign_in(Client(enforce_csrf_checks=True), staff[Role.SPECIALIST])
    assert strict.post(f"{page(dossier)}claim/").status_code == 403
    assert step_of(dossier).assignee is None


# --- the API -------------------------------------------------------------------------------------


def test_claim_and_release_through_the_api(staff, dossier):
    first = client(staff[Role.SPECIALIST])
    taken = first.post(f"{API}{dossier.code}/claim/")
    assert taken.status_code == 200
    body = taken.json()
    assert (body["order"], body["assignee"], body["handed_to"]) == (2, "ward.specialist", HOME_WARD)
    conflict = client(staff["specialist2"]).post(f"{API}{dossier.code}/claim/")
    assert conflict.status_code == 409
    assert conflict.json()["error"]["detail"] == "Cán bộ khác đã nhận bước này."
    not_theirs = client(staff["specialist2"]).post(f"{API}{dossier.code}/release/")
    assert not_theirs.status_code == 409
    released = first.post(f"{API}{dossier.code}/release/")
    assert released.status_code == 200 and released.json()["assignee"] is None


def test_the_api_answers_403_404_and_409_without_a_step(staff, dossier):
    wrong_role = client(staff[Role.LEADER]).post(f"{API}{dossier.code}/claim/")
    assert wrong_role.status_code == 403
    assert wrong_role.json()["error"]["detail"] == "Vai trò của bạn không xử lý bước này."
    other = client(OfficialFactory(username="tuphap.cv", role=Role.SPECIALIST, agency="H29.03"))
    assert other.post(f"{API}{dossier.code}/claim/").status_code == 404
    unknown = client(staff[Role.SPECIALIST]).post(f"{API}H29.26743-000000-0000/claim/")
    assert unknown.status_code == 404
    new = DossierFactory(submitted=True, applicant=CitizenFactory(id_number="079087000002"))
    no_step = client(staff[Role.RECEPTION]).post(f"{API}{new.code}/claim/")
    assert no_step.status_code == 409
    assert "không có bước đang mở" in no_step.json()["error"]["detail"]


def test_the_inbox_api_serves_each_queue_with_counts_and_the_open_step(staff, dossier):
    routing.claim_current(routed(staff), staff[Role.SPECIALIST])
    second = client(staff["specialist2"])
    shared = second.get(API, {"queue": "department"})
    assert shared.status_code == 200
    body = shared.json()
    assert [row["code"] for row in body["results"]] == [dossier.code]
    assert body["counts"] == {"all": 2, "mine": 0, "department": 1, "agency": 0}
    assert body["count"] == 1
    step = body["results"][0]["step"]
    assert (step["order"], step["assignee"], step["handed_to"]) == (2, None, HOME_WARD)
    mine = client(staff[Role.SPECIALIST]).get(API, {"queue": "mine"}).json()
    assert mine["counts"]["mine"] == 1 and mine["results"][0]["step"]["assignee"] == (
        "ward.specialist"
    )
    leader = client(staff[Role.LEADER]).get(API, {"queue": "agency", "status": 4}).json()
    assert leader["counts"]["agency"] == 2 and len(leader["results"]) == 2
    overdue = client(staff[Role.LEADER]).get(API, {"queue": "agency", "due": "overdue"}).json()
    assert overdue["results"] == [] and overdue["counts"]["agency"] == 0
    at_step = second.get(API, {"step": "Công chức chuyên môn thụ lý"}).json()
    assert at_step["count"] == 2
    assert second.get(API, {"step": "Không có"}).json()["count"] == 0
    stranger = client(OfficialFactory(username="tuphap.ld", role=Role.LEADER, agency="H29.03"))
    nothing = stranger.get(API, {"queue": "agency"}).json()
    assert nothing["results"] == [] and set(nothing["counts"].values()) == {0}


@pytest.mark.parametrize("query", [{"queue": "everything"}, {"due": "tomorrow"}, {"status": 42}])
def test_a_bad_inbox_filter_is_400_naming_it(staff, query):
    response = client(staff[Role.SPECIALIST]).get(API, query)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == list(query)


# --- only the open step's holder forwards -------------------------------------------------------


def forward(browser: Client, dossier: Dossier):
    url = f"{API}{dossier.code}/transitions/"
    return browser.post(url, {"action": "forward"}, content_type="application/json")


def test_only_the_steps_holder_forwards_once_it_is_taken(staff, dossier):
    routing.claim_current(dossier, staff[Role.SPECIALIST])
    refused = forward(client(staff["specialist2"]), dossier)
    assert refused.status_code == 403
    assert "Cán bộ khác đã nhận bước đang mở" in refused.json()["error"]["detail"]
    assert not DossierEvent.objects.filter(dossier=dossier, action="step").exists()
    page_of_second = client(staff["specialist2"]).get(page(dossier))
    assert "forward" not in [a["action"] for a in page_of_second.context["actions"]]
    assert forward(client(staff[Role.SPECIALIST]), dossier).status_code == 200
    assert DossierEvent.objects.filter(dossier=dossier, action="step").count() == 1


def test_a_role_of_another_step_may_not_forward(staff, dossier):
    refused = forward(client(staff[Role.LEADER]), dossier)  # the open step is the specialist's
    assert refused.status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    # In the shared queue, any specialist of the unit may hand it over.
    assert forward(client(staff["specialist2"]), dossier).status_code == 200


def test_a_dossier_not_routed_yet_follows_the_table_alone(staff):
    applicant = CitizenFactory(id_number="079087000003")
    dossier = DossierFactory(submitted=True, applicant=applicant)
    transitions.receive(dossier, staff[Role.RECEPTION])
    transitions.route(Dossier.objects.get(pk=dossier.pk), staff[Role.RECEPTION])
    assert forward(client(staff[Role.LEADER]), dossier).status_code == 200


def test_the_inbox_api_reads_a_fixed_number_of_queries(staff, django_assert_max_num_queries):
    for _ in range(4):
        routing.claim_current(routed(staff), staff[Role.SPECIALIST])
    routed(staff)
    specialist = client(staff[Role.SPECIALIST])
    specialist.get(API)
    # Session, user, the official checks, the scope, the counts, the page, its open steps:
    # none per row (the steps' units and officials come with them).
    with django_assert_max_num_queries(8):
        response = specialist.get(API)
    assert response.json()["count"] == 5
    assert all(row["step"]["handed_over_by"] == HOME_WARD for row in response.json()["results"])


def test_a_step_consulting_another_agency_is_handed_over_by_the_receiving_agency(staff, dossier):
    """Liên thông: the open step sits with another agency's unit, whose officials do not see the
    dossier; the receiving agency's official holding the step's role records the answer."""
    other = Agency.objects.create(
        code="H29.99.01", name="Văn phòng Đăng ký đất đai (thử)", level=Agency.Level.DIVISION
    )
    step = step_of(dossier)
    step.handed_to = other
    step.save(update_fields=["handed_to"])
    refused = forward(client(staff[Role.LEADER]), dossier)  # not the step's role
    assert refused.status_code == 403
    assert forward(client(staff[Role.SPECIALIST]), dossier).status_code == 200
    assert DossierEvent.objects.filter(dossier=dossier, action="step").count() == 1
