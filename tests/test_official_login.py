"""Officials sign in to the back office with password + TOTP code; failures lock the account."""

from __future__ import annotations

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.forms_official import GENERIC_LOGIN_ERROR
from identity.management.commands.otp_code import current_code
from identity.models import Role
from tests.factories import CitizenFactory, OfficialFactory

pytestmark = pytest.mark.django_db

PASSWORD = "right-Password-42"
LOGIN = "/backoffice/login/"


def make_official(username="tuphap.test", agency="H29.03", role=Role.RECEPTION):
    user = OfficialFactory(username=username, agency=agency, role=role, password=PASSWORD)
    return user, user.device


def wrong_code(device) -> str:
    """A 6-digit code the device accepts at no time step near now."""
    near = {
        f"{totp(device.bin_key, device.step, device.t0, device.digits, d):06d}"
        for d in range(-3, 4)
    }
    return next(c for c in (f"{n:06d}" for n in range(100)) if c not in near)


def post_login(client, username, password, code, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "otp_token": code, **extra}
    )


def test_login_page_has_labelled_fields_for_small_screens(client):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("username", "password", "otp_token"):
        assert f'<label for="id_{name}">' in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    assert 'name="viewport"' in html


def test_right_password_and_code_sign_in_rotate_the_session_and_verify(client):
    user, device = make_official()
    before = client.session.session_key  # an anonymous session exists before signing in
    assert before

    response = post_login(client, user.username, PASSWORD, current_code(device))

    assert response.status_code == 302
    assert response["Location"] == "/backoffice/"
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()
    inbox = client.get("/backoffice/")
    assert inbox.status_code == 200
    assert inbox.wsgi_request.user == user
    assert inbox.wsgi_request.user.is_verified()


def test_login_follows_a_local_next_but_not_an_outside_one(client):
    user, device = make_official()
    response = post_login(
        client, user.username, PASSWORD, current_code(device), next="/backoffice/agencies/H29.03/"
    )
    assert response["Location"] == "/backoffice/agencies/H29.03/"

    other, other_device = make_official("tuphap.other")
    client.post("/backoffice/logout/")
    response = post_login(
        client, other.username, PASSWORD, current_code(other_device), next="https://evil.example/"
    )
    assert response["Location"] == "/backoffice/"


def test_wrong_code_is_refused_with_the_generic_message_and_counted(client):
    user, device = make_official()
    response = post_login(client, user.username, PASSWORD, wrong_code(device))
    assert response.status_code == 200
    assert str(GENERIC_LOGIN_ERROR) in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start == 1


def test_wrong_password_gets_the_same_message_as_a_wrong_code(client):
    user, device = make_official()
    bad_password = post_login(client, user.username, "nope", current_code(device))
    bad_code = post_login(client, user.username, PASSWORD, wrong_code(device))
    assert bad_password.context["form"].non_field_errors() == (
        bad_code.context["form"].non_field_errors()
    )
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 2


def test_malformed_code_is_a_field_error(client):
    user, _device = make_official()
    response = post_login(client, user.username, PASSWORD, "12ab")
    assert response.status_code == 200
    assert response.context["form"].has_error("otp_token")
    assert not response.wsgi_request.user.is_authenticated


def test_repeated_failures_lock_the_account_even_with_the_right_credentials(client):
    user, device = make_official()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, user.username, PASSWORD, wrong_code(device)).status_code == 200
    last = post_login(client, user.username, PASSWORD, wrong_code(device))
    assert last.status_code == 403
    assert "identity/locked_out.html" in [t.name for t in last.templates]

    response = post_login(client, user.username, PASSWORD, current_code(device))
    assert response.status_code == 403
    assert "identity/locked_out.html" in [t.name for t in response.templates]
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/backoffice/").status_code == 302


def test_a_citizen_cannot_sign_in_to_the_back_office(client):
    user, device = make_official("citizen.with.role")
    CitizenFactory(user=user, id_number="079090001234", full_name="Nguyễn Văn A")
    response = post_login(client, user.username, PASSWORD, current_code(device))
    assert response.status_code == 200
    assert str(GENERIC_LOGIN_ERROR) in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 1


def test_an_account_without_staff_role_cannot_sign_in(client):
    user = get_user_model().objects.create_user("no.role", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    response = post_login(client, user.username, PASSWORD, current_code(device))
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_an_unconfirmed_device_does_not_count(client):
    user, device = make_official()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    response = post_login(client, user.username, PASSWORD, current_code(device))
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_password_without_second_factor_is_not_signed_in(client):
    user, _device = make_official()
    client.force_login(user)  # e.g. a password-only login elsewhere (the admin site)
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert client.get("/api/v1/backoffice/agencies/H29.03/").status_code == 403


def test_a_code_is_accepted_only_once(client, django_user_model):
    user, device = make_official()
    code = current_code(device)
    assert post_login(client, user.username, PASSWORD, code).status_code == 302
    client.post("/backoffice/logout/")
    replay = post_login(client, user.username, PASSWORD, code)
    assert replay.status_code == 200
    assert not replay.wsgi_request.user.is_authenticated


def test_logout_is_a_post_and_ends_the_session(client):
    user, device = make_official()
    post_login(client, user.username, PASSWORD, current_code(device))
    assert client.get("/backoffice/logout/").status_code == 405
    response = client.post("/backoffice/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get("/backoffice/").status_code == 302


def test_session_expires_after_thirty_minutes_without_activity(client, monkeypatch):
    assert settings.SESSION_COOKIE_AGE == 1800
    user, device = make_official()
    response = post_login(client, user.username, PASSWORD, current_code(device))
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 1800
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Within a minute of the last save, activity writes nothing (portal.session_refresh)...
    assert settings.SESSION_COOKIE_NAME not in client.get("/backoffice/").cookies
    # ...after it, activity pushes the expiry forward again: 25 idle minutes, then a request.
    idle_until(key, timezone.now() + datetime.timedelta(minutes=5))
    monkeypatch.setattr("portal.session_refresh._now", lambda: int(time.time()) + 61)
    response = client.get("/backoffice/")
    assert response.status_code == 200
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 1800
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + datetime.timedelta(minutes=29)

    idle_until(key, timezone.now() - datetime.timedelta(seconds=1))  # 30 idle minutes
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not response.wsgi_request.user.is_authenticated


def idle_until(key: str, expire_date: datetime.datetime) -> None:
    """Move a session's expiry as idle time would: the row's date, and the cached copy gone
    (the cache drops it when its time-to-live, the same expiry, runs out)."""
    Session.objects.filter(session_key=key).update(expire_date=expire_date)
    cache.delete(SessionStore(session_key=key).cache_key)


def test_signed_in_official_visiting_the_login_page_goes_to_the_inbox(client):
    user, device = make_official()
    post_login(client, user.username, PASSWORD, current_code(device))
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/"
