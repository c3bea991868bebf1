"""Delivery of the result: by post through the sandbox's postal service (tracking number,
signed reports: delivered → status 10, returned → waits at the desk; a forged or replayed
report is refused), and the hand-over at the desk checking the collector's ID number."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

import pytest

import outbox
from dossiers.delivery import services as delivery
from dossiers.delivery.models import Delivery
from dossiers.delivery.services import SHIPMENT
from dossiers.errors import Conflict, DossierError
from dossiers.lifecycle import transitions
from dossiers.models import DossierEvent, Status
from identity.models import Role
from notifications.models import Notification
from outbox.models import Message
from tests.factories import (
    HOME_WARD,
    CitizenFactory,
    DossierFactory,
    DossierResultFactory,
    OfficialFactory,
    sign_in,
)
from tests.sandbox_process import manage
from tests.stand_ins import sandbox_gateways, stand_ins  # noqa: F401 (fixtures)
from tests.test_transition_concurrency import marriage_procedure  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/delivery/postal/reports"
ADDRESS = "45 Nguyễn Huệ, Phường Sài Gòn"


@pytest.fixture
def post(sandbox_gateways):  # noqa: F811 (the imported fixture)
    return sandbox_gateways


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(username=f"d.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.LEADER)
    }


@pytest.fixture
def citizen():
    return CitizenFactory(email="an@example.vn")


def decided(citizen, staff, method: str | None = None):
    dossier = DossierFactory(submitted=True, applicant=citizen)
    if method:
        delivery.choose(dossier, citizen, method, address=ADDRESS)
    desk, leader = staff[Role.RECEPTION], staff[Role.LEADER]
    dossier = transitions.route(transitions.receive(dossier, desk), desk)
    DossierResultFactory(dossier=dossier, created_by=leader)
    return transitions.approve(dossier, leader)


def shipped(citizen, staff) -> Delivery:
    """A result chosen by post, approved, and taken by the sandbox's postal service."""
    dossier = decided(citizen, staff, "post")
    assert Delivery.objects.get(dossier=dossier).state == Delivery.State.SHIPPING
    assert outbox.relay(SHIPMENT) == {"delivered": 1}
    return Delivery.objects.get(dossier=dossier)


def signed(body: bytes, secret: str | None = None) -> dict[str, str]:
    """Headers of a report signed as the postal service signs it (HMAC-SHA256 of
    "<timestamp>.<body>" under the shared secret)."""
    timestamp = str(int(time.time()))
    key = (secret or "sandbox-post-callback-secret").encode()
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Post-Timestamp": timestamp, "X-Post-Signature": digest}


def report(client, tracking: str, status: str, *, secret: str | None = None, **extra):
    body = json.dumps({
        "event_id": f"{tracking}-{status}", "tracking_number": tracking, "status": status,
        "at": "2026-12-01T09:30:00+07:00", "reason": extra.pop("reason", ""),
    }).encode()  # fmt: skip
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed(body, secret).items()}
    headers.update(extra)
    return client.post(REPORTS, body, content_type="application/json", **headers)


def test_a_result_by_post_gets_a_tracking_number_and_reaches_status_10(
    post, staff, citizen, client
):
    found = shipped(citizen, staff)
    assert found.state == Delivery.State.IN_TRANSIT and found.tracking_number.startswith("EB")
    assert found.address == ADDRESS and found.shipped_at is not None
    shipped_sms = Notification.objects.get(dossier=found.dossier, event="shipped", channel="sms")
    assert found.tracking_number in shipped_sms.body

    answer = report(client, found.tracking_number, "delivered")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"state": "delivered"}
    dossier = found.dossier
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.returned_at is not None
    event = DossierEvent.objects.get(dossier=dossier, action="result_returned")
    assert (event.actor_type, event.actor) == ("system", "postal service")
    assert found.tracking_number in event.note
    assert Notification.objects.filter(dossier=dossier, event="delivered").count() == 2

    again = report(client, found.tracking_number, "delivered")  # the post repeats itself
    assert again.status_code == 200
    assert DossierEvent.objects.filter(dossier=dossier, action="result_returned").count() == 1


