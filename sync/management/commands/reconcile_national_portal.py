"""``manage.py reconcile_national_portal [--repair]``: our dossiers against the national portal's
mirror (sync.reconcile). Prints the missing, stale and mismatched counts (0 0 0 when all is
well) and exits with status 1 when one is not 0; ``--repair`` requeues what is missing or stale.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sync import reconcile
from sync.transports.base import TransportError
from sync.transports.registry import active_transport

SHOWN = 10


class Command(BaseCommand):
    help = "Compare our dossiers with the national portal's mirror; --repair requeues the gaps."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Push again the changes of missing and stale dossiers.",
        )

    def handle(self, *args, repair: bool = False, **options):
        transport = active_transport()
        try:
            report = reconcile.compare(transport)
        except TransportError as exc:
            raise CommandError(f"the national portal's mirror could not be read: {exc}") from exc
        self.stdout.write(
            f"Checked {report.checked} dossiers against {transport.verbose_name} "
            f"({transport.identifier})."
        )
        self.stdout.write(f"missing: {len(report.missing)}")
        self.stdout.write(f"stale: {len(report.stale)}")
        self.stdout.write(f"mismatched: {len(report.mismatched)}")
        for label, codes in (
            ("missing", report.missing),
            ("stale", sorted(report.stale)),
            ("mismatched", report.mismatched),
        ):
            if codes:
                more = f" (and {len(codes) - SHOWN} more)" if len(codes) > SHOWN else ""
                self.stdout.write(f"  {label}: {', '.join(codes[:SHOWN])}{more}")
        if repair:
            count = reconcile.repair(report)
            self.stdout.write(
                self.style.SUCCESS(
                    f"requeued: {count} changes of "
                    f"{len(report.missing) + len(report.stale)} dossiers"
                )
            )
        elif not report.clean:
            raise SystemExit(1)
