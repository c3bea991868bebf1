"""Print the current TOTP code of a demo official (``manage.py otp_code tuphap.motcua``).

A demo helper so that nobody needs an authenticator app to try the back office. It reads the
secret from the database, so it refuses to run outside DEBUG unless ``--force`` is given.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def current_code(device: TOTPDevice) -> str:
    """The code the device's authenticator app shows now (zero-padded)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


class Command(BaseCommand):
    help = "Print the current 6-digit sign-in code of an official's TOTP device (demo only)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even when DEBUG is off (never do this on a production system)",
        )

    def handle(self, *args, username: str, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "otp_code is a demo helper and DEBUG is off; pass --force if this really is a "
                "demo system."
            )
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        device = TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()
        if device is None:
            raise CommandError(f"{username} has no confirmed TOTP device.")
        self.stdout.write(current_code(device))
