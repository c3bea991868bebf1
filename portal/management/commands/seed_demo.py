"""Create the demo accounts and say where to find everything (``make demo`` runs it).

Idempotent: an account that already exists is left exactly as it is (its password, roles and
authenticator too), so running the command again never undoes what someone changed in the
demo. Officials get a password from DEMO_OFFICIAL_PASSWORD and a confirmed TOTP device whose
secret is printed; ``manage.py otp_code <username>`` prints the current code without an app.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.machine import ensure_client
from identity.models import Role, StaffRole
from portal.demo.journeys import seed_journeys
from portal.demo.payments import PAYMENT_JOURNEYS, seed_payments
from procedures.agencies import seed_city_agencies
from procedures.models import Agency
from workflow.seed import seed_workflows

ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@demo.hochiminhcity.gov.vn"
DEFAULT_ADMIN_PASSWORD = "demo-Admin-2026"  # noqa: S105 - a documented demo-only default
DEFAULT_OFFICIAL_PASSWORD = "demo-Official-2026"  # noqa: S105 - a documented demo-only default
DEMO_EMAIL_DOMAIN = "demo.hochiminhcity.gov.vn"
MACHINE_CLIENT_ID = "dvcqg"
DEFAULT_MACHINE_SECRET = "demo-Machine-2026"  # noqa: S105 - a documented demo-only default

# (username prefix, agency code, division code for the division's staff or None)
DEMO_AGENCIES = [
    ("tuphap", "H29.03", "H29.03.01"),  # Sở Tư pháp – Phòng Hành chính tư pháp
    ("xaydung", "H29.04", "H29.04.01"),  # Sở Xây dựng – Phòng Quản lý hoạt động xây dựng
    ("congan", "H29.16", "H29.16.01"),  # Công an Thành phố – Phòng CS QLHC về TTXH
    ("benthanh", "H29.26743", None),  # Phường Bến Thành
    ("dautieng", "H29.25777", None),  # Xã Dầu Tiếng
]
# role → (username suffix, job title, works in the division)
DEMO_ROLES = {
    Role.RECEPTION: ("motcua", "Cán bộ tiếp nhận và trả kết quả", False),
    Role.SPECIALIST: ("chuyenvien", "Chuyên viên", True),
    Role.DIVISION_HEAD: ("truongphong", "Trưởng phòng", True),
    Role.LEADER: ("lanhdao", "Lãnh đạo đơn vị", False),
    Role.AGENCY_ADMIN: ("quantri", "Quản trị hệ thống đơn vị", False),
}
CITY_ADMIN = ("thanhpho.quantri", "H29", "Quản trị hệ thống Thành phố")


@dataclass
class DemoOfficial:
    username: str
    agency_code: str
    role: str
    division_code: str | None
    title: str
    created: bool = False
    secret: str = ""
    otpauth_uri: str = ""


def demo_officials() -> list[DemoOfficial]:
    """The demo officials: every role in each demo agency, and one city administrator."""
    officials = [
        DemoOfficial(
            username=f"{prefix}.{suffix}",
            agency_code=agency_code,
            role=role,
            division_code=division_code if in_division else None,
            title=title,
        )
        for prefix, agency_code, division_code in DEMO_AGENCIES
        for role, (suffix, title, in_division) in DEMO_ROLES.items()
    ]
    username, agency_code, title = CITY_ADMIN
    officials.append(DemoOfficial(username, agency_code, Role.CITY_ADMIN, None, title))
    return officials


class Command(BaseCommand):
    help = (
        "Create the demo city administrator and demo officials with TOTP devices "
        "(idempotent) and print credentials and URLs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-dossiers",
            action="store_true",
            help="only the accounts: no demo citizens' dossiers",
        )
        parser.add_argument(
            "--base-url",
            default=os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:8000"),
            help="where the portal answers, for the printed links",
        )

    def handle(self, *args, base_url: str, without_dossiers: bool = False, **options):
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or DEFAULT_ADMIN_PASSWORD
        created = self._ensure_admin(password)
        official_password = os.environ.get("DEMO_OFFICIAL_PASSWORD") or DEFAULT_OFFICIAL_PASSWORD
        seed_city_agencies()
        seed_workflows()  # after import_procedures: attaches the popular procedures' workflows
        officials = self._ensure_officials(official_password)
        base = base_url.rstrip("/")
        if not without_dossiers:
            self._seed_dossiers(base)

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(
            "Django administrator (superuser, /admin/ only; the back office's city "
            "administrator is thanhpho.quantri):"
        )
        self.stdout.write(f"  username: {ADMIN_USERNAME}")
        if created:
            self.stdout.write(f"  password: {password}")
        else:
            self.stdout.write(
                "  password: unchanged (the account already existed; it was first set from "
                "DEMO_ADMIN_PASSWORD, default "
                f"{DEFAULT_ADMIN_PASSWORD})"
            )
        admin_device = TOTPDevice.objects.devices_for_user(
            get_user_model().objects.get(username=ADMIN_USERNAME), confirmed=True
        ).first()
        self.stdout.write(
            f"  one-time code secret: {base64.b32encode(admin_device.bin_key).decode('ascii')} "
            f"(or: manage.py otp_code {ADMIN_USERNAME})"
        )
        self._print_officials(officials, official_password, base)
        self._ensure_machine_client(base)
        self.stdout.write("URLs:")
        for label, url in (
            ("home", f"{base}/"),
            ("procedures", f"{base}/procedures/"),
            ("backoffice", f"{base}/backoffice/"),
            ("admin", f"{base}/admin/"),
            ("API docs", f"{base}/api/v1/docs/"),
            ("sandbox", f"{settings.SANDBOX_URL.rstrip('/')}/"),
        ):
            self.stdout.write(f"  {label:<11} {url}")

    def _seed_dossiers(self, base: str) -> None:
        """The demo citizens' dossiers, filed and processed through the services."""
        outcome = seed_journeys()
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(outcome.statuses.items()))
        self.stdout.write(
            f"Demo dossiers: {outcome.created} filed and processed now, {outcome.skipped} "
            f"already there ({outcome.seconds:.1f} s); by status {statuses}."
        )
        self.stdout.write(
            f"  citizen: Nguyễn Văn An (079085001234), sign in with VNeID at {base}/ "
            "(the sandbox's login page), then open /dossiers/"
        )
        paid = seed_payments()
        self.stdout.write(
            f"Fees and payments: fee rules from the catalogue; {paid} paying dossiers filed now, "
            f"{len(PAYMENT_JOURNEYS)} in all (one paid, one declined then paid, one asked for fees "
            f"during processing); reconciliation at {base}/backoffice/payments/reconciliation/"
        )

    def _ensure_machine_client(self, base: str) -> None:
        """The national portal as a machine client (it will poll the change feed)."""
        secret = os.environ.get("DEMO_MACHINE_SECRET") or DEFAULT_MACHINE_SECRET
        client, new_secret = ensure_client(
            MACHINE_CLIENT_ID, "Cổng Dịch vụ công quốc gia (demo)", ["sync:read", "audit:read"]
        )
        if new_secret is not None:  # just created: give it the documented demo secret
            client, new_secret = ensure_client(
                MACHINE_CLIENT_ID, client.name, client.scopes, secret=secret
            )
        self.stdout.write("Machine client (the national portal):")
        self.stdout.write(f"  client id: {MACHINE_CLIENT_ID}, scopes: {' '.join(client.scopes)}")
        self.stdout.write(
            f"  secret: {new_secret}"
            if new_secret
            else "  secret: unchanged (first set from DEMO_MACHINE_SECRET, "
            f"default {DEFAULT_MACHINE_SECRET})"
        )
        self.stdout.write(
            f"  token: curl -u {MACHINE_CLIENT_ID}:<secret> -d grant_type=client_credentials "
            f"{base}/api/v1/auth/token"
        )

    @transaction.atomic
    def _ensure_admin(self, password: str) -> bool:
        """Create the superuser once; return whether it was created now."""
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=ADMIN_USERNAME,
            defaults={"email": ADMIN_EMAIL, "is_staff": True, "is_superuser": True},
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        # /admin/ asks for a one-time code too (django-otp's admin site).
        if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
        return created

    @transaction.atomic
    def _ensure_officials(self, password: str) -> list[DemoOfficial]:
        """Create each demo official once, with one role and one confirmed TOTP device."""
        User = get_user_model()
        officials = demo_officials()
        codes = {o.agency_code for o in officials} | {
            o.division_code for o in officials if o.division_code
        }
        agencies = {a.code: a for a in Agency.objects.filter(code__in=codes)}
        for official in officials:
            agency = agencies[official.agency_code]
            user, official.created = User.objects.get_or_create(
                username=official.username,
                defaults={
                    "email": f"{official.username}@{DEMO_EMAIL_DOMAIN}",
                    "first_name": official.title,
                    "last_name": agency.short_name or agency.name,
                },
            )
            if official.created:
                user.set_password(password)
                user.save(update_fields=["password"])
                StaffRole.objects.create(
                    user=user,
                    role=official.role,
                    agency=agency,
                    division=agencies.get(official.division_code or ""),
                    title=official.title,
                )
                TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
            device = (
                TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()
            )
            if device is not None:
                official.secret = base64.b32encode(device.bin_key).decode("ascii")
                official.otpauth_uri = device.config_url
        return officials

    def _print_officials(self, officials: list[DemoOfficial], password: str, base: str) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo officials (cán bộ), sign in at {base}/backoffice/login/:")
        if any(o.created for o in officials):
            self.stdout.write(
                f"  password of the accounts created now: {password} (DEMO_OFFICIAL_PASSWORD); "
                "an account that already existed keeps its password"
            )
        else:
            self.stdout.write(
                "  passwords: unchanged (the accounts already existed; they were first set from "
                f"DEMO_OFFICIAL_PASSWORD, default {DEFAULT_OFFICIAL_PASSWORD})"
            )
        self.stdout.write(
            "  code: scan the otpauth:// URI or add the secret to an authenticator app, or "
            "run `manage.py otp_code <username>`"
        )
        header = f"  {'username':<22} {'agency':<10} {'role':<13} {'division':<10} TOTP secret"
        self.stdout.write(header)
        self.stdout.write("  " + "-" * (len(header) + 30))
        for o in officials:
            self.stdout.write(
                f"  {o.username:<22} {o.agency_code:<10} {o.role:<13} "
                f"{o.division_code or '-':<10} {o.secret or '(no device)'}"
            )
        self.stdout.write("otpauth URIs:")
        for o in officials:
            if o.otpauth_uri:
                self.stdout.write(f"  {o.otpauth_uri}")
        self.stdout.write("")
