"""seed_demo creates the demo administrator and officials once and never undoes later changes."""

import base64
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import Role, StaffRole

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


def _seed(monkeypatch, password):
    monkeypatch.setenv("DEMO_OFFICIAL_PASSWORD", password)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_officials_with_every_role_and_a_totp_device(monkeypatch):
    output = _seed(monkeypatch, "demo-Official-Test-1")
    for code in ("H29.03", "H29.04", "H29.16", "H29.26743", "H29.25777"):
        roles = set(StaffRole.objects.filter(agency__code=code).values_list("role", flat=True))
        assert roles == {
            Role.RECEPTION,
            Role.SPECIALIST,
            Role.DIVISION_HEAD,
            Role.LEADER,
            Role.AGENCY_ADMIN,
        }, code
    head = StaffRole.objects.get(user__username="tuphap.truongphong")
    assert head.role == Role.DIVISION_HEAD and head.division.code == "H29.03.01"
    assert StaffRole.objects.get(user__username="benthanh.truongphong").division is None
    city = StaffRole.objects.get(user__username="thanhpho.quantri")
    assert city.role == Role.CITY_ADMIN and city.agency.code == "H29"

    officials = get_user_model().objects.filter(staff_roles__isnull=False).distinct()
    assert officials.count() == 26
    for user in officials:
        assert user.check_password("demo-Official-Test-1"), user.username
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed
        secret = base64.b32encode(device.bin_key).decode()
        assert secret in output
    assert output.count("otpauth://totp/") == 26
    assert "tuphap.motcua" in output and "otp_code" in output
    assert "demo-Official-Test-1" in output


def test_seed_demo_rerun_creates_no_duplicates_and_keeps_passwords(monkeypatch):
    _seed(monkeypatch, "first-Official-1")
    counts = (
        get_user_model().objects.count(),
        StaffRole.objects.count(),
        TOTPDevice.objects.count(),
    )
    secret_before = TOTPDevice.objects.get(user__username="congan.motcua").key
    output = _seed(monkeypatch, "second-Official-2")
    assert counts == (
        get_user_model().objects.count(),
        StaffRole.objects.count(),
        TOTPDevice.objects.count(),
    )
    assert TOTPDevice.objects.get(user__username="congan.motcua").key == secret_before
    assert get_user_model().objects.get(username="congan.motcua").check_password("first-Official-1")
    assert "second-Official-2" not in output
    assert "passwords: unchanged" in output


def test_otp_code_prints_a_code_that_signs_the_official_in(monkeypatch, client):
    _seed(monkeypatch, "demo-Official-Test-1")
    out = StringIO()
    call_command("otp_code", "dautieng.motcua", "--force", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    response = client.post(
        "/backoffice/login/",
        {"username": "dautieng.motcua", "password": "demo-Official-Test-1", "otp_token": code},
    )
    assert response.status_code == 302
    assert client.get("/backoffice/agencies/H29.25777/").status_code == 200


def test_otp_code_refuses_to_run_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("otp_code", "tuphap.motcua")
    with pytest.raises(CommandError, match="No user"):
        call_command("otp_code", "nobody.here", "--force")


def test_the_demo_admin_can_pass_the_admins_one_time_code(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from identity.management.commands.otp_code import current_code

    out = StringIO()
    call_command("seed_demo", stdout=out)
    admin = get_user_model().objects.get(username="admin")
    device = TOTPDevice.objects.get(user=admin)
    assert "one-time code secret:" in out.getvalue()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "demo-Admin-2026", "otp_device": device.persistent_id,
         "otp_token": current_code(device)},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
