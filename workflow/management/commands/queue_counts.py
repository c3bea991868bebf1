"""``manage.py queue_counts``: check the inbox's counters against the rows, or rebuild them."""

import sys

from django.core.management.base import BaseCommand

from workflow import counters


class Command(BaseCommand):
    help = (
        "Compare the inbox's counters (dossiers per agency, status and procedure; open steps per "
        "unit, role and holder) with the rows (--check, the default: exit status 1 on any "
        "difference), or rewrite them from the rows (--rebuild). PostgreSQL only: elsewhere "
        "the inbox counts the rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare (the default)")
        parser.add_argument("--rebuild", action="store_true", help="rewrite from the rows")

    def handle(self, *args, **options):
        if not counters.kept():
            self.stdout.write("No counters on this database: the inbox counts the rows.")
            return
        if options["rebuild"]:
            counters.rebuild()
            self.stdout.write("Counters rebuilt from the rows.")
            return
        found = counters.differences()
        for table, key, kept, real in found:
            self.stdout.write(f"{table} {key}: counter {kept}, rows {real}")
        if found:
            self.stdout.write(f"{len(found)} counters differ from the rows.")
            sys.exit(1)
        self.stdout.write("Counters exact.")
