from django.core.management.base import BaseCommand, CommandError

from sandbox.post.models import Shipment
from sandbox.post.reports import report


class Command(BaseCommand):
    help = "Report a shipment of the postal stand-in delivered or returned (signed callback)."

    def add_arguments(self, parser):
        parser.add_argument("tracking_number")
        parser.add_argument("status", choices=["delivered", "returned"])
        parser.add_argument("--reason", default="")

    def handle(self, *args, tracking_number: str, status: str, reason: str, **options):
        shipment = Shipment.objects.filter(tracking_number=tracking_number).first()
        if shipment is None:
            raise CommandError(f"no shipment {tracking_number}")
        answer = report(shipment, status, reason)
        self.stdout.write(f"{tracking_number} {status}: the portal answered {answer}")
