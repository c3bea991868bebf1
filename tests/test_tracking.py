"""Following a dossier: the applicant's page, withdrawal, and public lookup by code + factor."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from dossiers import services, views_tracking
from dossiers.models import Dossier, DossierDocument, DossierEvent, Status, StoredDocument
from tests.factories import CitizenFactory
from tests.test_receipt_pdf import submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen():
    return CitizenFactory(with_contact=True)


@pytest.fixture
def dossier(citizen):
    return submitted(citizen, request_text="Đăng ký kết hôn với bà Trần Thị Bình")


@pytest.fixture
def owner(client, citizen):
    client.force_login(citizen.user)
    return client


UNKNOWN_CODES = [f"H29.26743-000101-{n:04d}" for n in range(10)] + ["H29.26743-000101-9999"]


@pytest.fixture(autouse=True)
def fresh_lookup_counters(dossier):
    """Codes repeat across runs (the test database is new each time, the cache is not)."""
    keys = [views_tracking.rate_key("code", code) for code in [dossier.code, *UNKNOWN_CODES]]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def fresh_ip() -> str:
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    cache.delete(views_tracking.rate_key("ip", ip))
    return ip


# --- the applicant's dossier page ---------------------------------------------------------------


def test_page_shows_status_in_words_procedure_agency_and_timeline(owner, dossier):
    response = owner.get(f"/dossiers/{dossier.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="1"' in html
    assert str(Status.SUBMITTED.label) in html
    assert str(views_tracking.STATUS_EXPLANATIONS[Status.SUBMITTED]) in html
    assert f"/procedures/{dossier.procedure.national_code}/" in html
    assert "Ủy ban nhân dân Phường Bến Thành" in html
    assert str(views_tracking.ACTION_WORDS["submitted"]) in html
    assert dossier.submitted_at.astimezone().strftime("%d/%m/%Y") in html
    # Not accepted yet: no due date, and the receipt is still being prepared.
    assert "data-receipt-pending" in html
    assert f"/dossiers/{dossier.code}/withdraw/" in html


def test_page_lists_attached_documents_with_links_and_reused_badge(owner, citizen, dossier):
    stored = StoredDocument.objects.create(
        owner=citizen, source="upload", title="CCCD", original_name="cccd-ban-sao.pdf",
        storage_name=f"t-reused-{dossier.pk}", content_type="application/pdf", size=10,
        sha256="1" * 64,
    )  # fmt: skip
    if not dossier.form_schema["documents"]:  # marriage asks for no upload online
        dossier.form_schema["documents"] = [{"id": "doc-1", "name": "Giấy tờ", "required": False}]
        Dossier.objects.filter(pk=dossier.pk).update(form_schema=dossier.form_schema)
    slot = dossier.form_schema["documents"][0]
    DossierDocument.objects.create(dossier=dossier, slot_id=slot["id"], stored=stored, reused=True)
    html = owner.get(f"/dossiers/{dossier.code}/").content.decode()
    assert f'href="/documents/{stored.public_id}/"' in html
    assert "cccd-ban-sao.pdf" in html
    assert 'class="badge"' in html
    assert html.count('href="/documents/') == dossier.documents.count()


def test_nobody_but_the_owner_sees_the_page_even_knowing_the_code(client, dossier):
    url = f"/dossiers/{dossier.code}/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/auth/vneid/login/?next=")

    other = CitizenFactory(id_number="079090001111", full_name="Trần Thị Bình", with_contact=True)
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}receipt.pdf").status_code == 404
    assert client.get(f"{url}withdraw/").status_code == 404
    assert client.post(f"{url}withdraw/", {"reason": "x"}).status_code == 404

    official = get_user_model().objects.create_user("official-1", is_staff=True)
    client.force_login(official)
    assert client.get(url).status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_unknown_code_is_not_found(owner):
    assert owner.get("/dossiers/H29.26743-000101-9999/").status_code == 404


# --- withdrawal ---------------------------------------------------------------------------------


def test_withdraw_asks_for_a_reason_then_withdraws(owner, dossier):
    url = f"/dossiers/{dossier.code}/withdraw/"
    confirm = owner.get(url)
    assert confirm.status_code == 200
    assert b'name="reason"' in confirm.content and b"csrfmiddlewaretoken" in confirm.content

    empty = owner.post(url, {"reason": "   "})
    assert empty.status_code == 400
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED

    done = owner.post(url, {"reason": "Nộp nhầm thủ tục"}, follow=True)
    assert done.redirect_chain[-1][0] == f"/dossiers/{dossier.code}/"
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN and dossier.finished_at is not None
    html = done.content.decode()
    assert 'data-status="7"' in html
    assert "Nộp nhầm thủ tục" in html  # the reason, in the timeline
    assert f"/dossiers/{dossier.code}/withdraw/" not in html  # no button any more
    event = DossierEvent.objects.get(dossier=dossier, action="withdrawn")
    assert (event.from_status, event.to_status) == (Status.SUBMITTED, Status.WITHDRAWN)


def test_withdrawing_is_refused_once_not_allowed(owner, citizen, dossier):
    services.withdraw(dossier, citizen, "first")
    url = f"/dossiers/{dossier.code}/withdraw/"
    page = owner.get(url, follow=True)
    assert page.redirect_chain[-1][0] == f"/dossiers/{dossier.code}/"
    assert "alert--error" in page.content.decode()

    again = owner.post(url, {"reason": "again"}, follow=True)  # e.g. a second tab
    assert again.status_code == 200
    assert "alert--error" in again.content.decode()
    assert DossierEvent.objects.filter(dossier=dossier, action="withdrawn").count() == 1

    for status in (Status.REFUSED, Status.STOPPED, Status.DECIDED, Status.RETURNED):
        type(dossier).objects.filter(pk=dossier.pk).update(status=status)
        owner.post(url, {"reason": "x"})
        dossier.refresh_from_db()
        assert dossier.status == status


def test_withdraw_needs_the_csrf_token(citizen, dossier):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen.user)
    assert strict.post(f"/dossiers/{dossier.code}/withdraw/", {"reason": "x"}).status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


# --- public lookup ------------------------------------------------------------------------------


def lookup(client: Client, code: str, factor: str, ip: str):
    return client.post("/lookup/", {"code": code, "factor": factor}, REMOTE_ADDR=ip)


def test_lookup_page_has_a_labelled_form(client):
    html = client.get("/lookup/").content.decode()
    assert '<label for="id_code">' in html and '<label for="id_factor">' in html
    assert 'method="post"' in html


@pytest.mark.parametrize(
    "factor", ["079085001234", " 0790 8500 1234 ", "0912345678", "+84 912 345 678"]
)
def test_lookup_with_code_and_id_or_phone_shows_progress_without_personal_data(
    client, dossier, factor
):
    response = lookup(client, dossier.code.lower(), factor, fresh_ip())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="1"' in html and str(Status.SUBMITTED.label) in html
    assert dossier.procedure_version.name in html
    assert str(views_tracking.ACTION_WORDS["submitted"]) in html
    for personal in ("Nguyễn Văn An", "079085001234", "0912345678", "Lê Lợi", "an@example.vn"):
        assert personal not in html, personal
    assert "/documents/" not in html and "receipt.pdf" not in html


def test_lookup_shows_no_withdrawal_reason(client, citizen, dossier):
    services.withdraw(dossier, citizen, "Lý do riêng tư của Nguyễn Văn An")
    html = lookup(client, dossier.code, "079085001234", fresh_ip()).content.decode()
    assert 'data-status="7"' in html
    assert "Lý do riêng tư" not in html and "Nguyễn Văn An" not in html


def test_wrong_code_or_wrong_factor_get_the_same_generic_answer(client, dossier):
    ip = fresh_ip()
    wrong_factor = lookup(client, dossier.code, "079085009999", ip)
    wrong_code = lookup(client, "H29.26743-000101-9999", "079085001234", ip)
    nonsense = lookup(client, "not-a-code", "079085001234", ip)
    empty_factor = lookup(client, dossier.code, "  ", ip)
    for response in (wrong_factor, wrong_code, nonsense):
        assert response.status_code == 200
        assert "data-no-match" in response.content.decode()
        assert 'data-status="' not in response.content.decode()
    assert empty_factor.status_code == 400 and 'data-status="' not in empty_factor.content.decode()

    def message(response):
        html = response.content.decode()
        start = html.index("data-no-match")
        return html[start : html.index("</div>", start)]

    assert message(wrong_factor) == message(wrong_code) == message(nonsense)


def test_lookup_does_not_answer_to_get_parameters(client, dossier):
    response = client.get("/lookup/", {"code": dossier.code, "factor": "079085001234"})
    assert response.status_code == 200
    assert 'data-status="' not in response.content.decode()


def test_lookup_needs_the_csrf_token(dossier):
    strict = Client(enforce_csrf_checks=True)
    assert (
        strict.post("/lookup/", {"code": dossier.code, "factor": "079085001234"}).status_code == 403
    )


def test_lookup_is_rate_limited_per_client_address(client, dossier, settings):
    settings.LOOKUP_MAX_ATTEMPTS = 10
    ip = fresh_ip()
    for n in range(10):
        # Spread over several codes so only the per-address limit can trip.
        assert lookup(client, UNKNOWN_CODES[n], "079085001234", ip).status_code == 200
    limited = lookup(client, dossier.code, "079085001234", ip)
    assert limited.status_code == 429
    assert 'data-status="' not in limited.content.decode()
    assert "alert--error" in limited.content.decode()
    # Another address is not affected.
    assert lookup(client, dossier.code, "079085001234", fresh_ip()).status_code == 200


def test_lookup_is_rate_limited_per_code_across_addresses(client, dossier, settings):
    settings.LOOKUP_MAX_ATTEMPTS = 10
    for _ in range(10):
        wrong = lookup(client, dossier.code, "079085009999", fresh_ip())
        assert wrong.status_code == 200 and "data-no-match" in wrong.content.decode()
    # Guessing from many addresses exhausts the code: even the right factor now waits.
    assert lookup(client, dossier.code, "079085001234", fresh_ip()).status_code == 429


def test_factor_comparison_is_exact_after_normalising(dossier):
    assert views_tracking.factor_matches(dossier, "079085001234")
    assert views_tracking.factor_matches(dossier, "0084912345678") is False
    assert views_tracking.factor_matches(dossier, "84912345678")
    assert not views_tracking.factor_matches(dossier, "07908500123")  # a prefix is not enough
    assert not views_tracking.factor_matches(dossier, "")
    assert not views_tracking.factor_matches(None, "079085001234")
