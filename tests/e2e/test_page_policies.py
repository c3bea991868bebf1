"""The Content-Security-Policy breaks nothing in a real browser: the API docs (Swagger UI) and
the admin still work. The ``page`` fixture fails any test whose pages log a CSP violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_draws_the_api_under_the_policy(page, live_server):
    page.goto(f"{live_server.url}/api/v1/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    operations.first.locator(".opblock-summary").click()
    expect(page.locator(".opblock-body").first).to_be_visible()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_admin_works_under_the_policy(page, live_server):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tests.conftest import otp_verified_login

    admin = get_user_model().objects.create_superuser("quan-tri", "qt@example.vn", None)
    client = Client()
    otp_verified_login(client, admin)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{live_server.url}/admin/identity/citizen/")
    expect(page.locator("#changelist")).to_be_visible()
    page.goto(f"{live_server.url}/admin/auth/user/{admin.pk}/change/")
    expect(page.locator("#user_form")).to_be_visible()
    # The admin's own scripts ran: the collapsible fieldsets and the date shortcuts are drawn.
    page.goto(f"{live_server.url}/admin/auth/user/add/")
    expect(page.locator("form#user_form")).to_be_visible()
