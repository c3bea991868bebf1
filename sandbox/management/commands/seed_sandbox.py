from django.conf import settings
from django.core.management.base import BaseCommand

from sandbox.vneid.seed import PORTAL_CLIENT_ID, register_portal, seed_citizens


class Command(BaseCommand):
    help = (
        "Create or update the sandbox's demo data: VNeID demo citizens and the portal's OAuth "
        "client (redirect URI from SANDBOX_PORTAL_URL). Safe to run again."
    )

    def handle(self, *args, **options):
        citizens = seed_citizens()
        application = register_portal(settings.PORTAL_URL, settings.VNEID_CLIENT_SECRET)

        self.stdout.write(f"VNeID issuer: {settings.VNEID_ISSUER}")
        self.stdout.write(f"Discovery: {settings.VNEID_ISSUER}/.well-known/openid-configuration")
        self.stdout.write(
            f"Client {PORTAL_CLIENT_ID}: redirect URI {application.redirect_uris}, "
            f"post-logout {application.post_logout_redirect_uris}"
        )
        self.stdout.write(f"Demo citizens ({len(citizens)}):")
        for citizen in citizens:
            organisation = f" — {citizen.organisation_name}" if citizen.organisation_name else ""
            self.stdout.write(
                f"  {citizen.id_number}  {citizen.full_name}{organisation}, "
                f"{citizen.birth_date:%d/%m/%Y}, {citizen.gender}, "
                f"LoaiTaiKhoan {citizen.account_type}, IAL {citizen.assurance_level}"
            )