def test_the_shipment_asked_again_after_a_crash_is_the_same_shipment(post, staff, citizen):
    found = shipped(citizen, staff)
    # A worker died after the post answered and before the tracking number was recorded.
    Delivery.objects.filter(pk=found.pk).update(tracking_number="", state="shipping")
    Message.objects.filter(topic=SHIPMENT).update(state="pending")
    assert outbox.relay(SHIPMENT) == {"delivered": 1}
    assert Delivery.objects.get(pk=found.pk).tracking_number == found.tracking_number


def test_a_forged_or_replayed_report_is_refused(post, staff, citizen, client):
    found = shipped(citizen, staff)
    forged = report(client, found.tracking_number, "delivered", secret="not-the-shared-secret")
    assert forged.status_code == 403
    assert (
        forged.json()["error"]["detail"] == "Chữ ký của báo cáo không hợp lệ: báo cáo bị từ chối."
    )
    old = str(int(time.time()) - 3600)
    replayed = report(client, found.tracking_number, "delivered", HTTP_X_POST_TIMESTAMP=old)
    assert replayed.status_code == 403
    unsigned = client.post(REPORTS, b"{}", content_type="application/json")
    assert unsigned.status_code == 403
    found.refresh_from_db()
    found.dossier.refresh_from_db()
    assert found.state == Delivery.State.IN_TRANSIT and found.dossier.status == Status.DECIDED
    unknown = report(client, "EB000000000VN", "delivered")
    assert unknown.status_code == 404 and "mã vận đơn" in unknown.json()["error"]["detail"]


def test_a_returned_shipment_waits_at_the_desk_then_is_handed_over(post, staff, citizen, client):
    found = shipped(citizen, staff)
    answer = report(client, found.tracking_number, "returned", reason="Không có người nhận")
    assert answer.status_code == 200 and answer.json() == {"state": "returned"}
    found.refresh_from_db()
    dossier = found.dossier
    dossier.refresh_from_db()
    assert found.state == Delivery.State.RETURNED and dossier.status == Status.DECIDED
    [sms] = Notification.objects.filter(dossier=dossier, event="post_returned", channel="sms")
    assert "Không có người nhận" in sms.body and "bộ phận một cửa" in sms.body

    client.force_login(citizen.user)
    page = client.get(f"/dossiers/{dossier.code}/").content.decode()
    assert "data-returned" in page and found.tracking_number in page

    dossier = delivery.hand_over(dossier, staff[Role.RECEPTION], id_number=citizen.id_number)
    assert dossier.status == Status.RETURNED
    assert Delivery.objects.get(pk=found.pk).collector_id_number == citizen.id_number


def test_a_result_on_its_way_by_post_is_not_handed_over_at_the_desk(post, staff, citizen):
    found = shipped(citizen, staff)
    with pytest.raises(DossierError, match="bưu điện"):
        delivery.hand_over(found.dossier, staff[Role.RECEPTION], id_number=citizen.id_number)
    with pytest.raises(Conflict):
        delivery.choose(found.dossier, citizen, "desk")


