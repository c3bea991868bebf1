from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from jwcrypto.jwk import JWK

from sandbox.vneid import keys


def _kid(pem: str) -> str:
    return JWK.from_pem(pem.encode("ascii")).thumbprint()


class Command(BaseCommand):
    help = (
        "Make a new active RS256 signing key for the VNeID stand-in; the previous key stays in "
        "the JWKS so ID tokens it signed still verify. A running sandbox picks it up at once."
    )

    def handle(self, *args, **options):
        try:
            rotated = keys.rotate(
                settings.VNEID_KEY_DIR, from_environment=settings.VNEID_KEYS_FROM_ENVIRONMENT
            )
        except keys.KeysFromEnvironment as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"New active key: kid {_kid(rotated.active)}")
        for pem in rotated.inactive:
            self.stdout.write(f"Still published: kid {_kid(pem)}")
