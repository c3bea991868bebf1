"""``manage.py build_fee_rules``: fee rules from the catalogue's fee lines (payments.fees)."""

from django.core.management.base import BaseCommand

from payments.fees import build_from_catalogue


class Command(BaseCommand):
    help = "Make a submission-stage fee rule for each catalogue channel whose fees carry an amount."

    def handle(self, *args, **options):
        made = build_from_catalogue()
        self.stdout.write(f"{made} fee rules made from the catalogue.")