def test_the_desk_refuses_a_wrong_id_number_clearly(post, staff, citizen, client):
    dossier = decided(citizen, staff, "desk")
    desk = staff[Role.RECEPTION]
    sign_in(client, desk)
    url = f"/backoffice/dossiers/{dossier.code}/"
    form = {"action": "return_result", "return_result-revision": dossier.revision}
    wrong = client.post(url, {**form, "return_result-id_number": "079085009999"})
    assert wrong.status_code == 400
    assert "Số định danh này không phải của người nộp hồ sơ" in wrong.content.decode()
    missing = client.post(url, form)
    assert missing.status_code == 400
    assert "Hãy nhập số định danh cá nhân của người nhận kết quả" in missing.content.decode()
    # The plain transition (the API's) is refused too: the hand-over needs the ID check.
    with pytest.raises(DossierError, match="số định danh"):
        transitions.return_result(dossier, desk)
    dossier.refresh_from_db()
    assert dossier.status == Status.DECIDED

    right = client.post(
        url,
        {**form, "return_result-id_number": citizen.id_number,
         "return_result-collector_name": "Nguyễn Văn An"},
    )  # fmt: skip
    assert right.status_code == 302
    dossier.refresh_from_db()
    handed = Delivery.objects.get(dossier=dossier)
    assert dossier.status == Status.RETURNED
    assert (handed.collector_id_number, handed.handed_over_by) == (citizen.id_number, desk.username)


def test_an_online_result_is_still_recorded_delivered_by_the_desk(staff, citizen):
    dossier = decided(citizen, staff)
    dossier = transitions.return_result(dossier, staff[Role.RECEPTION])
    assert dossier.status == Status.RETURNED


def test_the_applicant_chooses_the_post_with_an_address(staff, citizen, client):
    dossier = DossierFactory(submitted=True, applicant=citizen)
    client.force_login(citizen.user)
    url = f"/dossiers/{dossier.code}/delivery/"
    refused = client.post(url, {"method": "post", "address": " "}, follow=True)
    assert "Hãy nhập địa chỉ để bưu điện chuyển phát kết quả." in refused.content.decode()
    assert not Delivery.objects.exists()
    client.post(url, {"method": "post", "address": ADDRESS})
    chosen = Delivery.objects.get(dossier=dossier)
    assert (chosen.method, chosen.address) == ("post", ADDRESS)
    other = CitizenFactory(id_number="079085004321")
    client.force_login(other.user)
    assert client.post(url, {"method": "desk"}).status_code == 404
    assert Delivery.objects.get(dossier=dossier).method == "post"


@pytest.mark.django_db(transaction=True)
def test_the_postal_stand_in_reports_to_the_running_portal(
    marriage_procedure,  # noqa: F811
    post,
    live_server,
    settings,
):
    """The whole loop over HTTP: the portal asks the stand-in for a shipment with its callback
    URL; the stand-in's ``post_report`` command signs and posts the report to the running
    portal, which delivers the dossier."""
    settings.PORTAL_URL = live_server.url
    citizen = CitizenFactory(email="an@example.vn")
    staff = {
        role: OfficialFactory(username=f"live.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.LEADER)
    }
    found = shipped(citizen, staff)
    reported = manage(post.env, "post_report", found.tracking_number, "delivered", timeout=60)
    assert reported.returncode == 0, reported.stdout + reported.stderr
    assert 'answered 200 {"state":"delivered"}' in reported.stdout
    found.dossier.refresh_from_db()
    assert found.dossier.status == Status.RETURNED


def test_the_delivery_form_carries_the_pages_csrf_token(citizen):
    """The form is kept with the page's panels; the token, rendered per request, joins it with
    ``form="delivery-form"`` (a browser sends it with that form)."""
    from django.test import Client

    dossier = DossierFactory(submitted=True, applicant=citizen)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(citizen.user)
    url = f"/dossiers/{dossier.code}/"
    browser.get(url)  # kept now; the next page comes from the kept panels
    html = browser.get(url).content.decode()
    assert 'id="delivery-form"' in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)" form="delivery-form"', html)
    assert token is not None
    posted = {"method": "desk"}
    assert browser.post(f"{url}delivery/", posted).status_code == 403  # no token: refused
    answer = browser.post(f"{url}delivery/", {**posted, "csrfmiddlewaretoken": token.group(1)})
    assert answer.status_code == 302
    assert Delivery.objects.get(dossier=dossier).method == "desk"
