"""Sessions slide their expiry without a write per request (portal.session_refresh).

The idle timeout itself (30 minutes, officials) is proven in tests/test_official_login.py; these
tests pin what the middleware must and must not write.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity.models import Citizen
from portal.session_refresh import REFRESHED_AT
from tests.conftest import requires_redis
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.SESSION_COOKIE_NAME


@pytest.fixture
def signed_in(client):
    citizen = CitizenFactory(with_contact=True)
    client.force_login(citizen.user)
    return client


def _later(monkeypatch, seconds: int) -> None:
    monkeypatch.setattr("portal.session_refresh._now", lambda: int(time.time()) + seconds)


def test_reads_within_the_interval_write_nothing(signed_in):
    signed_in.get("/account/")  # the first request after login stamps the session
    with CaptureQueriesContext(connection) as captured:
        response = signed_in.get("/account/")
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated
    assert COOKIE not in response.cookies
    # Read from the cache, not written: the session table is not touched at all.
    assert not [q for q in captured.captured_queries if "django_session" in q["sql"]]


def test_a_request_after_the_interval_saves_and_sends_the_cookie_again(signed_in, monkeypatch):
    signed_in.get("/account/")
    key = signed_in.cookies[COOKIE].value
    stamped = SessionStore(session_key=key)[REFRESHED_AT]
    _later(monkeypatch, settings.SESSION_REFRESH_SECONDS)
    response = signed_in.get("/account/")
    assert response.cookies[COOKIE]["max-age"] == settings.SESSION_COOKIE_AGE
    assert SessionStore(session_key=key)[REFRESHED_AT] >= stamped + settings.SESSION_REFRESH_SECONDS
    assert Session.objects.filter(session_key=key).exists()  # written through to the database


@requires_redis
def test_the_cached_copy_expires_with_the_session(signed_in):
    signed_in.get("/account/")
    key = signed_in.cookies[COOKIE].value
    redis = cache._cache.get_client()
    ttl = redis.ttl(cache.make_and_validate_key(SessionStore(session_key=key).cache_key))
    assert settings.SESSION_COOKIE_AGE - 5 <= ttl <= settings.SESSION_COOKIE_AGE


def test_anonymous_visitors_get_no_session(client):
    response = client.get("/procedures/")
    assert COOKIE not in response.cookies
    assert not Session.objects.exists()


def test_an_unknown_session_key_starts_no_session(client, monkeypatch):
    _later(monkeypatch, 3600)
    client.cookies[COOKIE] = "unknownsessionkey0000000000000000"
    response = client.get("/procedures/")
    assert response.status_code == 200
    assert not response.cookies.get(COOKIE) or not response.cookies[COOKIE].value
    assert not Session.objects.exists()


def test_logout_still_ends_the_session(signed_in, monkeypatch):
    signed_in.get("/account/")
    key = signed_in.cookies[COOKIE].value
    _later(monkeypatch, 3600)
    signed_in.post("/auth/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert SessionStore(session_key=key).load() == {}


def test_a_signed_in_citizen_is_loaded_with_the_profile_in_one_query(signed_in):
    signed_in.get("/account/")
    citizen = Citizen.objects.get(id_number="079085001234")
    citizen.save()  # moves the user's stamp: the next request reads the row again
    with CaptureQueriesContext(connection) as captured:
        response = signed_in.get("/account/")
    user_queries = [q["sql"] for q in captured.captured_queries if 'FROM "auth_user"' in q["sql"]]
    assert len(user_queries) == 1 and '"identity_citizen"' in user_queries[0]
    assert not [
        q for q in captured.captured_queries if q["sql"].startswith('SELECT "identity_citizen"')
    ]
    assert response.wsgi_request.user.citizen.id_number == "079085001234"
    # Unchanged since: the user and its profile come from the kept copy (identity.backends).
    with CaptureQueriesContext(connection) as captured:
        response = signed_in.get("/account/")
    assert not [q for q in captured.captured_queries if '"auth_user"' in q["sql"]]
    assert response.wsgi_request.user.citizen.id_number == "079085001234"
