"""Notifications: each event of a dossier sends the applicant one e-mail and one SMS in
Vietnamese, through the outbox (written with the change), to the sandbox's SMS gateway over HTTP;
a failure is retried, a refusal is a dead letter, a redelivery sends nothing twice; the dossier
page lists them."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

import outbox
from dossiers.lifecycle import transitions
from identity.models import Role
from notifications.models import Notification
from notifications.outbox_topics import message_id
from notifications.topics import EMAIL, SMS
from outbox.models import Message
from tests.factories import (
    HOME_WARD,
    CitizenFactory,
    DossierFactory,
    DossierResultFactory,
    OfficialFactory,
)
from tests.stand_ins import sandbox_gateways, stand_ins  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

# Words of each notice, in Vietnamese (the SMS carries the sentence; the e-mail the same and its
# subject says the event).
SENTENCES = {
    "received": "đã được tiếp nhận. Thời gian hẹn trả kết quả",
    "refused": "không được tiếp nhận. Lý do: Hồ sơ không đúng thẩm quyền",
    "supplement": "đề nghị bạn bổ sung hồ sơ",
    "fees": "cần thực hiện nghĩa vụ tài chính",
    "apology": "xin lỗi: kết quả hồ sơ",
    "result": "đã có kết quả. Mời bạn nhận kết quả tại bộ phận một cửa",
    "delivered": "đã được trả (Nhận trực tiếp tại bộ phận một cửa)",
}
SUBJECTS = {
    "received": "hồ sơ đã được tiếp nhận",
    "refused": "hồ sơ không được tiếp nhận",
    "supplement": "yêu cầu bổ sung hồ sơ",
    "fees": "yêu cầu thực hiện nghĩa vụ tài chính",
    "apology": "xin lỗi và hẹn lại ngày trả kết quả",
    "result": "đã có kết quả",
    "delivered": "đã trả kết quả",
}


@pytest.fixture
def gateway(sandbox_gateways):  # noqa: F811 (the imported fixture)
    return sandbox_gateways


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(username=f"n.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.LEADER)
    }


def applicant(id_number: str = "079085001234"):
    return CitizenFactory(id_number=id_number, email=f"{id_number}@example.vn")


def deliver_all() -> dict[str, dict[str, int]]:
    return {EMAIL: outbox.relay(EMAIL), SMS: outbox.relay(SMS)}


def sms_for(box, code: str) -> list[dict]:
    return [m for m in box.sms() if m["client_ref"].startswith(f"{code}:")]


def test_each_event_sends_one_email_and_one_sms_in_vietnamese(gateway, staff):
    desk, specialist, leader = staff[Role.RECEPTION], staff[Role.SPECIALIST], staff[Role.LEADER]
    citizen = applicant()
    dossier = DossierFactory(submitted=True, applicant=citizen)
    from dossiers.delivery import services as delivery

    delivery.choose(dossier, citizen, "desk")
    dossier = transitions.receive(dossier, desk)
    dossier = transitions.route(dossier, desk)
    dossier = transitions.request_supplement(
        dossier, specialist, note="Thiếu giấy xác nhận", items=["Giấy xác nhận"]
    )
    dossier = transitions.receive_supplement(dossier, desk)
    dossier = transitions.request_fees(dossier, specialist)
    dossier = transitions.mark_fees_paid(dossier, desk)
    dossier = transitions.apologise_and_extend(
        dossier, leader, note="Cần xác minh thêm", new_due_at=dossier.due_at + 10 * DAY
    )
    DossierResultFactory(dossier=dossier, created_by=leader)
    dossier = transitions.approve(dossier, leader)
    dossier = delivery.hand_over(dossier, desk, id_number=citizen.id_number)
    refused = transitions.refuse(
        DossierFactory(submitted=True, applicant=citizen, key="key-2"),
        desk,
        note="Hồ sơ không đúng thẩm quyền",
    )

    counts = deliver_all()
    assert counts == {EMAIL: {"delivered": 7}, SMS: {"delivered": 7}}

    emails = {m.extra_headers["Message-ID"]: m for m in mail.outbox}
    assert len(emails) == 7 and all(m.to == [citizen.email] for m in mail.outbox)
    texts = {m["client_ref"]: m for m in sms_for(gateway, dossier.code)}
    texts.update({m["client_ref"]: m for m in sms_for(gateway, refused.code)})
    assert len(texts) == 7
    for event, sentence in SENTENCES.items():
        code = refused.code if event == "refused" else dossier.code
        email = Notification.objects.get(dossier__code=code, event=event, channel="email")
        sms = Notification.objects.get(dossier__code=code, event=event, channel="sms")
        sent = emails[message_id(email.key)]
        assert sentence in sent.body and code in sent.body, (event, sent.body)
        assert sent.subject == f"[Cổng DVC TP.HCM] Hồ sơ {code}: {SUBJECTS[event]}"
        assert sent.body.startswith("Kính gửi Nguyễn Văn An,")
        received = texts[sms.key]
        assert received["to"] == citizen.phone and sentence in received["text"], received
        assert received["requests"] == 1
        assert email.sent_at and sms.sent_at and sms.provider_ref == received["id"]


def test_a_notice_commits_with_its_change_or_not_at_all(gateway, staff):
    dossier = DossierFactory(submitted=True, applicant=applicant())
    with pytest.raises(RuntimeError), transaction.atomic():
        transitions.receive(dossier, staff[Role.RECEPTION])
        raise RuntimeError("the reception failed after the notice was written")
    ours = Message.objects.filter(topic__in=[EMAIL, SMS])  # a submission also writes sync pushes
    assert not Notification.objects.exists() and not ours.exists()
    transitions.receive(dossier, staff[Role.RECEPTION])
    assert sorted(ours.values_list("topic", flat=True)) == [EMAIL, SMS]


def test_a_failed_sms_is_retried_with_back_off_then_sent_once(gateway, staff, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms/api"  # nothing listens there
    dossier = transitions.receive(
        DossierFactory(submitted=True, applicant=applicant()), staff[Role.RECEPTION]
    )
    assert outbox.relay(SMS) == {"retry": 1}
    message = Message.objects.get(topic=SMS)
    assert message.state == Message.State.PENDING and "ConnectionError" in message.last_error
    assert message.next_attempt_at > timezone.now()  # backs off
    assert Notification.objects.get(channel="sms").sent_at is None

    settings.SMS_GATEWAY_URL = gateway.sms_api  # the gateway is back
    assert outbox.relay(SMS) == {}  # not due yet
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.relay(SMS) == {"delivered": 1}
    message.refresh_from_db()
    assert message.state == Message.State.DELIVERED and message.attempts == 2
    [received] = sms_for(gateway, dossier.code)
    assert received["requests"] == 1


def test_a_number_the_gateway_refuses_is_a_dead_letter_at_once(gateway, staff):
    citizen = applicant()
    dossier = DossierFactory(submitted=True, applicant=citizen)
    type(citizen).objects.filter(pk=citizen.pk).update(phone="12")  # changed in the account
    transitions.receive(dossier, staff[Role.RECEPTION])
    assert outbox.relay(SMS) == {"dead": 1}
    dead = Message.objects.get(topic=SMS)
    assert dead.attempts == 1 and "422" in dead.last_error
    assert Notification.objects.get(channel="sms").sent_at is None


def test_a_redelivered_notice_is_not_sent_again(gateway, staff):
    dossier = transitions.receive(
        DossierFactory(submitted=True, applicant=applicant()), staff[Role.RECEPTION]
    )
    assert deliver_all() == {EMAIL: {"delivered": 1}, SMS: {"delivered": 1}}
    # An operator requeues both (or a worker redelivers them after a crash): nothing goes out.
    ours = Message.objects.filter(topic__in=[EMAIL, SMS])  # not the sync pushes
    assert outbox.requeue(ours.values_list("pk", flat=True)) == 0  # delivered stay
    ours.update(state=Message.State.PENDING, next_attempt_at=timezone.now())
    assert deliver_all() == {EMAIL: {"delivered": 1}, SMS: {"delivered": 1}}
    assert len(mail.outbox) == 1
    [received] = sms_for(gateway, dossier.code)
    assert received["requests"] == 1


def test_the_sms_gateway_answers_the_first_message_for_a_key_already_seen(gateway):
    from notifications.sms.registry import active_gateway

    first = active_gateway().send("0912345678", "Thử nghiệm", "test:same-key")
    again = active_gateway().send("0912345678", "Thử nghiệm", "test:same-key")
    assert first == again
    [received] = [m for m in gateway.sms() if m["client_ref"] == "test:same-key"]
    assert received["requests"] == 2


def test_the_applicant_sees_the_messages_on_the_dossier_page(gateway, staff, client):
    citizen = applicant()
    dossier = transitions.receive(
        DossierFactory(submitted=True, applicant=citizen), staff[Role.RECEPTION]
    )
    client.force_login(citizen.user)
    page = client.get(f"/dossiers/{dossier.code}/").content.decode()
    assert page.count('data-event="received"') == 2 and "data-waiting" in page
    outbox.relay(SMS)
    page = client.get(f"/dossiers/{dossier.code}/").content.decode()
    assert "data-sent" in page and "đã được tiếp nhận" in page
    listed = page[page.index('id="notifications"') :]
    assert "…678" in listed and citizen.phone not in listed  # the number is masked


DAY = datetime.timedelta(days=1)
