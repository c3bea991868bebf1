"""VNeID login checks that planted bugs once slipped past: a userinfo answer without ``sub``, and
a login flow started long ago. Each refusal ends on the translated login-error page with nobody
logged in and the reason in the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from identity.models import Citizen
from tests.oidc_provider import AN, vneid_provider
from tests.test_vneid_login import assert_refused, finish, logged_in_user_id, start

pytestmark = pytest.mark.django_db

TOO_LONG_VI = "Quá thời gian đăng nhập. Vui lòng đăng nhập lại."


@pytest.fixture
def provider(settings):
    with vneid_provider(settings) as stand_in:
        yield stand_in


def age_flow(client: Client, state: str, seconds: int) -> None:
    """Pretend the login with ``state`` was started ``seconds`` earlier than it was."""
    session = client.session
    flows = session["vneid_flows"]
    flows[state]["started"] -= seconds
    session["vneid_flows"] = flows
    session.save()


# --- userinfo must name the subject ------------------------------------------------------------


@pytest.mark.parametrize(
    "userinfo",
    [
        pytest.param(dict(AN), id="no-sub"),
        pytest.param({**AN, "sub": ""}, id="empty-sub"),
        pytest.param({**AN, "sub": None}, id="null-sub"),
        pytest.param({**AN, "sub": ["vneid-sub-an"]}, id="list-sub"),
    ],
)
def test_userinfo_without_a_usable_sub_is_refused(client, provider, userinfo):
    auth = start(client)
    response = finish(client, provider.grant(auth, userinfo=userinfo), auth["state"])
    assert_refused(client, response, "userinfo_without_sub")


def test_userinfo_with_the_same_sub_is_accepted(client, provider):
    """The control case of the test above: the same answer with its ``sub`` logs in."""
    auth = start(client)
    grant = provider.grant(auth, userinfo={"sub": "vneid-sub-an", **AN})
    response = finish(client, grant, auth["state"])
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(Citizen.objects.get().user_id)


# --- a login flow expires -------------------------------------------------------------------------


def test_a_login_started_more_than_ten_minutes_ago_is_refused(client, provider, settings):
    assert settings.VNEID_LOGIN_FLOW_SECONDS == 600  # the documented default
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    auth = start(client)
    code = provider.grant(auth)
    age_flow(client, auth["state"], 601)

    response = finish(client, code, auth["state"])

    assert_refused(client, response, "flow_expired")
    assert TOO_LONG_VI in response.content.decode()
    assert provider.token_answers == []  # the old code was never exchanged
    assert auth["state"] not in (client.session.get("vneid_flows") or {})  # and is gone


def test_a_login_started_nine_minutes_ago_still_succeeds(client, provider):
    auth = start(client)
    code = provider.grant(auth)
    age_flow(client, auth["state"], 540)
    response = finish(client, code, auth["state"])
    assert response.status_code == 302
    assert logged_in_user_id(client) is not None


@pytest.mark.parametrize(("lifetime", "age", "expired"), [(60, 61, True), (60, 30, False)])
def test_the_flow_lifetime_is_configurable(client, provider, settings, lifetime, age, expired):
    settings.VNEID_LOGIN_FLOW_SECONDS = lifetime
    auth = start(client)
    code = provider.grant(auth)
    age_flow(client, auth["state"], age)
    response = finish(client, code, auth["state"])
    if expired:
        assert_refused(client, response, "flow_expired")
    else:
        assert response.status_code == 302
        assert logged_in_user_id(client) is not None


def test_a_flow_without_a_start_time_is_refused(client, provider):
    """A session written by older code (or tampered with) has no usable start: refuse it."""
    auth = start(client)
    code = provider.grant(auth)
    session = client.session
    flows = session["vneid_flows"]
    del flows[auth["state"]]["started"]
    session["vneid_flows"] = flows
    session.save()
    assert_refused(client, finish(client, code, auth["state"]), "flow_expired")


def test_expired_flows_are_dropped_when_a_new_login_starts(client, provider):
    old = start(client)
    age_flow(client, old["state"], 601)
    new = start(client)
    flows = client.session["vneid_flows"]
    assert new["state"] in flows
    assert old["state"] not in flows
