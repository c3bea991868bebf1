"""seed_demo creates the demo administrator once and never undoes later changes."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_admin_and_a_rerun_keeps_it(monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "first-Password-1")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("first-Password-1")
    assert "first-Password-1" in out.getvalue()
    assert "/api/v1/docs/" in out.getvalue()

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "second-Password-2")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    admin.refresh_from_db()
    assert admin.check_password("first-Password-1")
    assert "second-Password-2" not in out.getvalue()
    assert get_user_model().objects.filter(username="admin").count() == 1
