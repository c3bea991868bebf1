"""Create the demo accounts and say where to find everything (``make demo`` runs it).

Idempotent: an account that already exists is left exactly as it is (its password too), so
running the command again never undoes what someone changed in the demo. Later issues add
officials and citizens here.
"""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@demo.hochiminhcity.gov.vn"
DEFAULT_ADMIN_PASSWORD = "demo-Admin-2026"  # noqa: S105 - a documented demo-only default


class Command(BaseCommand):
    help = "Create the demo city administrator (idempotent) and print credentials and URLs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:8000"),
            help="where the portal answers, for the printed links",
        )

    def handle(self, *args, base_url: str, **options):
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or DEFAULT_ADMIN_PASSWORD
        created = self._ensure_admin(password)
        base = base_url.rstrip("/")

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write("City administrator (quản trị viên thành phố):")
        self.stdout.write(f"  username: {ADMIN_USERNAME}")
        if created:
            self.stdout.write(f"  password: {password}")
        else:
            self.stdout.write(
                "  password: unchanged (the account already existed; it was first set from "
                "DEMO_ADMIN_PASSWORD, default "
                f"{DEFAULT_ADMIN_PASSWORD})"
            )
        self.stdout.write("URLs:")
        for label, url in (
            ("home", f"{base}/"),
            ("procedures", f"{base}/procedures/"),
            ("admin", f"{base}/admin/"),
            ("API docs", f"{base}/api/v1/docs/"),
            ("sandbox", f"{settings.SANDBOX_URL.rstrip('/')}/"),
        ):
            self.stdout.write(f"  {label:<11} {url}")

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
        return created
